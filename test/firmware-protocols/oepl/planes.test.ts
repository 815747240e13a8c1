import { inflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DATA_TYPE,
  createIndexed,
  hasTagZlibHeader,
  packPlanes,
  parseZlibInput,
  rawDataType,
  unpackPlanes,
  zlibInput,
} from "../../../firmware-protocols/oepl/index.ts";
import { tagDeflate } from "../../../drivers/epaper/raster.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Draws an image from rows of `.` white, `#` black, `r` colour. */
function art(rows: string[]): ReturnType<typeof createIndexed> {
  const img = createIndexed(rows[0]!.length, rows.length);
  rows.forEach((r, y) =>
    [...r].forEach((c, x) => (img.px[y * img.width + x] = c === "#" ? 1 : c === "r" ? 2 : 0)),
  );
  return img;
}

describe("OEPL plane packing (device-protocols.md §6.1)", () => {
  it("packs the reference's 16×2 BW toy example: plane FF FF FF 00, zlib input 06 10 00 02 00 01 …", () => {
    const img = art(["#".repeat(16), "#".repeat(8) + ".".repeat(8)]);
    const p = packPlanes(img, 1);
    expect(hex(p.data)).toBe("ffffff00");
    expect(hex(zlibInput(p))).toBe("061000020001ffffff00");
    expect(rawDataType(p)).toBe(DATA_TYPE.RAW_1BPP);
  });

  it("MSB is the leftmost pixel, 1 = ink, rows padded to whole bytes", () => {
    const p = packPlanes(art(["#.........#", "..#........"]), 1);
    expect(hex(p.data)).toBe("80202000");
  });

  it("a 2 bpp tag gets the colour plane after the black plane, only when colour is used", () => {
    const img = art(["#r......", "..rr..##"]);
    const p = packPlanes(img, 2);
    expect(p.planes).toBe(2);
    expect(hex(p.data)).toBe("8003" + "4030");
    expect(rawDataType(p)).toBe(DATA_TYPE.RAW_2BPP);
    expect(packPlanes(art(["#.......", "......##"]), 2).planes).toBe(1);
  });

  it("a 1 bpp tag draws the colour index black (nothing is lost)", () => {
    expect(hex(packPlanes(art(["#r......"]), 1).data)).toBe("c0");
  });

  it("refuses a palette index above 2 and an unsupported bpp", () => {
    const img = createIndexed(8, 1);
    img.px[0] = 3;
    expect(() => packPlanes(img, 2)).toThrow(RangeError);
    expect(() => packPlanes(createIndexed(8, 1), 3)).toThrow(RangeError);
  });

  it("unpack(pack(image)) is the image, for any size and any of the three indexes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 480, maxLength: 480 }),
        (w, h, vals) => {
          const img = createIndexed(w, h);
          for (let i = 0; i < w * h; i++) img.px[i] = vals[i]!;
          const back = unpackPlanes(packPlanes(img, 2));
          expect(Array.from(back.px)).toEqual(Array.from(img.px));
          expect(unpackPlanes(parseZlibInput(zlibInput(packPlanes(img, 2))))).toEqual(back);
        },
      ),
    );
  });

  it("parseZlibInput refuses a bad header, plane count or length", () => {
    expect(() => parseZlibInput(Uint8Array.of(5, 16, 0, 2, 0, 1, 0, 0, 0, 0))).toThrow(RangeError);
    expect(() => parseZlibInput(Uint8Array.of(6, 16, 0, 2, 0, 3, 0, 0, 0, 0))).toThrow(RangeError);
    expect(() => parseZlibInput(Uint8Array.of(6, 16, 0, 2, 0, 1, 0, 0, 0))).toThrow(RangeError);
  });

  it("the tag's zlib stream has CMF 0x48 (4 KB window) and inflates to the header and planes", () => {
    const img = art(["#".repeat(16), "#".repeat(8) + ".".repeat(8)]);
    const z = tagDeflate(zlibInput(packPlanes(img, 1)));
    expect(hasTagZlibHeader(z)).toBe(true);
    expect(hex(inflateSync(z))).toBe("061000020001ffffff00");
    expect(hasTagZlibHeader(Uint8Array.of(0x78, 0x9c))).toBe(false);
    expect(hasTagZlibHeader(Uint8Array.of(0x48, 0x00))).toBe(false);
  });
});
