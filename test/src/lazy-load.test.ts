import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * README "Performance": heavy packages load on first use, not with the daemon. A fresh Node
 * process imports the composition root and every driver, then lists which packages are in
 * require.cache (CommonJS packages land there whether imported or required), then draws once.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HEAVY = [
  "@napi-rs/canvas",
  "serialport",
  "bwip-js",
  "fastify",
  "aedes",
  "usb",
  "node-hid",
  "zpl-renderer-js",
];

const SCRIPT = `
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const loaded = () => ${JSON.stringify(HEAVY)}.filter((p) =>
  Object.keys(require.cache).some((k) => k.includes("/node_modules/" + p + "/")));
await import("./src/main.ts");
await import("./drivers/index.ts");
await import("./src/cli/start.ts");
const atStart = loaded();
const { createCanvas } = await import("./drivers/label/canvas.ts");
createCanvas(8, 8).getContext("2d").fillRect(0, 0, 4, 4);
const { renderBarcodeBitmap } = await import("./drivers/label/barcode.ts");
const afterDrawing = loaded();
console.log(JSON.stringify({ atStart, afterDrawing, barcode: typeof renderBarcodeBitmap }));
`;

describe("lazy loading of heavy packages", () => {
  it("the daemon's modules load no canvas, serial, barcode, web, broker or USB package until used", () => {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", SCRIPT],
      { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
    );
    const r = JSON.parse(out.trim().split("\n").pop()!) as {
      atStart: string[];
      afterDrawing: string[];
    };
    expect(r.atStart).toEqual([]);
    // Drawing loads the canvas, and only the canvas (bwip-js waits for a bitmap barcode).
    expect(r.afterDrawing).toEqual(["@napi-rs/canvas"]);
  }, 90_000);
});
