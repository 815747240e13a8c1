#!/usr/bin/env node
// `npm run build` (and `npm start`, which runs it first): bundles the CLI and daemon into
// dist/labelgate.js with esbuild (installed with tsx) unless the bundle there is still fresh
// (bin/bundle.js). `--force` rebuilds anyway. Exit 0 built or fresh, 1 the build failed.
// `--check` only tells: exit 0 when the bundle is fresh, 3 (and why on stderr) when it is not.
// `--soft` (what `npm start` uses): a failed build (a read-only install, say) only warns and exits
// 0, and bin/labelgate.js then runs the sources through tsx.
//
// The files are written to a scratch directory and renamed into dist/, then the stamp, so a
// process starting at the same time sees either the old bundle with its old stamp, or a stamp
// that does not match the sources (and falls back to tsx), never half a file.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { DIST, ROOT, STAMP, freshBundle } from "./bundle.js";

/** Files that shape the bundle besides the modules esbuild reads (compiler options, this script). */
const EXTRA_INPUTS = ["tsconfig.json", "bin/build.js", "bin/bundle.js"];

const posix = (p) => p.split(sep).join("/");

/**
 * esbuild plugin: a bundled module's `import.meta.url` is the bundle's; each source file that
 * uses it (assets next to it, createRequire) gets its own URL back, relative to the bundle so the
 * tree can move.
 */
const ownImportMetaUrl = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return { contents: text, loader: "ts" };
      const rel = JSON.stringify(posix(relative(DIST, args.path)));
      return {
        contents: text.replaceAll("import.meta.url", `new URL(${rel}, import.meta.url).href`),
        loader: "ts",
      };
    });
  },
};

/**
 * Builds the bundle and its stamp. Code splitting keeps the sources' lazy `import()`s lazy (a
 * command, the web console, the embedded broker each load with their packages only when used).
 * Every output file is named by its content hash and moved into dist/ only when no file of that
 * name is there, so a running daemon's chunks are never overwritten; files no build has named
 * for a week are pruned.
 */
export async function build() {
  const { build: esbuild } = await import("esbuild");
  mkdirSync(DIST, { recursive: true });
  const started = Date.now();
  const tmp = join(DIST, `.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const result = await esbuild({
      absWorkingDir: ROOT,
      entryPoints: { labelgate: "src/cli/index.ts" },
      outdir: tmp,
      entryNames: "[name]-[hash]",
      chunkNames: "[name]-[hash]",
      splitting: true,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      // Class and function names as in the sources (error types, log lines, stack traces).
      keepNames: true,
      metafile: true,
      logLevel: "warning",
      plugins: [ownImportMetaUrl],
      banner: { js: "// Built by bin/build.js from src/cli/index.ts; do not edit." },
    });
    const inputs = {};
    for (const file of [...Object.keys(result.metafile.inputs), ...EXTRA_INPUTS]) {
      const st = statSync(join(ROOT, file));
      // A source saved while esbuild ran may have been read before the change: leave the bundle
      // stale for it (a later build picks it up).
      inputs[posix(file)] = [st.mtimeMs > started - 1000 ? -1 : st.mtimeMs, st.size];
    }
    let entry;
    const files = [];
    for (const [out, meta] of Object.entries(result.metafile.outputs)) {
      const name = basename(out);
      files.push(name);
      if (meta.entryPoint === "src/cli/index.ts") entry = name;
      const dest = join(DIST, name);
      if (!existsSync(dest)) renameSync(join(ROOT, out), dest);
      else utimesSync(dest, new Date(), new Date()); // named again: not pruned
    }
    const stampTmp = `${STAMP}.${process.pid}.tmp`;
    writeFileSync(
      stampTmp,
      JSON.stringify({ built_at: new Date().toISOString(), entry, files, inputs }),
    );
    renameSync(stampTmp, STAMP);
    const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
    for (const name of readdirSync(DIST)) {
      if (!name.endsWith(".js") || files.includes(name)) continue;
      const p = join(DIST, name);
      if (statSync(p).mtimeMs < weekAgo) rmSync(p, { force: true });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const why = {};
  const fresh = freshBundle(why) !== undefined;
  if (process.argv.includes("--check")) {
    if (!fresh) console.error(`stale: ${String(why.why)}`);
    process.exit(fresh ? 0 : 3);
  }
  if (fresh && !process.argv.includes("--force")) process.exit(0);
  try {
    await build();
  } catch (e) {
    const soft = process.argv.includes("--soft");
    console.error(
      `build failed: ${e instanceof Error ? e.message : String(e)}` +
        (soft ? " (running the sources through tsx)" : ""),
    );
    process.exit(soft ? 0 : 1);
  }
}
