/**
 * `npm run bench [-- --quick] [-- --only ID[,ID…]] [-- --out DIR]`: runs every case module under
 * test/bench/cases/ (each exports `benchCase`, see types.ts), prints one table — figure, baseline
 * from the same run, ratio, target met — and writes the results as JSON for history:
 * `<out>/<timestamp>.json` and `<out>/latest.json` (default out: `bench-results/`).
 *
 * Exit status: 0 when every case ran (targets missed are reported, not failures), 1 when a case
 * threw, 4 on usage errors.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchCase, BenchResult } from "./types.ts";
import { killAll } from "./lib/procs.ts";
import { formatTable } from "./lib/table.ts";

const CASES_DIR = fileURLToPath(new URL("./cases/", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Args {
  quick: boolean;
  only: string[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: [], out: join(REPO_ROOT, "bench-results") };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === "--quick") a.quick = true;
    else if (x === "--only" && argv[i + 1] !== undefined) a.only.push(...argv[++i]!.split(","));
    else if (x === "--out" && argv[i + 1] !== undefined) a.out = argv[++i]!;
    else {
      console.error(`usage: npm run bench -- [--quick] [--only ID[,ID…]] [--out DIR]`);
      process.exit(4);
    }
  }
  return a;
}

async function loadCases(): Promise<BenchCase[]> {
  const files = readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".ts"))
    .sort();
  const cases: BenchCase[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(CASES_DIR, f)).href)) as { benchCase?: BenchCase };
    if (mod.benchCase === undefined) throw new Error(`${f} does not export benchCase`);
    cases.push(mod.benchCase);
  }
  return cases;
}

/** The machine the figures come from (quoted next to them in the README). */
export function machine(): Record<string, string | number> {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    nproc: cpus().length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    host: hostname(),
    commit,
    // Other work on the machine depresses every figure (ratios less so): 1-minute load average.
    load_at_start: Number(loadavg()[0]!.toFixed(1)),
  };
}

interface CaseOutcome {
  id: string;
  seconds: number;
  results: BenchResult[];
  error?: string;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Brokers, printers and relays are separate processes: none may outlive an interrupted run.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  const all = await loadCases();
  const unknown = args.only.filter((id) => !all.some((c) => c.id === id));
  if (unknown.length > 0) {
    console.error(
      `unknown case id(s): ${unknown.join(", ")}; known: ${all.map((c) => c.id).join(", ")}`,
    );
    process.exit(4);
  }
  const selected = args.only.length > 0 ? all.filter((c) => args.only.includes(c.id)) : all;
  const started = new Date();
  const startMachine = machine();
  const outcomes: CaseOutcome[] = [];
  for (const c of selected) {
    const tmp = mkdtempSync(join(tmpdir(), `labelgate-bench-${c.id}-`));
    const t0 = performance.now();
    const log = (m: string) => console.error(`[${c.id}] ${m}`);
    log(`running${args.quick ? " (quick)" : ""}`);
    try {
      const results = await c.run({ quick: args.quick, tmpDir: tmp, log });
      outcomes.push({ id: c.id, seconds: (performance.now() - t0) / 1000, results });
    } catch (e) {
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      log(`FAILED: ${error}`);
      outcomes.push({ id: c.id, seconds: (performance.now() - t0) / 1000, results: [], error });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    log(`done in ${((performance.now() - t0) / 1000) | 0} s`);
  }

  const report = {
    date: started.toISOString(),
    quick: args.quick,
    machine: {
      ...startMachine,
      load_at_end: Number(loadavg()[0]!.toFixed(1)),
    } as Record<string, string | number>,
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    cases: outcomes,
  };
  console.log(formatTable(outcomes));
  console.log(
    `\n${report.machine["cpu"]} × ${report.machine["nproc"]}, Node ${process.version}, ` +
      `${report.date}${args.quick ? " (quick)" : ""}, ${report.seconds} s, load average ` +
      `${report.machine["load_at_start"]} → ${report.machine["load_at_end"]}`,
  );
  mkdirSync(args.out, { recursive: true });
  const json = JSON.stringify(report, null, 2) + "\n";
  const stamp = report.date.replace(/[:.]/g, "-");
  writeFileSync(join(args.out, `${stamp}.json`), json);
  writeFileSync(join(args.out, "latest.json"), json);
  console.log(`results: ${join(args.out, `${stamp}.json`)}`);
  // Child processes and sockets of a failed case must not keep the runner alive.
  process.exit(outcomes.some((o) => o.error !== undefined) ? 1 : 0);
}

await main();
