/**
 * `node bin/run-ts.js test/bench/profile-summary.ts FILE.cpuprofile [N]`: the N functions with the
 * most self time in a V8 CPU profile (from `node --cpu-prof`, e.g. `BENCH_CPU_PROF_DIR=… npm run
 * bench -- --only e2e-throughput`), and the self time summed per source area (src/jobs,
 * src/audit, node_modules/<package>, node internals, GC …), so the hot path reads at a glance.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: profile-summary.ts FILE.cpuprofile [N]");
  process.exit(4);
}
const top = Number(topArg ?? "30");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `node_modules/${nm[1]}`;
  if (url.startsWith("node:")) return "node internals";
  const m = /\/(src|drivers|firmware-protocols)\/([^/]+)/.exec(url);
  if (m) return m[1] === "src" ? `src/${m[2]}` : `${m[1]}/${m[2]}`;
  return url;
}

const fns = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (!n) continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^.*\/(node_modules|src|drivers|firmware-protocols)\//, "$1/");
  const key = `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const a = area(url, functionName);
  areas.set(a, (areas.get(a) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
console.log(`total sampled: ${(total / 1e6).toFixed(2)} s\n\nself time by area:`);
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 25))
  console.log(`${pct(us)}  ${a}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [k, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
  console.log(`${pct(us)}  ${k}`);
