/**
 * Label → Waveshare UART e-paper frames (reference/device-protocols.md §6.2): the module draws
 * with its own commands and on-board fonts; there is no host bitmap upload. Text becomes 0x30
 * frames (ASCII / GB 2312 bytes, font 32, 48 or 64 px), lines and boxes 0x24 filled rectangles,
 * and a Code 128 barcode one filled rectangle per bar (module widths in whole panel pixels).
 * Sequence: colours black on white, clear, the elements, refresh (0x0A).
 */
import { renderBarcodeBitmap } from "../label/barcode.ts";
import { getPixel } from "../label/bitmap.ts";
import { encodeGbk } from "../label/gb18030.ts";
import type { Label } from "../label/model.ts";
import {
  CMD,
  COLOUR,
  colourFrame,
  encodeFrame,
  fillRectFrame,
  fontSizeFrame,
  textFrame,
} from "../../firmware-protocols/waveshare/index.ts";

/** The 4.3" module: 800 × 600 pixels (§6.2). */
export const PANEL = { width: 800, height: 600 } as const;

const FONT_PX = [32, 48, 64] as const;

function fontFor(px: number): 1 | 2 | 3 {
  let best = 0;
  FONT_PX.forEach((f, i) => {
    if (Math.abs(f - px) < Math.abs((FONT_PX[best] ?? 32) - px)) best = i;
  });
  return (best + 1) as 1 | 2 | 3;
}

/** Width of `text` in an on-board font of `px`: ASCII half width, other characters full. */
export function textWidth(text: string, px: number): number {
  let w = 0;
  for (const ch of text) w += (ch.codePointAt(0) ?? 0) < 0x80 ? px / 2 : px;
  return Math.round(w);
}

/**
 * The frames for `label`, scaled to fit the panel. Throws RangeError for text the module's
 * fonts cannot encode, a 2-D barcode or an image (the module has no bitmap upload).
 */
export function compileWaveshare(label: Label): Uint8Array {
  const s = Math.min(PANEL.width / label.widthMm, PANEL.height / label.heightMm);
  const px = (mm: number): number => Math.round(mm * s);
  const clampX = (v: number): number => Math.max(0, Math.min(PANEL.width - 1, v));
  const clampY = (v: number): number => Math.max(0, Math.min(PANEL.height - 1, v));
  const frames: Uint8Array[] = [colourFrame(COLOUR.BLACK, COLOUR.WHITE), encodeFrame(CMD.CLEAR)];
  const rect = (x: number, y: number, w: number, h: number): void => {
    if (w <= 0 || h <= 0) return;
    frames.push(fillRectFrame(clampX(x), clampY(y), clampX(x + w - 1), clampY(y + h - 1)));
  };
  let font: 1 | 2 | 3 | undefined;
  const text = (x: number, y: number, sizePx: number, t: string): void => {
    const bytes = encodeGbk(t);
    if (bytes === undefined) throw new RangeError("text the module's fonts cannot encode");
    const f = fontFor(sizePx);
    if (f !== font) {
      frames.push(fontSizeFrame(false, f), fontSizeFrame(true, f));
      font = f;
    }
    frames.push(textFrame(clampX(x), clampY(y), bytes));
  };
  for (const el of label.elements) {
    switch (el.type) {
      case "text": {
        const size = px(el.sizeMm);
        const f = FONT_PX[fontFor(size) - 1] ?? 32;
        let x = px(el.xMm);
        if (el.boxWidthMm !== undefined && el.align !== undefined && el.align !== "left") {
          const free = px(el.boxWidthMm) - textWidth(el.text, f);
          x += el.align === "center" ? Math.floor(free / 2) : free;
        }
        text(Math.max(0, x), px(el.yMm), size, el.text);
        break;
      }
      case "line":
      case "box": {
        const t = Math.max(1, px(el.thicknessMm));
        const x = px(el.xMm);
        const y = px(el.yMm);
        const w = Math.max(t, px(el.widthMm));
        const h = Math.max(t, px(el.heightMm));
        if (el.type === "line") rect(x, y, w, h);
        else {
          rect(x, y, w, t);
          rect(x, y + h - t, w, t);
          rect(x, y, t, h);
          rect(x + w - t, y, t, h);
        }
        break;
      }
      case "barcode": {
        if (el.symbology !== "code128")
          throw new RangeError("the module draws Code 128 only (no bitmap upload)");
        // The bars at whole panel pixels: the renderer at the panel's scale, read back as runs.
        const b = renderBarcodeBitmap({ ...el, humanReadable: false }, s * 25.4);
        const x0 = px(el.xMm);
        const y0 = px(el.yMm);
        for (let x = 0; x < b.width;) {
          if (!getPixel(b, x, 0)) {
            x++;
            continue;
          }
          let e = x;
          while (e < b.width && getPixel(b, e, 0)) e++;
          rect(x0 + x, y0, e - x, b.height);
          x = e;
        }
        if (el.humanReadable === true) text(x0, y0 + b.height + 4, 32, el.data);
        break;
      }
      case "image":
        throw new RangeError("the module has no bitmap upload");
    }
  }
  frames.push(encodeFrame(CMD.REFRESH));
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}
