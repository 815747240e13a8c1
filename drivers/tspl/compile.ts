/**
 * Label → TSPL for the `tsc-tspl` driver (TSC and the Chinese TSPL printers: Xprinter, Gprinter,
 * HPRT, Deli). Commands per TSPL/TSPL2 PM (reference/device-protocols.md §2.1):
 * `SIZE`, `GAP`, `DIRECTION`, `CLS`, the elements, `PRINT 1,1`.
 *
 * Text: with a resident CJK font in the profile (`cjkFont`, e.g. `TSS24.BF2`, a 24 × 24-dot
 * GB 2312 font) each wrapped line is a `TEXT` with the line in GB 18030, quoted
 * (firmware-protocols/tspl/commands.ts). Text that cannot be carried safely (controls, a
 * backslash, a character outside GBK) or with no resident font is split into number-like runs as
 * `TEXT` in the resident Latin font `3` and the rest as `BITMAP` graphics of its ink
 * (drivers/label/pieces.ts) — never dropped. Code 128 and QR are native; other symbologies,
 * images and rotated text are `BITMAP`s.
 *
 * Bold: TSPL `TEXT` has no weight parameter (TSPL PM, TEXT: x, y, font, rotation, x-mul, y-mul,
 * [alignment,] content), so bold text in a resident font is struck twice, the second time one dot
 * (at 203 dpi) to the right, which thickens every vertical stroke — the same emulation as ZPL's
 * for a resident CJK font. Bold graphics are rendered bold already.
 */
import { invertBitmap, scaleBitmap, type Bitmap } from "../label/bitmap.ts";
import { renderBarcodeBitmap, moduleDots } from "../label/barcode.ts";
import { encodeGbk } from "../label/gb18030.ts";
import type { BarcodeElement, Label, TextElement } from "../label/model.ts";
import { textPieces } from "../label/pieces.ts";
import { layoutText } from "../label/text.ts";
import type { DeviceProfile } from "../types.ts";
import {
  concat,
  encodeTsplBitmap,
  encodeTsplCommand,
  encodeTsplString,
  encodeTsplStringCommand,
} from "../../firmware-protocols/tspl/commands.ts";

const dotsOf = (mm: number, dpi: number, path: string): number => {
  if (!Number.isFinite(mm) || mm < 0) throw new RangeError(`${path} must be a finite length ≥ 0`);
  return Math.round((mm * dpi) / 25.4);
};

/** Dot width of one character in a resident 24-dot font: CJK full width, ASCII half. */
const residentWidth = (text: string, mul: number): number =>
  [...text].reduce((w, ch) => w + ((ch.codePointAt(0) ?? 0) < 0x80 ? 12 : 24) * mul, 0);

/**
 * `BITMAP` of black-is-1 dots, converted to TSPL polarity (1 = white). The padding dots past the
 * width in each row's last byte are drawn too (BITMAP has no width in dots, only in bytes), so
 * they are set to 1 = white; left at 0 they printed a black stripe up to 7 dots wide at the right
 * edge of every graphic whose width is not a multiple of 8.
 */
function bitmapCommand(b: Bitmap, x: number, y: number): Uint8Array {
  const t = invertBitmap(b);
  const pad = t.bytesPerRow * 8 - t.width;
  if (pad > 0)
    for (let r = 0; r < t.height; r++) {
      const i = r * t.bytesPerRow + t.bytesPerRow - 1;
      t.data[i] = (t.data[i] ?? 0) | ((1 << pad) - 1);
    }
  return encodeTsplBitmap(x, y, t.bytesPerRow, t.height, 0, t.data);
}

/** x offsets of the strikes of a resident-font text: two for bold (see the file comment). */
const strikes = (el: TextElement, dpi: number): number[] =>
  el.bold === true ? [0, Math.max(1, Math.round(dpi / 203))] : [0];

/**
 * Writes a text graphic (black-is-1 dots) at (x, y): inline `BITMAP` here; the per-device session
 * (session.ts) keeps it in the printer's memory instead.
 */
export type TsplGraphicPlacer = (b: Bitmap, x: number, y: number) => Uint8Array;

export const inlineBitmap: TsplGraphicPlacer = (b, x, y) => bitmapCommand(b, x, y);

function compileText(
  el: TextElement,
  x: number,
  y: number,
  profile: DeviceProfile,
  place: TsplGraphicPlacer,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const rotated = (el.rotation ?? 0) !== 0;
  // Control characters (CR, LF …) cannot be carried in a TSPL string: such text is rasterized.
  if (profile.cjkFont !== undefined && !rotated && !/[\x00-\x1f\x7f]/.test(el.text)) {
    const lay = layoutText(el, profile.dpi);
    const mul = Math.max(1, Math.round(lay.px / 24));
    const lines = lay.lines.map((line) => {
      const gbk = encodeGbk(line);
      return gbk === undefined ? undefined : encodeTsplString(gbk);
    });
    if (lines.every((l) => l !== undefined)) {
      lines.forEach((quoted, i) => {
        const line = lay.lines[i] ?? "";
        const w = residentWidth(line, mul);
        let dx = 0;
        if (el.align === "center") dx = Math.max(0, (lay.width - w) / 2);
        else if (el.align === "right") dx = Math.max(0, lay.width - w);
        const font = profile.cjkFont ?? "";
        for (const s of strikes(el, profile.dpi))
          out.push(textCommand(x + Math.round(dx) + s, y + i * lay.lineHeight, font, mul, quoted));
      });
      return out;
    }
  }
  // A backslash cannot be quoted in TSPL: runs holding one stay in the graphics.
  for (const p of textPieces(el, profile.dpi, !rotated, (run) => !run.includes("\\"))) {
    if (p.kind === "graphic") {
      const b = p.magnification > 1 ? scaleBitmap(p.bitmap, p.magnification) : p.bitmap;
      out.push(place(b, x + p.dx, y + p.dy));
      continue;
    }
    const quoted = encodeTsplString(new TextEncoder().encode(p.text));
    // Font "3" is 16 × 24 dots (TSPL PM, TEXT font table); native runs are printable ASCII.
    const mul = Math.max(1, Math.round(p.heightDots / 24));
    // Native runs are printable ASCII without a backslash, so they always quote.
    if (quoted === undefined) throw new RangeError("a native text run could not be quoted");
    for (const s of strikes(el, profile.dpi))
      out.push(textCommand(x + p.dx + s, y + p.dy, "3", mul, quoted));
  }
  return out;
}

function compileBarcode(el: BarcodeElement, x: number, y: number, dpi: number): Uint8Array {
  const quoted = /^[\x20-\x7e]*$/.test(el.data)
    ? encodeTsplString(new TextEncoder().encode(el.data))
    : undefined;
  const m = moduleDots(el.moduleMm, dpi);
  if (quoted !== undefined && el.symbology === "code128") {
    const h = Math.max(1, Math.round((el.heightMm * dpi) / 25.4));
    // BARCODE x,y,"128",height,human readable (0 none, 2 centred),rotation,narrow,wide,"data".
    const hri = el.humanReadable === true ? 2 : 0;
    return encodeBarcode128(x, y, h, hri, m, quoted);
  }
  if (quoted !== undefined && el.symbology === "qrcode") {
    // QRCODE x,y,ECC level,cell width,mode (A auto),rotation,"data".
    return encodeTsplStringCommand("QRCODE", [x, y, "Q", Math.max(1, m), "A", 0], quoted);
  }
  return bitmapCommand(renderBarcodeBitmap(el, dpi), x, y);
}

/**
 * `TEXT x,y,"font",0,mul,mul,"content"` (TSPL PM, TEXT: x, y, font name, rotation, x and y
 * multiplication). The font name comes from the profile and is checked to be a plain token.
 */
function textCommand(
  x: number,
  y: number,
  font: string,
  mul: number,
  quoted: Uint8Array,
): Uint8Array {
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(font))
    throw new RangeError("profile font name is not a plain token");
  const head = new TextEncoder().encode(`TEXT ${x},${y},"${font}",0,${mul},${mul},`);
  return concat([head, quoted, Uint8Array.of(0x0d, 0x0a)]);
}

/** BARCODE with the quoted type name "128" (a quoted token, so it is built by hand). */
function encodeBarcode128(
  x: number,
  y: number,
  h: number,
  hri: number,
  narrow: number,
  quoted: Uint8Array,
): Uint8Array {
  const head = new TextEncoder().encode(
    `BARCODE ${x},${y},"128",${h},${hri},0,${narrow},${narrow},`,
  );
  return concat([head, quoted, Uint8Array.of(0x0d, 0x0a)]);
}

/**
 * The whole label as one TSPL job ending in `PRINT 1,1`, text graphics inline (`BITMAP`) unless
 * `place` says otherwise.
 */
export function compileTspl(
  label: Label,
  profile: DeviceProfile,
  place: TsplGraphicPlacer = inlineBitmap,
): Uint8Array {
  const dpi = profile.dpi;
  const parts: Uint8Array[] = [
    encodeTsplCommand("SIZE", `${label.widthMm} mm`, `${label.heightMm} mm`),
    encodeTsplCommand("GAP", "3 mm", "0 mm"),
    encodeTsplCommand("DIRECTION", 1),
    encodeTsplCommand("CLS"),
  ];
  label.elements.forEach((el, i) => {
    const d = (mm: number, key: string): number => dotsOf(mm, dpi, `label.elements[${i}].${key}`);
    switch (el.type) {
      case "text":
        d(el.sizeMm, "sizeMm");
        parts.push(...compileText(el, d(el.xMm, "xMm"), d(el.yMm, "yMm"), profile, place));
        return;
      case "barcode":
        parts.push(compileBarcode(el, d(el.xMm, "xMm"), d(el.yMm, "yMm"), dpi));
        return;
      case "image":
        parts.push(bitmapCommand(el.bitmap, d(el.xMm, "xMm"), d(el.yMm, "yMm")));
        return;
      case "line": {
        const t = Math.max(1, d(el.thicknessMm, "thicknessMm"));
        const w = Math.max(t, d(el.widthMm, "widthMm"));
        const h = Math.max(t, d(el.heightMm, "heightMm"));
        parts.push(encodeTsplCommand("BAR", d(el.xMm, "xMm"), d(el.yMm, "yMm"), w, h));
        return;
      }
      case "box": {
        const t = Math.max(1, d(el.thicknessMm, "thicknessMm"));
        const x = d(el.xMm, "xMm");
        const y = d(el.yMm, "yMm");
        const x2 = x + Math.max(t, d(el.widthMm, "widthMm"));
        const y2 = y + Math.max(t, d(el.heightMm, "heightMm"));
        parts.push(encodeTsplCommand("BOX", x, y, x2, y2, t));
        return;
      }
    }
  });
  parts.push(encodeTsplCommand("PRINT", 1, 1));
  return concat(parts);
}
