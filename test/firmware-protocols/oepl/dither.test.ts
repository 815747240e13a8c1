import { describe, expect, it } from "vitest";
import { ditherAtkinson, ditherBayer, packPlanes } from "../../../firmware-protocols/oepl/index.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("dithering of photographic regions (device-protocols.md §6.3)", () => {
  it("pure black and white stay pure (nothing to dither): both methods", () => {
    const g = new Uint8Array(64).map((_, i) => (i % 8 < 4 ? 0 : 255));
    for (const d of [ditherBayer, ditherAtkinson])
      expect(hex(packPlanes(d(g, 8, 8), 1).data)).toBe("f0".repeat(8));
  });

  it("Bayer 4×4 on 50 % grey gives the golden checker pattern (deterministic)", () => {
    const img = ditherBayer(new Uint8Array(64).fill(128), 8, 8);
    expect(hex(packPlanes(img, 1).data)).toBe("55aa55aa55aa55aa");
  });

  it("the share of black follows the grey level (25 %, 50 %, 75 %)", () => {
    for (const [level, share] of [
      [191, 0.25],
      [127, 0.5],
      [63, 0.75],
    ] as const) {
      // Bayer is exact on a flat field; Atkinson discards a quarter of the error (more contrast).
      for (const [d, tolerance] of [
        [ditherBayer, 0.001],
        [ditherAtkinson, 0.12],
      ] as const) {
        const img = d(new Uint8Array(32 * 32).fill(level), 32, 32);
        const black = img.px.reduce((n, v) => n + (v === 1 ? 1 : 0), 0) / (32 * 32);
        expect(Math.abs(black - share)).toBeLessThan(tolerance);
      }
    }
  });

  it("refuses a grey buffer of the wrong size", () => {
    expect(() => ditherBayer(new Uint8Array(3), 2, 2)).toThrow(RangeError);
    expect(() => ditherAtkinson(new Uint8Array(3), 2, 2)).toThrow(RangeError);
  });
});
