/**
 * Text → 1-bit bitmap with a CJK-capable font that `npm install` brings: Noto Sans SC from
 * `@fontsource/noto-sans-sc` (SIL OFL). Its `chinese-simplified` file covers all 6,763 hanzi and
 * the symbol rows of GB 2312 (checked in test/drivers/label/text.test.ts); the `latin` and
 * `latin-ext` files come first in the family list so Latin text uses their metrics.
 *
 * Rasterization: the text is drawn anti-aliased on a white canvas and thresholded at 50 % grey,
 * which keeps stroke widths stable at 203 dpi. Bold uses the 700-weight files.
 */
import { createRequire } from "node:module";
import type { SKRSContext2D } from "@napi-rs/canvas";
import { createCanvas, loadCanvas } from "./canvas.ts";
import { createBitmap, rotateBitmap, type Bitmap } from "./bitmap.ts";
import type { TextElement } from "./model.ts";

const SUBSETS = ["latin", "latin-ext", "chinese-simplified"] as const;
const FAMILY_PREFIX = "LabelgateNotoSansSC-";
/** CSS family list for every canvas `font` string. */
export const FONT_FAMILIES = SUBSETS.map((s) => `"${FAMILY_PREFIX}${s}"`).join(", ");

let registered = false;

/** Registers the font files once per process (idempotent). Throws when the package is missing. */
export function ensureFonts(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  for (const subset of SUBSETS) {
    for (const weight of [400, 700]) {
      const file = `@fontsource/noto-sans-sc/files/noto-sans-sc-${subset}-${weight}-normal.woff2`;
      const key = loadCanvas().GlobalFonts.registerFromPath(
        require.resolve(file),
        `${FAMILY_PREFIX}${subset}`,
      );
      if (key === null) throw new Error(`font file could not be loaded: ${file}`);
    }
  }
  registered = true;
}

/** Line height as a multiple of the character height. */
export const LINE_SPACING = 1.25;

export interface TextLayout {
  lines: string[];
  /** Box width in dots (the element's box, or the widest line). */
  width: number;
  /** lines × line height, in dots. */
  height: number;
  /** Font size in px (= dots). */
  px: number;
  /** Line height in dots. */
  lineHeight: number;
}

function setFont(ctx: SKRSContext2D, px: number, bold: boolean): void {
  ctx.font = `${bold ? "bold " : ""}${px}px ${FONT_FAMILIES}`;
}

/** Splits `text` into at most `maxLines` lines no wider than `maxWidth` (greedy, by character). */
function wrap(ctx: SKRSContext2D, text: string, maxWidth: number, maxLines: number): string[] {
  const chars = [...text];
  const lines: string[] = [];
  let line = "";
  for (const ch of chars) {
    if (ch === "\n") {
      lines.push(line);
      line = "";
      continue;
    }
    const next = line + ch;
    if (line !== "" && ctx.measureText(next).width > maxWidth) {
      lines.push(line);
      line = ch === " " ? "" : ch;
    } else {
      line = next;
    }
  }
  lines.push(line);
  if (lines.length <= maxLines) return lines;
  // Never drop text silently: the overflow is kept on the last line, which is then squeezed.
  const kept = lines.slice(0, maxLines - 1);
  kept.push(lines.slice(maxLines - 1).join(""));
  return kept;
}

/** Where the lines of a text element go, in dots at `dpi`. */
export function layoutText(el: TextElement, dpi: number): TextLayout {
  ensureFonts();
  const px = Math.max(4, Math.round((el.sizeMm * dpi) / 25.4));
  const ctx = createCanvas(1, 1).getContext("2d");
  setFont(ctx, px, el.bold === true);
  const lineHeight = Math.round(px * LINE_SPACING);
  const box = el.boxWidthMm === undefined ? undefined : Math.round((el.boxWidthMm * dpi) / 25.4);
  const maxLines = box === undefined ? 1 : Math.max(1, Math.floor(el.maxLines ?? 1));
  const lines =
    box === undefined ? [el.text.replace(/\n/g, " ")] : wrap(ctx, el.text, box, maxLines);
  const widest = Math.max(1, ...lines.map((l) => Math.ceil(ctx.measureText(l).width)));
  return { lines, width: box ?? widest, height: lineHeight * lines.length, px, lineHeight };
}

/**
 * The text element as a bitmap of its box (rotated as the element says): what a printer without
 * a resident CJK font is sent as graphics, and what previews draw. Control characters are drawn
 * as visible U+FFFD-free placeholders by the font's own `.notdef`, never interpreted.
 */
export function renderTextBitmap(el: TextElement, dpi: number): Bitmap {
  const lay = layoutText(el, dpi);
  const canvas = createCanvas(Math.max(1, lay.width), Math.max(1, lay.height));
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  ctx.textBaseline = "alphabetic";
  setFont(ctx, lay.px, el.bold === true);
  lay.lines.forEach((line, i) => {
    const w = ctx.measureText(line).width;
    // Lines wider than the box are squeezed horizontally rather than cut (never drop text).
    const scale = w > lay.width ? lay.width / w : 1;
    let x = 0;
    if (scale === 1 && el.align === "center") x = (lay.width - w) / 2;
    else if (scale === 1 && el.align === "right") x = lay.width - w;
    const baseline = i * lay.lineHeight + Math.round(lay.px * 0.88) + (lay.lineHeight - lay.px) / 2;
    ctx.save();
    ctx.translate(x, baseline);
    ctx.scale(scale, 1);
    ctx.fillText(line, 0, 0);
    ctx.restore();
  });
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const out = createBitmap(canvas.width, canvas.height);
  for (let y = 0; y < canvas.height; y++) {
    const row = y * canvas.width;
    for (let x = 0; x < canvas.width; x++) {
      // Red channel of an opaque grey image; black when darker than 50 %.
      if ((img[(row + x) * 4] ?? 255) < 128) {
        const i = y * out.bytesPerRow + (x >> 3);
        out.data[i] = (out.data[i] ?? 0) | (0x80 >> (x & 7));
      }
    }
  }
  return rotateBitmap(out, el.rotation ?? 0);
}
