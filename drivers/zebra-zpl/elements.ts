/**
 * One label element → ZPL II commands (a "chunk"), for the `zebra-zpl` compilers (compile.ts,
 * session.ts). Every piece of label content goes through the safe field-data encoder
 * (firmware-protocols/zpl/format.ts: `^FH_` hex escapes, UTF-8 under `^CI28`), so no job data can
 * end a field or start a command; command parameters come from geometry and the profile only.
 */
import { constants, deflateSync } from "node:zlib";
import { scaleBitmap, type Bitmap } from "../label/bitmap.ts";
import type { LabelElement, TextElement, BarcodeElement } from "../label/model.ts";
import { textPieces, type PlacedBitmap } from "../label/pieces.ts";
import type { DeviceProfile } from "../types.ts";
import { createByteBuffer } from "../../firmware-protocols/zpl/bytes.ts";
import {
  encodeField,
  encodeFormatCommand,
  type FieldDataOptions,
  type ZplParam,
} from "../../firmware-protocols/zpl/format.ts";
import { encodeZ64 } from "../../firmware-protocols/zpl/graphics.ts";

/**
 * Appends commands and safe fields to chunks of a format. A chunk is a self-contained run of
 * commands (one `^FO … ^FS` field or a few); `split()` starts the next one.
 */
export interface ZplChunkBuilder {
  command(code: string, ...params: ZplParam[]): ZplChunkBuilder;
  field(text: string, options?: FieldDataOptions): ZplChunkBuilder;
  split(): ZplChunkBuilder;
  /** The chunks so far (empty ones left out). */
  take(): Uint8Array[];
}

export function chunkBuilder(): ZplChunkBuilder {
  const buf = createByteBuffer(256);
  const done: Uint8Array[] = [];
  const b: ZplChunkBuilder = {
    command(code, ...params) {
      buf.append(encodeFormatCommand(code, ...params));
      return b;
    },
    field(text, options) {
      buf.append(encodeField(text, options));
      return b;
    },
    split() {
      if (buf.length > 0) done.push(buf.take());
      return b;
    },
    take() {
      b.split();
      return done.splice(0);
    },
  };
  return b;
}

/** Field orientation letter for a clockwise rotation (ZPL II PG, `^A`: N, R, I, B). */
function orientation(rotation: 0 | 90 | 180 | 270 | undefined): "N" | "R" | "I" | "B" {
  switch (rotation) {
    case 90:
      return "R";
    case 180:
      return "I";
    case 270:
      return "B";
    case 0:
    case undefined:
      return "N";
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** True when `text` is printable ASCII only (0x20–0x7E), which font 0 prints as given. */
export function isPrintableAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/**
 * Writes a rasterized text piece at the current `^FO` (inline `^GF`, or `^XG` of a stored one),
 * drawn `magnification` times larger than its dots.
 */
export type GraphicPlacer = (bitmap: Bitmap, f: ZplChunkBuilder, magnification: number) => void;

/**
 * zlib stream of `data` for `:Z64:`: node's zlib at level 9, with the default and the "filtered"
 * match strategy, whichever is shorter (1-bit text compresses best at level 9; which strategy
 * wins depends on the glyphs, by a few percent).
 */
export function deflateZ64(data: Uint8Array): string {
  const a = deflateSync(data, { level: 9, memLevel: 9 });
  const b = deflateSync(data, { level: 9, memLevel: 9, strategy: constants.Z_FILTERED });
  return encodeZ64(new Uint8Array(b.length < a.length ? b : a));
}

/**
 * `^GFA,c,c,w,:Z64:…` inline (ZPL II PG, `^GF`: b = c for the compressed forms). `^GF` has no
 * magnification: a magnified piece is scaled up before it is sent.
 */
export const inlineGraphic: GraphicPlacer = (bitmap, f, magnification) => {
  const b = magnification > 1 ? scaleBitmap(bitmap, magnification) : bitmap;
  const total = b.bytesPerRow * b.height;
  f.command("GF", "A", total, total, b.bytesPerRow, deflateZ64(b.data));
};

/**
 * Takes the graphic pieces of a text element that has a `group`: the piece's dots, where its
 * top-left goes on the label (in printer dots) and its magnification, to be merged with the rest
 * of the group into one graphic (compile.ts).
 */
export type GroupCollector = (group: string, piece: PlacedBitmap, magnification: number) => void;

/**
 * Text the printer has no font for: number-like runs as native `^A0` fields, the rest as
 * graphics of just their ink (drivers/label/pieces.ts). With `collect`, the graphic pieces of a
 * grouped element go to it instead of into the chunk.
 */
function compilePieces(
  f: ZplChunkBuilder,
  el: TextElement,
  dots: Dots,
  profile: DeviceProfile,
  place: GraphicPlacer,
  collect?: GroupCollector,
): void {
  const x = dots(el.xMm, "xMm");
  const y = dots(el.yMm, "yMm");
  dots(el.sizeMm, "sizeMm");
  for (const p of textPieces(el, profile.dpi, true)) {
    f.split();
    if (p.kind === "graphic") {
      if (el.group !== undefined && collect !== undefined) {
        collect(el.group, { bitmap: p.bitmap, x: x + p.dx, y: y + p.dy }, p.magnification);
        continue;
      }
      f.command("FO", x + p.dx, y + p.dy);
      place(p.bitmap, f, p.magnification);
      f.command("FS");
      continue;
    }
    // Font 0 is bold already (see compileText): one strike.
    f.command("FO", x + p.dx, y + p.dy).command("A0", "N", p.heightDots, p.heightDots);
    f.field(p.text);
  }
  f.split();
}

export type Dots = (mm: number, key: string) => number;

export function compileElement(
  f: ZplChunkBuilder,
  el: LabelElement,
  dots: Dots,
  profile: DeviceProfile,
  place: GraphicPlacer,
  collect?: GroupCollector,
): void {
  switch (el.type) {
    case "text":
      if (profile.cjkFont === undefined && !isPrintableAscii(el.text)) {
        compilePieces(f, el, dots, profile, place, collect);
        return;
      }
      compileText(f, el, dots, profile);
      return;
    case "image": {
      f.command("FO", dots(el.xMm, "xMm"), dots(el.yMm, "yMm"));
      inlineGraphic(el.bitmap, f, 1);
      f.command("FS");
      return;
    }
    case "barcode":
      compileBarcode(f, el, dots);
      return;
    case "line":
    case "box": {
      const t = Math.max(1, dots(el.thicknessMm, "thicknessMm"));
      // ^GB draws at least the thickness in each direction (ZPL II PG, ^GB Graphic Box).
      const w = Math.max(t, dots(el.widthMm, "widthMm"));
      const h = Math.max(t, dots(el.heightMm, "heightMm"));
      f.command("FO", dots(el.xMm, "xMm"), dots(el.yMm, "yMm"))
        .command("GB", w, h, t)
        .command("FS");
      return;
    }
  }
}

/**
 * `^FO` + font + optional `^FB` + field. Without `boxWidthMm` the text is one unwrapped line and
 * `maxLines` / `align` have nothing to act on (ZPL justifies only inside a `^FB` block).
 */
function compileText(
  f: ZplChunkBuilder,
  el: TextElement,
  dots: Dots,
  profile: DeviceProfile,
): void {
  const x = dots(el.xMm, "xMm");
  const y = dots(el.yMm, "yMm");
  const h = Math.max(1, dots(el.sizeMm, "sizeMm"));
  const o = orientation(el.rotation);
  const box =
    el.boxWidthMm === undefined ? undefined : Math.max(1, dots(el.boxWidthMm, "boxWidthMm"));
  const maxLines = Math.max(1, Math.floor(el.maxLines ?? 1));
  const just = el.align === "center" ? "C" : el.align === "right" ? "R" : "L";
  // ZPL has no bold attribute. Font 0 is CG Triumvirate *Bold* Condensed (ZPL II PG, "Fonts and
  // Bar Codes", standard printer fonts), so native text is bold as it is; a resident CJK font
  // (`^A@`) gets the usual second strike one dot (at 203 dpi) to the right, which thickens every
  // stroke.
  const strikes =
    el.bold === true && profile.cjkFont !== undefined
      ? [0, Math.max(1, Math.round(profile.dpi / 203))]
      : [0];
  for (const dx of strikes) {
    f.command("FO", x + dx, y);
    if (profile.cjkFont !== undefined) {
      // ^A@ selects a font by name (ZPL II PG, ^A@ Use Font Name to Call Font).
      f.command("A@", o, h, h, profile.cjkFont);
    } else {
      f.command("A0", o, h, h);
    }
    if (box !== undefined) f.command("FB", box, maxLines, 0, just, 0);
    f.field(el.text, { fieldBlock: box !== undefined });
  }
}

function compileBarcode(f: ZplChunkBuilder, el: BarcodeElement, dots: Dots): void {
  const x = dots(el.xMm, "xMm");
  const y = dots(el.yMm, "yMm");
  // ^BY w and the 2-D magnifications accept 1–10 dots per module.
  const module = clamp(dots(el.moduleMm, "moduleMm"), 1, 10);
  f.command("FO", x, y);
  switch (el.symbology) {
    case "code128": {
      const h = Math.max(1, dots(el.heightMm, "heightMm"));
      f.command("BY", module, 3, h);
      // Mode A (automatic subset selection, ZPL II PG ^BC parameter m): the data is taken as
      // given — no `>` invocation codes — and digit runs are packed in subset C.
      f.command("BC", "N", h, el.humanReadable === true ? "Y" : "N", "N", "N", "A");
      f.field(el.data);
      return;
    }
    case "qrcode":
      // Model 2, magnification = module dots; data "QA," = ECC level Q, automatic input mode
      // (ZPL II PG, ^BQ and its ^FD switches).
      f.command("BQ", "N", 2, module);
      f.field(`QA,${el.data}`);
      return;
    case "datamatrix":
      // ECC 200 with the escape character g set to `_` explicitly: the default differs between
      // firmware versions (`_` or `~`), and `~` cannot be sent as a parameter.
      f.command("BX", "N", module, 200, undefined, undefined, undefined, "_");
      f.field(el.data, { dataMatrixEscape: true });
      return;
    case "pdf417":
      // Row height 3 modules (the PDF417 minimum), security level 5.
      f.command("BY", module);
      f.command("B7", "N", module * 3, 5);
      f.field(el.data);
      return;
  }
}
