import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshBundle } from "../../bin/bundle.js";
import { exampleJob } from "../helpers/jobs.ts";
import { freePort } from "../helpers/net.ts";

/**
 * bin/build.js and bin/labelgate.js on a scratch copy of the tree (sources copied, node_modules
 * linked), so the real dist/ is not touched: the bundle runs while it matches its sources, and
 * the sources through tsx otherwise. To tell which one ran, the copy's bundled VERSION string is
 * rewritten after the build (dist/ is output, not an input of the stamp).
 */
const REPO = fileURLToPath(new URL("../..", import.meta.url));
let root: string;

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, LABELGATE_TSX: undefined, ...env },
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "labelgate-build-"));
  for (const d of ["bin", "src", "drivers", "firmware-protocols"])
    cpSync(join(REPO, d), join(root, d), { recursive: true, preserveTimestamps: true });
  for (const f of ["package.json", "tsconfig.json"])
    cpSync(join(REPO, f), join(root, f), { preserveTimestamps: true });
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
});

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe("bin/build.js and bin/labelgate.js", () => {
  it("builds, runs the bundle while fresh, falls back to tsx when a source changes", () => {
    expect(node(["bin/build.js", "--check"])).toMatchObject({
      status: 3,
      stderr: "stale: no bundle",
    });
    // No bundle: the sources through tsx.
    expect(node(["bin/labelgate.js", "--version"])).toMatchObject({ status: 0, stdout: "0.1.0" });

    expect(node(["bin/build.js"]).status).toBe(0);
    expect(node(["bin/build.js", "--check"]).status).toBe(0);
    const entry = freshBundle({}, root);
    expect(entry).toBe(
      join(root, "dist", JSON.parse(readFileSync(join(root, "dist/labelgate.json"), "utf8")).entry),
    );
    const marked = readdirSync(join(root, "dist")).filter((f) => {
      const p = join(root, "dist", f);
      const text = readFileSync(p, "utf8");
      if (!f.endsWith(".js") || !text.includes('VERSION = "0.1.0"')) return false;
      writeFileSync(p, text.replace('VERSION = "0.1.0"', 'VERSION = "0.1.0-bundle"'));
      return true;
    });
    expect(marked).toHaveLength(1);
    expect(node(["bin/labelgate.js", "--version"]).stdout).toBe("0.1.0-bundle");
    // LABELGATE_TSX=1 runs the sources even with a fresh bundle.
    expect(node(["bin/labelgate.js", "--version"], { LABELGATE_TSX: "1" }).stdout).toBe("0.1.0");

    // A source edited after the build: the bundle is stale, the sources run.
    appendFileSync(join(root, "src/gateway-docs.ts"), "\n// edited\n");
    // Saved a while ago: a source saved during the second before a build counts as not built.
    const earlier = new Date(Date.now() - 10_000);
    utimesSync(join(root, "src/gateway-docs.ts"), earlier, earlier);
    const why: { why?: string } = {};
    expect(freshBundle(why, root)).toBeUndefined();
    expect(why.why).toBe("src/gateway-docs.ts changed");
    expect(node(["bin/build.js", "--check"])).toMatchObject({
      status: 3,
      stderr: "stale: src/gateway-docs.ts changed",
    });
    expect(node(["bin/labelgate.js", "--version"]).stdout).toBe("0.1.0");

    // Rebuilt: fresh again; a chunk missing makes it stale (it may be loaded later).
    expect(node(["bin/build.js"]).status).toBe(0);
    expect(freshBundle({}, root)).toBeDefined();
    const stamp = JSON.parse(readFileSync(join(root, "dist/labelgate.json"), "utf8")) as {
      files: string[];
      entry: string;
    };
    const chunk = stamp.files.find((f) => f !== stamp.entry)!;
    rmSync(join(root, "dist", chunk));
    expect(freshBundle({}, root)).toBeUndefined();
    expect(node(["bin/labelgate.js", "--version"]).stdout).toBe("0.1.0");
  }, 180_000);

  it("the bundle finds files next to its sources (import.meta.url of each module)", () => {
    // The web console reads its CSS and JS next to src/web/console.ts; the bundle keeps that.
    expect(node(["bin/build.js", "--force"]).status).toBe(0);
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const files = ${JSON.stringify(readdirSync(join(root, "dist")))};
         import { readFileSync } from "node:fs";
         const hit = files.filter((f) => f.endsWith(".js") && readFileSync("dist/" + f, "utf8").includes("./assets/"));
         const text = readFileSync("dist/" + hit[0], "utf8");
         console.log(/new URL\\("\\.\\.\\/src\\/web\\/console\\.ts", import\\.meta\\.url\\)/.test(text));`,
      ],
      { cwd: root, encoding: "utf8" },
    );
    expect(out.trim()).toBe("true");
  }, 120_000);

  it("the bundle runs the demo daemon: console assets, a job printed with its preview", async () => {
    expect(node(["bin/build.js"]).status).toBe(0);
    expect(freshBundle({}, root)).toBeDefined();
    const dataDir = join(root, "data");
    const port = await freePort();
    const httpPort = await freePort();
    const daemon = spawn(
      process.execPath,
      [
        "bin/labelgate.js",
        "start",
        "--data-dir",
        dataDir,
        "--mqtt-port",
        String(port),
        "--http-port",
        String(httpPort),
      ],
      {
        cwd: root,
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, LABELGATE_TSX: undefined },
      },
    );
    let stderr = "";
    daemon.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    try {
      // The console's CSS is read next to src/web/console.ts, as from the sources.
      const css = readFileSync(join(root, "src/web/assets/console.css"), "utf8");
      await expect
        .poll(
          async () => {
            if (daemon.exitCode !== null) throw new Error(`daemon exited: ${stderr.slice(-2000)}`);
            try {
              const r = await fetch(`http://127.0.0.1:${httpPort}/console/assets/console.css`);
              return r.status === 200 ? await r.text() : `HTTP ${r.status}`;
            } catch {
              return "not listening";
            }
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(css);
      const file = join(root, "job.json");
      const env = exampleJob({ replyTo: "labelgate/demo/reply/bundle" });
      delete (env as Record<string, unknown>)["job_id"];
      writeFileSync(file, JSON.stringify(env));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["bin/labelgate.js", "submit", file, "--mqtt-port", String(port), "--wait"],
        { cwd: root, env: { ...process.env, LABELGATE_TSX: undefined } },
      );
      const statuses = stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { status: string }).status);
      expect(statuses).toEqual(["accepted", "ok"]);
      // The simulator's PNG preview (zpl-renderer-js in a worker) is written after the reply.
      await expect
        .poll(() => readdirSync(join(dataDir, "sim", "zpl-1")).filter((f) => f.endsWith(".png")), {
          timeout: 30_000,
        })
        .toHaveLength(1);
    } finally {
      if (daemon.exitCode === null) {
        daemon.kill("SIGTERM");
        await new Promise((r) => daemon.once("exit", r));
      }
    }
    // Nothing edited the copy meanwhile: both processes ran the bundle.
    expect(freshBundle({}, root)).toBeDefined();
  }, 120_000);

  it("a failed build exits 1, or warns and exits 0 with --soft (npm start then runs the sources)", () => {
    const file = join(root, "src/gateway-docs.ts");
    const text = readFileSync(file, "utf8");
    writeFileSync(file, `${text}\nexport const broken = ;\n`);
    try {
      const hard = node(["bin/build.js", "--force"]);
      expect(hard.status).toBe(1);
      expect(hard.stderr).toMatch(/^build failed: .*\n.*gateway-docs.ts:\d+:\d+: ERROR/m);
      const soft = node(["bin/build.js", "--force", "--soft"]);
      expect(soft.status).toBe(0);
      expect(soft.stderr).toMatch(/\(running the sources through tsx\)$/);
      expect(freshBundle({}, root)).toBeUndefined();
    } finally {
      writeFileSync(file, text);
    }
  }, 120_000);
});
