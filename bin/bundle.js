// The compiled daemon: dist/labelgate-<hash>.js and its chunks, the CLI with src/, drivers/ and
// firmware-protocols/ bundled by esbuild into ES modules (packages in node_modules stay ordinary
// imports, so native bindings, WebAssembly and font files load from node_modules as before). Running it instead of
// the TypeScript sources through tsx saves the loader: tsx's module hooks run in a worker thread
// with a V8 isolate of their own (about 30 MB resident, README "Performance").
//
// `dist/labelgate.json` lists every source file the bundle was built from with its mtime and
// size; a bundle is used only while every one of them is unchanged (`freshBundle`), so a process
// never runs code older than its sources. This module only reads; `bin/build.js` writes.
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
export const STAMP = join(DIST, "labelgate.json");

/**
 * The path of the bundle when it exists and was built from the sources as they are now; otherwise
 * undefined, with the reason in `why` (for `npm run build` and the tests).
 * @param {{ why?: string }} [out]
 * @param {string} [root] the source tree (tests use a scratch copy)
 * @returns {string | undefined}
 */
export function freshBundle(out = {}, root = ROOT) {
  const dist = join(root, "dist");
  let stamp;
  let entry;
  try {
    stamp = JSON.parse(readFileSync(join(dist, "labelgate.json"), "utf8"));
    entry = join(dist, String(stamp.entry));
    // The entry and every chunk it may load later.
    for (const f of [stamp.entry, ...(stamp.files ?? [])]) statSync(join(dist, String(f)));
  } catch {
    out.why = "no bundle";
    return undefined;
  }
  for (const [file, [mtimeMs, size]] of Object.entries(stamp.inputs ?? {})) {
    let st;
    try {
      st = statSync(join(root, file));
    } catch {
      out.why = `${file} is gone`;
      return undefined;
    }
    if (st.mtimeMs !== mtimeMs || st.size !== size) {
      out.why = `${file} changed`;
      return undefined;
    }
  }
  if (Object.keys(stamp.inputs ?? {}).length === 0) {
    out.why = "stamp lists no sources";
    return undefined;
  }
  return entry;
}
