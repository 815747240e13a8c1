/**
 * Label → CPCL for the `zebra-cpcl` driver (Zebra mobile printers; CPCL PG; reference §4):
 * `! 0 200 200 <height> 1`, `PAGE-WIDTH`, the elements, `FORM`, `PRINT`.
 *
 * Text: with a resident Chinese font in the profile (`cjkFont`: the CPCL font number, e.g. `55`,
 * a 16-dot GB 2312 font) each wrapped line is a `TEXT` in GB 18030 with `SETMAG` for size. Text
 * with control bytes or characters outside GBK, or without a resident font, is split into
 * number-like runs as `TEXT 7 0` (24-dot Latin) and `EG` graphics of the rest — never dropped.
 * Code 128 (`BARCODE 128`, `BARCODE-TEXT` for the human-readable line) and QR (`B QR`) are
 * native; other symbologies and images are `EG`.
 */
import { scaleBitmap, type Bitmap } from "../label/bitmap.ts";
import { moduleDots, renderBarcodeBitmap } from "../label/barcode.ts";
import { encodeGbk } from "../label/gb18030.ts";
import type { BarcodeElement, Label, TextElement } from "../label/model.ts";
import { textPieces } from "../label/pieces.ts";
import { mmToDots } from "../label/render.ts";
import { layoutText } from "../label/text.ts";
import type { DeviceProfile } from "../types.ts";
import { concatBytes } from "../../firmware-protocols/bytes.ts";
import {
  encodeCpclDataLine,
  encodeCpclLine,
  encodeExpandedGraphics,
  isCarriableText,
} from "../../firmware-protocols/cpcl/commands.ts";

const eg = (b: Bitmap, x: number, y: number): Uint8Array =>
  encodeExpandedGraphics(b.bytesPerRow, b.height, x, y, b.data);

function compileText(el: TextElement, x: number, y: number, profile: DeviceProfile): Uint8Array[] {
  const rotated = (el.rotation ?? 0) !== 0;
  const font = profile.cjkFont;
  // CR/LF and other controls would end or break a CPCL line: such text is rasterized.
  if (
    font !== undefined &&
    /^\d{1,3}$/.test(font) &&
    !rotated &&
    !/[\x00-\x1f\x7f]/.test(el.text)
  ) {
    const lay = layoutText(el, profile.dpi);
    const lines = lay.lines.map((l) => encodeGbk(l));
    if (lines.every((b) => b !== undefined && isCarriableText(b))) {
      const mag = Math.max(1, Math.min(16, Math.round(lay.px / 16)));
      const out = [encodeCpclLine(`SETMAG ${mag} ${mag}`)];
      lines.forEach((bytes, i) => {
        const line = lay.lines[i] ?? "";
        const w = [...line].reduce(
          (a, ch) => a + ((ch.codePointAt(0) ?? 0) < 0x80 ? 8 : 16) * mag,
          0,
        );
        let dx = 0;
        if (el.align === "center") dx = Math.max(0, (lay.width - w) / 2);
        else if (el.align === "right") dx = Math.max(0, lay.width - w);
        const at = `${x + Math.round(dx)} ${y + i * lay.lineHeight}`;
        out.push(encodeCpclDataLine(`TEXT ${font} 0 ${at} `, bytes ?? new Uint8Array()));
      });
      out.push(encodeCpclLine("SETMAG 0 0"));
      return out;
    }
  }
  const out: Uint8Array[] = [];
  for (const p of textPieces(el, profile.dpi, !rotated)) {
    if (p.kind === "graphic") {
      out.push(
        eg(
          p.magnification > 1 ? scaleBitmap(p.bitmap, p.magnification) : p.bitmap,
          x + p.dx,
          y + p.dy,
        ),
      );
      continue;
    }
    // Font 7 size 0 is 12 × 24 dots (CPCL PG, resident fonts); SETMAG scales it.
    const mag = Math.max(1, Math.round(p.heightDots / 24));
    if (mag > 1) out.push(encodeCpclLine(`SETMAG ${mag} ${mag}`));
    out.push(
      encodeCpclDataLine(`TEXT 7 0 ${x + p.dx} ${y + p.dy} `, new TextEncoder().encode(p.text)),
    );
    if (mag > 1) out.push(encodeCpclLine("SETMAG 0 0"));
  }
  return out;
}

function compileBarcode(el: BarcodeElement, x: number, y: number, dpi: number): Uint8Array[] {
  const data = new TextEncoder().encode(el.data);
  const ascii = /^[\x20-\x7e]*$/.test(el.data);
  const m = moduleDots(el.moduleMm, dpi);
  if (ascii && el.symbology === "code128") {
    const h = Math.max(1, mmToDots(el.heightMm, dpi));
    const out: Uint8Array[] = [];
    // BARCODE-TEXT font size offset: the human-readable line under the bars (CPCL PG).
    if (el.humanReadable === true) out.push(encodeCpclLine("BARCODE-TEXT 7 0 5"));
    out.push(encodeCpclDataLine(`BARCODE 128 ${m} 1 ${h} ${x} ${y} `, data));
    if (el.humanReadable === true) out.push(encodeCpclLine("BARCODE-TEXT OFF"));
    return out;
  }
  if (ascii && el.symbology === "qrcode") {
    // B QR x y M 2 U n / <ECC>A,<data> / ENDQR (CPCL PG, QR Code): model 2, unit size n.
    return [
      encodeCpclLine(`B QR ${x} ${y} M 2 U ${Math.max(1, Math.min(32, m))}`),
      encodeCpclDataLine("QA,", data),
      encodeCpclLine("ENDQR"),
    ];
  }
  return [eg(renderBarcodeBitmap(el, dpi), x, y)];
}

export function compileCpcl(label: Label, profile: DeviceProfile): Uint8Array {
  const dpi = profile.dpi;
  const d = (mm: number, path: string): number => {
    if (!Number.isFinite(mm) || mm < 0) throw new RangeError(`${path} must be a finite length ≥ 0`);
    return mmToDots(mm, dpi);
  };
  // "! offset hres vres height qty": CPCL names 203 dpi "200" (CPCL PG, label session header).
  const res = dpi === 203 ? 200 : dpi;
  const parts: Uint8Array[] = [
    encodeCpclLine(`! 0 ${res} ${res} ${d(label.heightMm, "label.heightMm")} 1`),
    encodeCpclLine(`PAGE-WIDTH ${d(label.widthMm, "label.widthMm")}`),
  ];
  label.elements.forEach((el, i) => {
    const k = (mm: number, key: string): number => d(mm, `label.elements[${i}].${key}`);
    switch (el.type) {
      case "text":
        k(el.sizeMm, "sizeMm");
        parts.push(...compileText(el, k(el.xMm, "xMm"), k(el.yMm, "yMm"), profile));
        return;
      case "barcode":
        parts.push(...compileBarcode(el, k(el.xMm, "xMm"), k(el.yMm, "yMm"), dpi));
        return;
      case "image":
        parts.push(eg(el.bitmap, k(el.xMm, "xMm"), k(el.yMm, "yMm")));
        return;
      case "line": {
        // LINE x0 y0 x1 y1 width: a horizontal or vertical stroke of `width` dots.
        const t = Math.max(1, k(el.thicknessMm, "thicknessMm"));
        const x = k(el.xMm, "xMm");
        const y = k(el.yMm, "yMm");
        const w = k(el.widthMm, "widthMm");
        const h = k(el.heightMm, "heightMm");
        parts.push(
          encodeCpclLine(
            w >= h ? `LINE ${x} ${y} ${x + w} ${y} ${t}` : `LINE ${x} ${y} ${x} ${y + h} ${t}`,
          ),
        );
        return;
      }
      case "box": {
        const t = Math.max(1, k(el.thicknessMm, "thicknessMm"));
        const x = k(el.xMm, "xMm");
        const y = k(el.yMm, "yMm");
        parts.push(
          encodeCpclLine(
            `BOX ${x} ${y} ${x + k(el.widthMm, "widthMm")} ${y + k(el.heightMm, "heightMm")} ${t}`,
          ),
        );
        return;
      }
    }
  });
  parts.push(encodeCpclLine("FORM"), encodeCpclLine("PRINT"));
  return concatBytes(parts);
}
