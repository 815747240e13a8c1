/**
 * Splits a text element into what a printer without a resident CJK font can print natively and
 * what must go as graphics. A sorting label's text repeats (destinations, sender addresses, field
 * captions) except for a few number-like runs (masked phones, weights, codes) that change on every
 * label; sending those natively (a resident Latin font) and the rest as graphics that a printer
 * can keep in memory makes the steady-state label small.
 *
 * Rule: a *native run* is a maximal run of printable, non-space ASCII that contains a digit or a
 * `*` (the mask of de-identified fields: `****` ends most masked addresses) and is at least 3
 * characters long; everything else (CJK, words, punctuation, spaces) stays in graphic runs. Runs are positioned with the CJK font's own advance widths, so a native run occupies the
 * place the rasterized text would; resident Latin fonts are narrower, never wider, in practice.
 * Rotated text is one graphic. Pieces are placed in dots relative to the element's origin.
 */
import { createCanvas } from "./canvas.ts";
import { blit, createBitmap, getPixel, setPixel, type Bitmap } from "./bitmap.ts";
import type { TextElement } from "./model.ts";
import { FONT_FAMILIES, layoutText, renderTextBitmap } from "./text.ts";

export type TextPiece =
  | {
      kind: "native";
      text: string;
      /** Offset of the run's top-left from the element origin, in dots. */
      dx: number;
      dy: number;
      /** Character height in dots. */
      heightDots: number;
    }
  | {
      kind: "graphic";
      /** The dots, to be printed `magnification` times larger. */
      bitmap: Bitmap;
      magnification: number;
      dx: number;
      dy: number;
    };

/**
 * Character height, in dots, that rasterized text keeps at full resolution. Larger text is drawn at
 * 1/n of its size and sent with magnification n (ZPL `^XG`, TSPL `BITMAP` is not magnified so it
 * is scaled up first): glyphs stay at least this many dots high — the 24-dot grid of resident
 * printer CJK fonts (TSPL `TSS24.BF2`) — and big text costs a quarter of the bytes.
 */
export const FULL_RESOLUTION_MAX_DOTS = 40;

const NATIVE_RUN = /[\x21-\x7e]*[0-9*][\x21-\x7e]*/g;

/** The [start, end) ranges of native runs in `line`. */
export function nativeRuns(line: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of line.matchAll(NATIVE_RUN)) {
    if (m[0].length >= 3) out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/** The bitmap cropped to its black dots; undefined when it has none. */
export function cropToInk(b: Bitmap): { bitmap: Bitmap; x: number; y: number } | undefined {
  let x0 = b.width;
  let y0 = b.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++) {
      if (!getPixel(b, x, y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return undefined;
  const out = createBitmap(x1 - x0 + 1, y1 - y0 + 1);
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) if (getPixel(b, x, y)) setPixel(out, x - x0, y - y0);
  return { bitmap: out, x: x0, y: y0 };
}

/** A bitmap placed at (x, y) dots. */
export interface PlacedBitmap {
  bitmap: Bitmap;
  x: number;
  y: number;
}

/**
 * The placed bitmaps drawn into one bitmap over their bounding box (black wins where they
 * overlap), placed at the box's top-left; undefined for an empty list.
 */
export function mergePlaced(items: readonly PlacedBitmap[]): PlacedBitmap | undefined {
  if (items.length === 0) return undefined;
  const first = items[0];
  if (items.length === 1 && first !== undefined) return first;
  const x0 = Math.min(...items.map((p) => p.x));
  const y0 = Math.min(...items.map((p) => p.y));
  const x1 = Math.max(...items.map((p) => p.x + p.bitmap.width));
  const y1 = Math.max(...items.map((p) => p.y + p.bitmap.height));
  const out = createBitmap(x1 - x0, y1 - y0);
  for (const p of items) blit(out, p.bitmap, p.x - x0, p.y - y0);
  return { bitmap: out, x: x0, y: y0 };
}

/** A graphic run at (dx, dy), its dots shared through a cache keyed by text, size and weight. */
function graphicPiece(
  el: TextElement,
  text: string,
  dpi: number,
  dx: number,
  dy: number,
): TextPiece[] {
  const key = JSON.stringify([text, el.sizeMm, el.bold === true, dpi]);
  let base = GRAPHIC_CACHE.get(key);
  if (base === undefined) {
    base = renderRun(el, text, dpi);
    GRAPHIC_CACHE.set(key, base);
    if (GRAPHIC_CACHE.size > MAX_CACHED_TEXTS) {
      const oldest = GRAPHIC_CACHE.keys().next().value;
      if (oldest !== undefined) GRAPHIC_CACHE.delete(oldest);
    }
  }
  return base.map((p) => ({ ...p, dx: p.dx + dx, dy: p.dy + dy }));
}

function renderRun(el: TextElement, text: string, dpi: number): TextPiece[] {
  const dx = 0;
  const dy = 0;
  const px = (el.sizeMm * dpi) / 25.4;
  const m = px > FULL_RESOLUTION_MAX_DOTS ? Math.round(px / 24) : 1;
  const b = renderTextBitmap(
    {
      type: "text",
      xMm: 0,
      yMm: 0,
      sizeMm: el.sizeMm / m,
      text,
      ...(el.bold === true && { bold: true }),
    },
    dpi,
  );
  const c = cropToInk(b);
  if (c === undefined) return [];
  return [
    { kind: "graphic", bitmap: c.bitmap, magnification: m, dx: dx + c.x * m, dy: dy + c.y * m },
  ];
}

/**
 * The pieces of `el` at `dpi`. With `splitNative` false (or rotated text) the whole element is
 * one graphic, cropped to its ink. Text with no ink at all (spaces) gives no pieces.
 */
export function textPieces(
  el: TextElement,
  dpi: number,
  splitNative: boolean,
  /** A language's own limit on native runs (e.g. TSPL cannot quote a backslash). */
  canNative: (run: string) => boolean = ANY_RUN,
): TextPiece[] {
  // Sorting labels repeat their texts all day: rasterizing is the cost of a compile, so pieces
  // are kept per text (position excluded: pieces are relative to the element's origin).
  let cache = PIECE_CACHES.get(canNative);
  if (cache === undefined) PIECE_CACHES.set(canNative, (cache = new Map()));
  const key = JSON.stringify([
    el.text,
    el.sizeMm,
    el.boxWidthMm,
    el.maxLines,
    el.align,
    el.bold,
    el.rotation,
    dpi,
    splitNative,
  ]);
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit;
  }
  const pieces = computePieces(el, dpi, splitNative, canNative);
  cache.set(key, pieces);
  if (cache.size > MAX_CACHED_TEXTS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return pieces;
}

const ANY_RUN = (): boolean => true;
/** Texts whose pieces are kept, per native-run rule (least recently used dropped first). */
const MAX_CACHED_TEXTS = 4096;
const PIECE_CACHES = new WeakMap<(run: string) => boolean, Map<string, TextPiece[]>>();
const GRAPHIC_CACHE = new Map<string, TextPiece[]>();

function computePieces(
  el: TextElement,
  dpi: number,
  splitNative: boolean,
  canNative: (run: string) => boolean,
): TextPiece[] {
  if (!splitNative || (el.rotation ?? 0) !== 0) {
    const c = cropToInk(renderTextBitmap(el, dpi));
    return c === undefined
      ? []
      : [{ kind: "graphic", bitmap: c.bitmap, magnification: 1, dx: c.x, dy: c.y }];
  }
  const lay = layoutText(el, dpi);
  const ctx = createCanvas(1, 1).getContext("2d");
  ctx.font = `${el.bold === true ? "bold " : ""}${lay.px}px ${FONT_FAMILIES}`;
  const pieces: TextPiece[] = [];
  lay.lines.forEach((line, i) => {
    const lineWidth = ctx.measureText(line).width;
    // Lines wider than the box are squeezed by the renderer: keep them as one graphic.
    if (lineWidth > lay.width) {
      pieces.push(...graphicPiece(el, line, dpi, 0, i * lay.lineHeight));
      return;
    }
    let x0 = 0;
    if (el.align === "center") x0 = (lay.width - lineWidth) / 2;
    else if (el.align === "right") x0 = lay.width - lineWidth;
    const dy = i * lay.lineHeight;
    let at = 0;
    const flushGraphic = (end: number): void => {
      if (end > at) {
        const dx = Math.round(x0 + ctx.measureText(line.slice(0, at)).width);
        pieces.push(...graphicPiece(el, line.slice(at, end), dpi, dx, dy));
      }
    };
    for (const [s, e] of nativeRuns(line).filter(([a, b]) => canNative(line.slice(a, b)))) {
      flushGraphic(s);
      pieces.push({
        kind: "native",
        text: line.slice(s, e),
        dx: Math.round(x0 + ctx.measureText(line.slice(0, s)).width),
        dy: dy + Math.round((lay.lineHeight - lay.px) / 2),
        heightDots: lay.px,
      });
      at = e;
    }
    flushGraphic(line.length);
  });
  return pieces;
}
