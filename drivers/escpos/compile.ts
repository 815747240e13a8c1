/**
 * Label → ESC/POS for the `escpos` driver (80 mm and 4-inch receipt/label printers in standard
 * mode; reference/device-protocols.md §3.1). The label is printed top to bottom in *bands* of
 * elements that overlap vertically:
 * - a band that is one text element, on a printer whose profile declares a Chinese font
 *   (`cjkFont`, e.g. `GB18030`), is printed as text: `ESC $` position, `GS !` size, `FS &` …
 *   GB 18030 bytes … `FS .`, `LF` with `ESC 3` line spacing; text a printer cannot carry (controls,
 *   characters outside GBK) is rasterized instead;
 * - a band that is one Code 128 or QR barcode uses `GS k` / `GS ( k`;
 * - anything else is a `GS v 0` raster of the band (1 = print), drawn by the label renderer.
 * Gaps are fed with `ESC J`; the label ends with a feed to its length and `GS V 66 0` (cut).
 */
import { createBitmap, type Bitmap } from "../label/bitmap.ts";
import { moduleDots, renderBarcodeBitmap } from "../label/barcode.ts";
import { encodeGbk } from "../label/gb18030.ts";
import type { Label, LabelElement, TextElement } from "../label/model.ts";
import { drawElement, mmToDots } from "../label/render.ts";
import { layoutText } from "../label/text.ts";
import type { DeviceProfile } from "../types.ts";
import {
  CHINESE_OFF,
  CHINESE_ON,
  INIT,
  LF,
  characterSize,
  code128,
  concat,
  feedAndCut,
  feedDots,
  horizontalPosition,
  lineSpacing,
  qrCode,
  rasterImage,
} from "../../firmware-protocols/escpos/commands.ts";

/** Dots the printer advances below a Code 128 with its HRI line (font A, 24 dots + 6). */
export const HRI_ADVANCE = 30;

interface Placed {
  el: LabelElement;
  y0: number;
  y1: number;
}

function extent(el: LabelElement, dpi: number): Placed {
  const d = (mm: number): number => {
    if (!Number.isFinite(mm) || mm < 0)
      throw new RangeError("label lengths must be finite and ≥ 0");
    return mmToDots(mm, dpi);
  };
  const y0 = d(el.yMm);
  switch (el.type) {
    case "text": {
      const lay = layoutText(el, dpi);
      const rotated = el.rotation === 90 || el.rotation === 270;
      return { el, y0, y1: y0 + (rotated ? lay.width : lay.height) };
    }
    case "barcode":
      return { el, y0, y1: y0 + renderBarcodeBitmap(el, dpi).height };
    case "image":
      return { el, y0, y1: y0 + el.bitmap.height };
    case "line":
    case "box":
      return { el, y0, y1: y0 + Math.max(1, d(el.heightMm), d(el.thicknessMm)) };
  }
}

/** Elements grouped into bands of overlapping vertical extent, top to bottom. */
function bands(label: Label, dpi: number): Placed[][] {
  const placed = label.elements.map((el) => extent(el, dpi)).sort((a, b) => a.y0 - b.y0);
  const out: Placed[][] = [];
  let end = -1;
  for (const p of placed) {
    const last = out[out.length - 1];
    if (last !== undefined && p.y0 < end) {
      last.push(p);
      end = Math.max(end, p.y1);
    } else {
      out.push([p]);
      end = p.y1;
    }
  }
  return out;
}

/** Native text lines, or undefined when the text must be rasterized. */
function nativeText(
  el: TextElement,
  profile: DeviceProfile,
  widthDots: number,
): Uint8Array[] | undefined {
  if (profile.cjkFont === undefined || (el.rotation ?? 0) !== 0) return undefined;
  // Control characters would act as ESC/POS commands: such text is rasterized.
  if (/[\x00-\x1f\x7f]/.test(el.text)) return undefined;
  const lay = layoutText(el, profile.dpi);
  const mul = Math.max(1, Math.min(8, Math.round(lay.px / 24)));
  const x = mmToDots(el.xMm, profile.dpi);
  const out: Uint8Array[] = [
    lineSpacing(Math.max(24 * mul, lay.lineHeight)),
    characterSize(mul, mul),
  ];
  for (const line of lay.lines) {
    const bytes = encodeGbk(line);
    if (bytes === undefined) return undefined;
    const w = [...line].reduce((a, ch) => a + ((ch.codePointAt(0) ?? 0) < 0x80 ? 12 : 24) * mul, 0);
    let dx = 0;
    if (el.align === "center") dx = Math.max(0, (lay.width - w) / 2);
    else if (el.align === "right") dx = Math.max(0, lay.width - w);
    if (x + dx + w > widthDots + 24) return undefined;
    out.push(horizontalPosition(x + dx), CHINESE_ON, bytes, CHINESE_OFF, Uint8Array.of(LF));
  }
  out.push(characterSize(1, 1));
  return out;
}

function raster(
  band: Placed[],
  y0: number,
  y1: number,
  widthDots: number,
  dpi: number,
): Uint8Array {
  const full = createBitmap(widthDots, y1);
  for (const p of band) drawElement(full, p.el, dpi);
  const b: Bitmap = createBitmap(widthDots, y1 - y0);
  b.data.set(full.data.subarray(y0 * full.bytesPerRow, y1 * full.bytesPerRow));
  return rasterImage(b.bytesPerRow, b.height, b.data);
}

function feed(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let left = Math.round(n); left > 0; left -= 255) out.push(feedDots(Math.min(255, left)));
  return out;
}

export function compileEscpos(label: Label, profile: DeviceProfile): Uint8Array {
  const dpi = profile.dpi;
  const widthDots = mmToDots(label.widthMm, dpi);
  const parts: Uint8Array[] = [INIT];
  let y = 0;
  for (const band of bands(label, dpi)) {
    const y0 = Math.max(y, Math.min(...band.map((p) => p.y0)));
    const y1 = Math.max(...band.map((p) => p.y1));
    parts.push(...feed(y0 - y));
    y = y0;
    const only = band.length === 1 ? band[0]?.el : undefined;
    if (only?.type === "text") {
      const lines = nativeText(only, profile, widthDots);
      if (lines !== undefined) {
        parts.push(...lines);
        const lay = layoutText(only, dpi);
        y +=
          lay.lines.length *
          Math.max(24 * Math.max(1, Math.min(8, Math.round(lay.px / 24))), lay.lineHeight);
        continue;
      }
    }
    if (only?.type === "barcode") {
      const m = moduleDots(only.moduleMm, dpi);
      const h = Math.max(1, mmToDots(only.heightMm, dpi));
      const cmd =
        only.symbology === "code128"
          ? code128(only.data, h, m, only.humanReadable === true)
          : only.symbology === "qrcode"
            ? qrCode(only.data, m)
            : undefined;
      if (cmd !== undefined) {
        parts.push(horizontalPosition(mmToDots(only.xMm, dpi)), cmd);
        y +=
          only.symbology === "code128"
            ? h + (only.humanReadable === true ? HRI_ADVANCE : 0)
            : renderBarcodeBitmap(only, dpi).height;
        continue;
      }
    }
    parts.push(raster(band, y0, Math.max(y0 + 1, y1), widthDots, dpi));
    y = Math.max(y0 + 1, y1);
  }
  parts.push(...feed(mmToDots(label.heightMm, dpi) - y), feedAndCut(0));
  return concat(parts);
}
