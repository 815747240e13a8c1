/**
 * Label → ESC/POS for the `escpos` driver (80 mm and 4-inch receipt/label printers, standard and
 * page mode; reference/device-protocols.md §3.1). The label is printed top to bottom in *bands* of
 * elements that overlap vertically:
 * - a band that is one text element, on a printer whose profile declares a Chinese font
 *   (`cjkFont`, e.g. `GB18030`), is printed as text: `ESC $` position, `GS !` size, `ESC E`
 *   emphasized for bold, `FS &` … GB 18030 bytes … `FS .`, `LF` with `ESC 3` line spacing; text a printer cannot carry (controls,
 *   characters outside GBK) is rasterized instead;
 * - a band that is one Code 128 or QR barcode uses `GS k` / `GS ( k`;
 * - any other one-element band is a `GS v 0` raster of the band (1 = print), drawn by the label
 *   renderer, when that is no larger than the element's ink in page mode (a rule across the
 *   label); else it goes in page mode like a band of several;
 * - a band of several elements (the carrier code beside the barcode, a caption beside a name) is
 *   printed in **page mode** (Epson ESC/POS Command Reference, "ESC L", "ESC W", "ESC T", "GS $",
 *   "ESC $", "FF"; APG "Page mode"): `ESC L`, a print area as wide as the label and as tall as the
 *   band (`ESC W`), `ESC T 0`, then each element at its own position (`ESC $` x, `GS $` y of its
 *   bottom) — text as GB 18030 characters where it can be, Code 128 / QR natively, everything
 *   else as a `GS v 0` of that element's inked rows and bytes only — and `FF`, which prints the
 *   area and returns to standard mode. Only ink is sent, never the blank width of the band.
 * Gaps are fed with `ESC J`; the label ends with a feed to its length and `GS V 66 0` (cut).
 *
 * Element graphics (text a printer cannot carry, rules, other symbologies) are cached by content
 * (the element without its position, and the dpi), so the labels of a sorting line — the same
 * captions, destinations and sender all day — rasterize each once.
 */
import { createBitmap, fillRect, type Bitmap } from "../label/bitmap.ts";
import { moduleDots, renderBarcodeBitmap } from "../label/barcode.ts";
import { encodeGbk } from "../label/gb18030.ts";
import type { Label, LabelElement, TextElement } from "../label/model.ts";
import { drawElement, mmToDots } from "../label/render.ts";
import { layoutText, renderTextBitmap } from "../label/text.ts";
import type { DeviceProfile } from "../types.ts";
import {
  CHINESE_OFF,
  CHINESE_ON,
  INIT,
  LF,
  characterSize,
  code128,
  concat,
  emphasized,
  feedAndCut,
  feedDots,
  horizontalPosition,
  lineSpacing,
  PAGE_MODE,
  PAGE_PRINT,
  pageArea,
  pageDirection,
  qrCode,
  rasterImage,
  verticalPosition,
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

/**
 * Text a GB 18030 printer can carry: each line's x and bytes, the size multiplier, the step.
 * `slack`: dots a line may run past the label's width (standard mode clips there).
 */
function nativeLines(
  el: TextElement,
  profile: DeviceProfile,
  widthDots: number,
  slack = 24,
): { mul: number; step: number; lines: Array<{ x: number; bytes: Uint8Array }> } | undefined {
  if (profile.cjkFont === undefined || (el.rotation ?? 0) !== 0) return undefined;
  // Control characters would act as ESC/POS commands: such text is rasterized.
  if (/[\x00-\x1f\x7f]/.test(el.text)) return undefined;
  const lay = layoutText(el, profile.dpi);
  const mul = Math.max(1, Math.min(8, Math.round(lay.px / 24)));
  const x = mmToDots(el.xMm, profile.dpi);
  const lines: Array<{ x: number; bytes: Uint8Array }> = [];
  for (const line of lay.lines) {
    const bytes = encodeGbk(line);
    if (bytes === undefined) return undefined;
    const w = [...line].reduce((a, ch) => a + ((ch.codePointAt(0) ?? 0) < 0x80 ? 12 : 24) * mul, 0);
    let dx = 0;
    if (el.align === "center") dx = Math.max(0, (lay.width - w) / 2);
    else if (el.align === "right") dx = Math.max(0, lay.width - w);
    if (x + dx + w > widthDots + slack) return undefined;
    lines.push({ x: x + dx, bytes });
  }
  return { mul, step: Math.max(24 * mul, lay.lineHeight), lines };
}

/** Native text lines in standard mode, or undefined when the text must be rasterized. */
function nativeText(
  el: TextElement,
  profile: DeviceProfile,
  widthDots: number,
): Uint8Array[] | undefined {
  const n = nativeLines(el, profile, widthDots);
  if (n === undefined) return undefined;
  const out: Uint8Array[] = [lineSpacing(n.step), characterSize(n.mul, n.mul)];
  if (el.bold === true) out.push(emphasized(true));
  for (const l of n.lines)
    out.push(horizontalPosition(l.x), CHINESE_ON, l.bytes, CHINESE_OFF, Uint8Array.of(LF));
  if (el.bold === true) out.push(emphasized(false));
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

/** A piece of an element's ink: a byte-aligned crop (1 = print) at (dx, dy) from the element. */
interface Ink {
  bitmap: Bitmap;
  dx: number;
  dy: number;
}

/** The inked rows and bytes of `b` at (x, y), or undefined when it has no ink. */
function crop(b: Bitmap, x = 0, y = 0): Ink | undefined {
  let r0 = -1;
  let r1 = -1;
  let c0 = b.bytesPerRow;
  let c1 = -1;
  for (let r = 0; r < b.height; r++) {
    const row = r * b.bytesPerRow;
    for (let c = 0; c < b.bytesPerRow; c++) {
      if ((b.data[row + c] ?? 0) === 0) continue;
      if (r0 < 0) r0 = r;
      r1 = r;
      if (c < c0) c0 = c;
      if (c > c1) c1 = c;
    }
  }
  if (r0 < 0) return undefined;
  const w = c1 - c0 + 1;
  const out = createBitmap(w * 8, r1 - r0 + 1);
  for (let r = r0; r <= r1; r++)
    out.data.set(b.data.subarray(r * b.bytesPerRow + c0, r * b.bytesPerRow + c1 + 1), (r - r0) * w);
  return { bitmap: out, dx: x + c0 * 8, dy: y + r0 };
}

/** Bytes page mode adds around a band: ESC L, ESC W, ESC T, FF (each graphic adds 16 more). */
const PAGE_OVERHEAD = 2 + 10 + 3 + 1;

/** Rendered element graphics by content (element without position, dpi); oldest dropped first. */
const graphics = new Map<string, Ink[]>();
const MAX_GRAPHICS = 512;

/**
 * The element's ink, relative to its (x, y) in dots, cached unless it is an image. A box is its
 * four rules (its inside is blank and never sent).
 */
function elementInk(el: LabelElement, dpi: number): Ink[] {
  const some = (...pieces: Array<Ink | undefined>): Ink[] =>
    pieces.filter((p): p is Ink => p !== undefined);
  if (el.type === "image") return some(crop(el.bitmap));
  const key = `${dpi}|${JSON.stringify({ ...el, xMm: 0, yMm: 0 })}`;
  const hit = graphics.get(key);
  if (hit !== undefined) {
    graphics.delete(key);
    graphics.set(key, hit);
    return hit;
  }
  let ink: Ink[];
  if (el.type === "text") ink = some(crop(renderTextBitmap(el, dpi)));
  else if (el.type === "barcode") ink = some(crop(renderBarcodeBitmap(el, dpi)));
  else {
    const t = Math.max(1, mmToDots(el.thicknessMm, dpi));
    const w = Math.max(t, mmToDots(el.widthMm, dpi));
    const h = Math.max(t, mmToDots(el.heightMm, dpi));
    const rect = (x: number, y: number, rw: number, rh: number): Ink | undefined => {
      const b = createBitmap(rw, rh);
      fillRect(b, 0, 0, rw, rh);
      return crop(b, x, y);
    };
    ink =
      el.type === "line"
        ? some(rect(0, 0, w, h))
        : some(
            rect(0, 0, w, t),
            rect(0, h - t, w, t),
            rect(0, t, t, h - 2 * t),
            rect(w - t, t, t, h - 2 * t),
          );
  }
  graphics.set(key, ink);
  if (graphics.size > MAX_GRAPHICS) for (const k of graphics.keys()) if (graphics.delete(k)) break;
  return ink;
}

/** One element in page mode: its commands and the bottom of what it prints (area dots). */
function pageElement(
  el: LabelElement,
  top: number,
  profile: DeviceProfile,
  widthDots: number,
): { cmds: Uint8Array[]; bottom: number } {
  const dpi = profile.dpi;
  const x = mmToDots(el.xMm, dpi);
  const y = mmToDots(el.yMm, dpi) - top;
  if (el.type === "text" && profile.cjkFont !== undefined && (el.rotation ?? 0) === 0) {
    // In page mode a character past the area's right edge goes to the next line: no slack.
    const lines = nativeLines(el, profile, widthDots, 0);
    if (lines !== undefined) {
      const bold = el.bold === true;
      const cmds: Uint8Array[] = [characterSize(lines.mul, lines.mul)];
      if (bold) cmds.push(emphasized(true));
      let bottom = y;
      lines.lines.forEach((l, i) => {
        // Characters stand on the vertical print position (their baseline, the cell's bottom).
        bottom = y + i * lines.step + 24 * lines.mul;
        cmds.push(verticalPosition(bottom), horizontalPosition(l.x), CHINESE_ON, l.bytes);
        cmds.push(CHINESE_OFF);
      });
      if (bold) cmds.push(emphasized(false));
      cmds.push(characterSize(1, 1));
      return { cmds, bottom };
    }
  }
  if (el.type === "barcode" && (el.symbology === "code128" || el.symbology === "qrcode")) {
    const m = moduleDots(el.moduleMm, dpi);
    const h = Math.max(1, mmToDots(el.heightMm, dpi));
    if (el.symbology === "code128") {
      const cmd = code128(el.data, h, m, el.humanReadable === true);
      // Bars above the print position, HRI characters below it.
      if (cmd !== undefined)
        return {
          cmds: [verticalPosition(y + h), horizontalPosition(x), cmd],
          bottom: y + h + (el.humanReadable === true ? HRI_ADVANCE : 0),
        };
    } else {
      const cmd = qrCode(el.data, m);
      const size = renderBarcodeBitmap(el, dpi).height;
      if (cmd !== undefined)
        return { cmds: [verticalPosition(y + size), horizontalPosition(x), cmd], bottom: y + size };
    }
  }
  const cmds: Uint8Array[] = [];
  let bottom = y;
  for (const ink of elementInk(el, dpi)) {
    const b = ink.bitmap;
    // A bit image stands on the vertical print position (its bottom row just above it).
    const at = y + ink.dy + b.height;
    bottom = Math.max(bottom, at);
    cmds.push(verticalPosition(at), horizontalPosition(x + ink.dx));
    cmds.push(rasterImage(b.bytesPerRow, b.height, b.data));
  }
  return { cmds, bottom };
}

/**
 * A band of several elements in page mode: `ESC L`, `ESC W 0,0,width,height`, `ESC T 0`, the
 * elements, `FF`. Returns the commands and the paper the area takes (its height).
 */
function pageBand(
  band: Placed[],
  y0: number,
  profile: DeviceProfile,
  widthDots: number,
): { cmds: Uint8Array[]; height: number } {
  const body: Uint8Array[] = [];
  let height = 1;
  for (const p of band) {
    const e = pageElement(p.el, y0, profile, widthDots);
    body.push(...e.cmds);
    height = Math.max(height, e.bottom, p.y1 - y0);
  }
  return {
    cmds: [PAGE_MODE, pageArea(0, 0, widthDots, height), pageDirection(0), ...body, PAGE_PRINT],
    height,
  };
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
    // Several elements, or one whose ink is much narrower than the label: page mode, ink only.
    const lone = band.length === 1 && band[0] !== undefined ? elementInk(band[0].el, dpi) : [];
    const inkBytes = lone.reduce((n, p) => n + p.bitmap.data.length + 16, 0);
    const fullBytes = Math.ceil(widthDots / 8) * Math.max(1, y1 - y0);
    if (band.length > 1 || (lone.length > 0 && inkBytes + PAGE_OVERHEAD < fullBytes)) {
      const page = pageBand(band, y0, profile, widthDots);
      parts.push(...page.cmds);
      y = y0 + page.height;
      continue;
    }
    parts.push(raster(band, y0, Math.max(y0 + 1, y1), widthDots, dpi));
    y = Math.max(y0 + 1, y1);
  }
  parts.push(...feed(mmToDots(label.heightMm, dpi) - y), feedAndCut(0));
  return concat(parts);
}
