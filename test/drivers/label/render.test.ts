import { createCanvas } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import {
  countBlack,
  createBitmap,
  getPixel,
  rotateBitmap,
  setPixel,
} from "../../../drivers/label/bitmap.ts";
import { cropToInk, nativeRuns, textPieces } from "../../../drivers/label/pieces.ts";
import {
  bitmapToPng,
  layoutText,
  renderBarcodeBitmap,
  renderLabel,
  renderTextBitmap,
} from "../../../drivers/label/render.ts";
import { ensureFonts, FONT_FAMILIES } from "../../../drivers/label/text.ts";
import { layoutWaybill100x150 } from "../../../src/templates/waybill-100x150.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";
import { EXAMPLE_WAYBILL } from "./fixtures.ts";

describe("renderLabel", () => {
  it.each([203, 300, 600] as const)(
    "renders the example waybill at %i dpi with a decodable barcode",
    async (dpi) => {
      const b = renderLabel(layoutWaybill100x150(EXAMPLE_WAYBILL), dpi);
      expect(b.width).toBe(Math.round((100 * dpi) / 25.4));
      expect(b.height).toBe(Math.round((150 * dpi) / 25.4));
      expect(await decodeCode128(bitmapToPng(b))).toEqual([EXAMPLE_WAYBILL.waybill_no]);
    },
  );

  it("places Code 128 modules dot for dot (module 0.375 mm = 3 dots at 203 dpi)", () => {
    const b = renderBarcodeBitmap(
      {
        type: "barcode",
        symbology: "code128",
        xMm: 0,
        yMm: 0,
        heightMm: 5,
        moduleMm: 0.375,
        data: "SF1",
      },
      203,
    );
    // Every bar and space run on the first row is a multiple of 3 dots.
    let run = 1;
    for (let x = 1; x <= b.width; x++) {
      if (x < b.width && getPixel(b, x, 0) === getPixel(b, x - 1, 0)) run++;
      else {
        expect(run % 3).toBe(0);
        run = 1;
      }
    }
  });

  it("draws QR, DataMatrix and PDF417 and refuses data a symbology cannot carry", () => {
    for (const symbology of ["qrcode", "datamatrix", "pdf417"] as const) {
      const b = renderBarcodeBitmap(
        {
          type: "barcode",
          symbology,
          xMm: 0,
          yMm: 0,
          heightMm: 0,
          moduleMm: 0.5,
          data: "SF1234567890123",
        },
        203,
      );
      expect(countBlack(b)).toBeGreaterThan(100);
    }
    expect(() =>
      renderBarcodeBitmap(
        {
          type: "barcode",
          symbology: "code128",
          xMm: 0,
          yMm: 0,
          heightMm: 5,
          moduleMm: 0.25,
          data: "杭州",
        },
        203,
      ),
    ).toThrow(/code128 cannot encode the data \(2 characters\)/);
  });
});

describe("text rasterization", () => {
  it("covers every hanzi of GB 2312 (none drawn as the missing-glyph box)", () => {
    ensureFonts();
    const cell = 24;
    const canvas = createCanvas(cell * 94, cell);
    const ctx = canvas.getContext("2d");
    ctx.font = `20px ${FONT_FAMILIES}`;
    /** Draws the characters one per cell; returns each cell's dots (1 = black). */
    const draw = (chars: string[]): Uint8Array[] => {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, cell);
      ctx.fillStyle = "#000";
      chars.forEach((ch, i) => ctx.fillText(ch, i * cell + 2, 20));
      const d = ctx.getImageData(0, 0, canvas.width, cell).data;
      return chars.map((_, i) => {
        const bits = new Uint8Array(cell * cell);
        for (let y = 0; y < cell; y++)
          for (let x = 0; x < cell; x++)
            bits[y * cell + x] = (d[(y * canvas.width + i * cell + x) * 4] ?? 255) < 128 ? 1 : 0;
        return bits;
      });
    };
    const same = (a: Uint8Array, b: Uint8Array | undefined): boolean =>
      b !== undefined && a.every((v, i) => v === b[i]);
    const [missing] = draw(["\ue000"]); // a private-use code point: the .notdef glyph
    const gb2312 = new TextDecoder("gb18030");
    const bad: string[] = [];
    let n = 0;
    // Rows 16–87 (first byte B0–F7) hold the 6,763 hanzi (GB 2312-80); row 55 ends at D7F9.
    for (let hi = 0xb0; hi <= 0xf7; hi++) {
      const row: string[] = [];
      for (let lo = 0xa1; lo <= (hi === 0xd7 ? 0xf9 : 0xfe); lo++)
        row.push(gb2312.decode(Uint8Array.of(hi, lo)));
      n += row.length;
      draw(row).forEach((bits, i) => {
        if (same(bits, missing) || !bits.includes(1)) bad.push(row[i] ?? "");
      });
    }
    expect(n).toBe(6763);
    expect(bad).toEqual([]);
  });

  it("wraps inside the box and never drops text: overflow stays on the last line", () => {
    const el = {
      type: "text" as const,
      xMm: 0,
      yMm: 0,
      sizeMm: 4,
      text: "浙江省杭州市余杭区文一西路九百六十九号阿里巴巴西溪园区",
      boxWidthMm: 30,
      maxLines: 2,
    };
    const lay = layoutText(el, 203);
    expect(lay.lines).toHaveLength(2);
    expect(lay.lines.join("")).toBe(el.text);
    const b = renderTextBitmap(el, 203);
    expect(b.width).toBe(Math.round((30 * 203) / 25.4));
    expect(countBlack(b)).toBeGreaterThan(0);
  });

  it("rotates clockwise", () => {
    const b = createBitmap(3, 2);
    setPixel(b, 0, 0);
    const r = rotateBitmap(b, 90);
    expect([r.width, r.height]).toEqual([2, 3]);
    expect(getPixel(r, 1, 0)).toBe(true);
  });
});

describe("text pieces (native runs + graphics)", () => {
  it("sends number-like runs natively and the rest as cropped graphics", () => {
    expect(nativeRuns("张*  138******78")).toEqual([[4, 15]]);
    expect(nativeRuns("内件: 日用品  1.20 kg  1 件")).toEqual([[9, 13]]);
    const pieces = textPieces(
      { type: "text", xMm: 0, yMm: 0, sizeMm: 4, text: "张*  138******78" },
      203,
      true,
    );
    expect(pieces.map((p) => p.kind)).toEqual(["graphic", "native"]);
    const native = pieces[1];
    expect(native?.kind === "native" && native.text).toBe("138******78");
  });

  it("crops to ink and reports the offset", () => {
    const b = createBitmap(20, 10);
    setPixel(b, 5, 3);
    setPixel(b, 7, 4);
    const c = cropToInk(b);
    expect(c).toMatchObject({ x: 5, y: 3, bitmap: { width: 3, height: 2 } });
    expect(cropToInk(createBitmap(4, 4))).toBeUndefined();
  });
});
