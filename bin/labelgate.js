#!/usr/bin/env node
// Runs dist/labelgate.js, the compiled bundle `npm start` builds first (bin/build.js), while it
// matches the sources; otherwise (no build yet, a source edited since, or LABELGATE_TSX=1) the
// TypeScript sources directly through tsx, which compiles each module on load. Either way the code
// that runs is the code in src/.
import { pathToFileURL } from "node:url";
import { freshBundle } from "./bundle.js";

const bundle = process.env["LABELGATE_TSX"] === "1" ? undefined : freshBundle();
if (bundle !== undefined) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/index.ts");
}
