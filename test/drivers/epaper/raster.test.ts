import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { layoutBagTagForTag } from "../../../drivers/epaper/layout.ts";
import { encodeForTag, rasterizeForTag, type TagProfile } from "../../../drivers/epaper/raster.ts";
import {
  COLOUR,
  DATA_TYPE,
  hasTagZlibHeader,
  parseZlibInput,
  unpackPlanes,
} from "../../../firmware-protocols/oepl/index.ts";
import { indexedToPng } from "../../../src/simulators/epaper-png.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";

const BAG = {
  bag_no: "BAG5710012",
  destination: "杭州转运中心",
  sort_code: "571-A12",
  pieces: 48,
  weight_g: 15200,
};
const BWR_29: TagProfile = { width: 296, height: 128, bpp: 2, zlib: true };
const BW_42: TagProfile = { width: 400, height: 300, bpp: 1, zlib: false };

describe("bag tag on e-paper tags (device-protocols.md §6.1)", () => {
  it('2.9" BWR: the barcode decodes to the bag number, sort code in red, no grey (no dithering)', async () => {
    const l = layoutBagTagForTag(BAG, BWR_29);
    const img = rasterizeForTag(l.label, BWR_29, l.accent);
    expect(img.px.every((v) => v <= COLOUR)).toBe(true);
    expect(img.px.some((v) => v === COLOUR)).toBe(true);
    expect(await decodeCode128(indexedToPng(img, "red"))).toEqual(["BAG5710012"]);
    const p = encodeForTag(img, BWR_29);
    expect(p.dataType).toBe(DATA_TYPE.ZLIB);
    expect(hasTagZlibHeader(p.bytes)).toBe(true);
    expect(p.rawBytes).toBe(2 * 37 * 128);
    expect(p.bytes.length).toBeLessThan(p.rawBytes / 4);
    const back = parseZlibInput(new Uint8Array(inflateSync(p.bytes)));
    expect(back.planes).toBe(2);
    expect(unpackPlanes(back)).toEqual(img);
  });

  it('4.2" BW: one raw plane (0x20), the colour element drawn black, barcode decodes', async () => {
    const l = layoutBagTagForTag(BAG, BW_42);
    const img = rasterizeForTag(l.label, BW_42, l.accent);
    expect(img.px.some((v) => v === COLOUR)).toBe(false);
    const p = encodeForTag(img, BW_42);
    expect(p.dataType).toBe(DATA_TYPE.RAW_1BPP);
    expect(p.bytes.length).toBe(50 * 300);
    expect(await decodeCode128(indexedToPng(img, "none"))).toEqual(["BAG5710012"]);
  });

  it("a barcode named as accent stays black (red-light scanners see red as white)", () => {
    const l = layoutBagTagForTag(BAG, BWR_29);
    const img = rasterizeForTag(l.label, BWR_29, new Set([0]));
    expect(img.px.some((v) => v === COLOUR)).toBe(false);
  });

  it("golden planes: barcode, rule and a colour box pack to the reviewed bytes", () => {
    // No text, so the golden bytes do not depend on font rasterization.
    const tag: TagProfile = { width: 200, height: 48, bpp: 2, zlib: false };
    const label = {
      widthMm: 200,
      heightMm: 48,
      elements: [
        {
          type: "barcode" as const,
          symbology: "code128" as const,
          xMm: 12,
          yMm: 4,
          heightMm: 30,
          moduleMm: 1,
          data: "BAG5710012",
        },
        { type: "line" as const, xMm: 0, yMm: 40, widthMm: 200, heightMm: 2, thicknessMm: 2 },
        { type: "box" as const, xMm: 170, yMm: 4, widthMm: 24, heightMm: 30, thicknessMm: 3 },
      ],
    };
    const p = encodeForTag(rasterizeForTag(label, tag, new Set([2])), tag);
    expect(p.planes.planes).toBe(2);
    expect(p.dataType).toBe(DATA_TYPE.RAW_2BPP);
    // Black plane row 4 starts at the quiet zone: 12 white pixels, then the start character
    // 11010010000 (bars 2-1-1-2-3-2 of Code 128 start B).
    expect(Array.from(p.planes.data.subarray(4 * 25, 4 * 25 + 3))).toEqual([0x00, 0x0d, 0x21]);
    expect(createHash("sha256").update(p.planes.data).digest("hex").slice(0, 16)).toBe(
      "49f0e51a160852bc",
    );
  });
});
