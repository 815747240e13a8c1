/**
 * TSPL compile: bold text in a resident font (TSPL TEXT has no weight) is struck twice, one dot
 * apart, and prints thicker in the simulator's interpreter.
 */
import { describe, expect, it } from "vitest";
import { countBlack } from "../../../drivers/label/bitmap.ts";
import type { Label } from "../../../drivers/label/model.ts";
import { compileTspl } from "../../../drivers/tspl/compile.ts";
import { interpretTspl } from "../../../drivers/tspl/interpret.ts";
import type { DeviceProfile } from "../../../drivers/types.ts";

const CJK: DeviceProfile = { dpi: 203, widthMm: 60, heightMm: 30, cjkFont: "TSS24.BF2" };
const NO_CJK: DeviceProfile = { dpi: 203, widthMm: 60, heightMm: 30 };
const one = (text: string, bold: boolean): Label => ({
  widthMm: 60,
  heightMm: 30,
  elements: [{ type: "text", xMm: 2, yMm: 2, sizeMm: 6, text, ...(bold && { bold: true }) }],
});
const lines = (b: Uint8Array): string[] =>
  new TextDecoder("latin1")
    .decode(b)
    .split("\r\n")
    .filter((l) => l.startsWith("TEXT"));

describe("TSPL bold", () => {
  it("resident CJK font: a second TEXT one dot to the right", () => {
    expect(lines(compileTspl(one("杭州 571", false), CJK))).toHaveLength(1);
    const [a, b, ...rest] = lines(compileTspl(one("杭州 571", true), CJK));
    expect(rest).toEqual([]);
    expect(a).toMatch(/^TEXT 16,16,"TSS24\.BF2",0,2,2,"/);
    expect(b).toBe(a?.replace("TEXT 16,", "TEXT 17,"));
  });

  it("number-like runs in font 3 without a CJK font: struck twice too", () => {
    const [a, b, ...rest] = lines(compileTspl(one("571-A12", true), NO_CJK));
    expect(rest).toEqual([]);
    expect(a).toMatch(/^TEXT 16,\d+,"3",0,2,2,"571-A12"$/);
    expect(b).toBe(a?.replace("TEXT 16,", "TEXT 17,"));
  });

  it("prints thicker strokes in the interpreter, with the text once per strike", () => {
    const ink = (bold: boolean): number => {
      const r = interpretTspl(compileTspl(one("杭州转运中心", bold), CJK), 203);
      expect(r.labels).toHaveLength(1);
      expect(r.labels[0]?.texts).toEqual(
        bold ? ["杭州转运中心", "杭州转运中心"] : ["杭州转运中心"],
      );
      return countBlack(r.labels[0]!.bitmap);
    };
    expect(ink(true)).toBeGreaterThan(ink(false) * 1.2);
  });
});
