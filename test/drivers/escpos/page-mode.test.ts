/**
 * ESC/POS page mode (Epson ESC/POS Command Reference, "ESC L", "ESC W", "ESC T", "GS $", "ESC $",
 * "FF"): the simulator's interpreter reads hand-written page-mode bytes dot for dot, and the
 * compiler puts bands of several elements (and lone graphics much narrower than the label) in
 * page mode, sending only ink: the example waybill prints as the label renderer draws it, its
 * barcode native and decodable, in a small fraction of the standard-mode bytes.
 */
import { describe, expect, it } from "vitest";
import { compileEscpos } from "../../../drivers/escpos/compile.ts";
import { interpretEscpos } from "../../../drivers/escpos/interpret.ts";
import { bitmapsEqual, countBlack, getPixel, type Bitmap } from "../../../drivers/label/bitmap.ts";
import type { Label } from "../../../drivers/label/model.ts";
import { bitmapToPng, renderLabel } from "../../../drivers/label/render.ts";
import type { DeviceProfile } from "../../../drivers/types.ts";
import { createEscposStreamParser } from "../../../firmware-protocols/escpos/stream-parser.ts";
import { layoutWaybill100x150 } from "../../../src/templates/waybill-100x150.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";
import { EXAMPLE_WAYBILL } from "../label/fixtures.ts";

const P: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 150, cjkFont: "GB18030" };

/** Dots set in the rectangle [x0, x1) × [y0, y1). */
function inked(b: Bitmap, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (getPixel(b, x, y)) n++;
  return n;
}

const commands = (bytes: Uint8Array): string[] =>
  createEscposStreamParser()
    .push(bytes)
    .flatMap((e) => (e.type === "command" ? [e.name] : []));

describe("ESC/POS page mode in the simulator", () => {
  it("places a bit image with its bottom on GS $, at ESC $, and FF prints the area", () => {
    // ESC @ · ESC L · ESC W 0,0,64,32 · ESC T 0 · GS $ 16 · ESC $ 8 · GS v 0 (1 byte × 4 rows)
    // · FF · GS V 66 0
    const bytes = Uint8Array.of(
      0x1b, 0x40,
      0x1b, 0x4c,
      0x1b, 0x57, 0, 0, 0, 0, 64, 0, 32, 0,
      0x1b, 0x54, 0,
      0x1d, 0x24, 16, 0,
      0x1b, 0x24, 8, 0,
      0x1d, 0x76, 0x30, 0, 1, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
      0x0c,
      0x1d, 0x56, 66, 0,
    ); // prettier-ignore
    const r = interpretEscpos(bytes, 203, 64);
    expect(r.malformed).toBe(0);
    expect(r.labels).toHaveLength(1);
    const b = r.labels[0]!.bitmap;
    // The area's height is fed: the label is 32 dots long.
    expect(b.height).toBe(32);
    expect(inked(b, 8, 12, 16, 16)).toBe(32);
    expect(countBlack(b)).toBe(32);
    expect(r.labels[0]!.commands).toEqual([
      "ESC @",
      "ESC L",
      "ESC W",
      "ESC T",
      "GS $",
      "ESC $",
      "GS v 0",
      "FF",
      "GS V",
    ]);
  });

  it("characters stand on GS $ (their baseline), a second band follows the first area", () => {
    const text = [0x41, 0x42]; // "AB"
    const bytes = Uint8Array.of(
      0x1b, 0x40,
      0x1b, 0x4c, 0x1b, 0x57, 0, 0, 0, 0, 200, 0, 40, 0, 0x1b, 0x54, 0,
      0x1d, 0x24, 30, 0, 0x1b, 0x24, 100, 0, ...text,
      0x0c,
      0x1b, 0x4c, 0x1b, 0x57, 0, 0, 0, 0, 200, 0, 10, 0, 0x1b, 0x54, 0,
      0x1d, 0x24, 10, 0, 0x1b, 0x24, 0, 0, 0x1d, 0x76, 0x30, 0, 1, 0, 2, 0, 0x80, 0x80,
      0x0c,
      0x1d, 0x56, 66, 0,
    ); // prettier-ignore
    const r = interpretEscpos(bytes, 203, 200);
    expect(r.malformed).toBe(0);
    const l = r.labels[0]!;
    expect(l.texts).toEqual(["AB"]);
    expect(l.bitmap.height).toBe(50);
    // The characters' 24-dot cell is rows 6–29, from x = 100; nothing left of it or below.
    expect(inked(l.bitmap, 100, 6, 130, 30)).toBeGreaterThan(20);
    expect(inked(l.bitmap, 0, 0, 100, 40)).toBe(0);
    expect(inked(l.bitmap, 0, 30, 200, 40)).toBe(0);
    // The second area starts at paper row 40: its image's two rows are 48 and 49.
    expect([48, 49].map((y) => getPixel(l.bitmap, 0, y))).toEqual([true, true]);
    expect(inked(l.bitmap, 0, 40, 200, 48)).toBe(0);
  });

  it("an unsupported direction, GS $ outside page mode or an empty area count as malformed", () => {
    const bytes = Uint8Array.of(
      0x1b, 0x40,
      0x1d, 0x24, 1, 0,
      0x1b, 0x4c, 0x1b, 0x57, 0, 0, 0, 0, 0, 0, 8, 0, 0x1b, 0x54, 1, 0x0c,
      0x1d, 0x56, 66, 0,
    ); // prettier-ignore
    expect(interpretEscpos(bytes, 203, 64).malformed).toBe(3);
  });
});

describe("ESC/POS compiler: several elements on a band in page mode, ink only", () => {
  const label = layoutWaybill100x150(EXAMPLE_WAYBILL);

  it("the example waybill: native text and barcode, every text printed, barcode decodes", async () => {
    const bytes = compileEscpos(label, P);
    const cmds = commands(bytes);
    expect(cmds.filter((c) => c === "ESC L").length).toBeGreaterThanOrEqual(3);
    expect(cmds.filter((c) => c === "ESC L").length).toBe(cmds.filter((c) => c === "FF").length);
    expect(cmds).toContain("GS k");
    // The sort code is bold: emphasized characters (ESC E), not a graphic.
    expect(cmds).toContain("ESC E");
    // The standard-mode compiler sent 49,855 bytes: the bands were full-width rasters.
    expect(bytes.length).toBeLessThan(5000);
    const r = interpretEscpos(bytes, 203, 800);
    expect(r.malformed).toBe(0);
    expect(r.labels).toHaveLength(1);
    const l = r.labels[0]!;
    const texts = label.elements.flatMap((e) => (e.type === "text" ? [e.text] : []));
    for (const t of texts) expect(l.texts.join("\n")).toContain(t);
    expect(l.barcodes).toEqual([EXAMPLE_WAYBILL.waybill_no]);
    expect(await decodeCode128(bitmapToPng(l.bitmap))).toEqual([EXAMPLE_WAYBILL.waybill_no]);
  });

  it("without a Chinese font, graphics in page mode land where the label renderer puts them", () => {
    // No barcode (the simulator draws GS k with its own bar widths): text, rules and a box only.
    const plain: Label = {
      ...label,
      elements: [
        { type: "box", xMm: 1, yMm: 1, widthMm: 98, heightMm: 60, thicknessMm: 0.5 },
        ...label.elements.filter((e) => e.type !== "barcode" && e.yMm < 60),
      ],
    };
    const noFont: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 150 };
    const bytes = compileEscpos(plain, noFont);
    expect(commands(bytes)).toContain("ESC L");
    const got = interpretEscpos(bytes, 203, 799).labels[0]!.bitmap;
    const want = renderLabel(plain, 203);
    expect(got.height).toBe(want.height);
    expect(bitmapsEqual(got, want)).toBe(true);
  });

  it("in page mode text that would run past the area's right edge (and wrap) is a graphic", () => {
    // "ABCDEFGHIJ" at 3 mm is 10 × 12 = 120 dots: from x = 690 it ends at 810 > 799.
    const edge: Label = {
      widthMm: 100,
      heightMm: 20,
      elements: [
        { type: "text", xMm: 3, yMm: 2, sizeMm: 3, text: "收件" },
        { type: "text", xMm: (690 * 25.4) / 203, yMm: 2, sizeMm: 3, text: "ABCDEFGHIJ" },
      ],
    };
    const r = interpretEscpos(compileEscpos(edge, P), 203, 799).labels[0]!;
    expect(r.texts).toEqual(["收件"]);
    expect(r.commands).toContain("GS v 0");
  });

  it("the same element at two places is sent as the same graphic, each where it stands", () => {
    const noFont: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 150 };
    const caption = (y: number) =>
      ({ type: "text", xMm: 3, yMm: y, sizeMm: 6, text: "收件人 缓存" }) as const;
    const two: Label = { widthMm: 100, heightMm: 40, elements: [caption(2), caption(20)] };
    const bytes = compileEscpos(two, noFont);
    const images = createEscposStreamParser()
      .push(bytes)
      .flatMap((e) => (e.type === "command" && e.name === "GS v 0" ? [e.params] : []));
    expect(images).toHaveLength(2);
    expect(images[0]).toEqual(images[1]);
    const got = interpretEscpos(bytes, 203, 799).labels[0]!.bitmap;
    expect(bitmapsEqual(got, renderLabel(two, 203))).toBe(true);
  });
});
