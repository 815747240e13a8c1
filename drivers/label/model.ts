/**
 * The device-independent label: what a template produces and every driver compiles. All lengths
 * are millimetres from the top-left corner of the label; drivers convert to dots for their dpi.
 *
 * Text is UTF-8 and may contain any character: drivers must encode it so that no content can act
 * as a printer command (ZPL `^FH` escapes, TSPL quoting, …).
 */
import type { Bitmap } from "./bitmap.ts";

export interface Label {
  widthMm: number;
  heightMm: number;
  elements: LabelElement[];
}

export type LabelElement = TextElement | BarcodeElement | LineElement | BoxElement | ImageElement;

export interface TextElement {
  type: "text";
  xMm: number;
  yMm: number;
  /** Character height in millimetres. */
  sizeMm: number;
  text: string;
  /** Width of the text box; with it, text wraps inside the box. */
  boxWidthMm?: number;
  /** Maximum lines when wrapping (default 1). */
  maxLines?: number;
  align?: "left" | "center" | "right";
  bold?: boolean;
  /** Clockwise rotation in degrees. */
  rotation?: 0 | 90 | 180 | 270;
  /**
   * Texts of one group are sent as one graphic by a compiler that sends text as graphics (ZPL
   * without a resident CJK font): one stored object and one placement instead of one each, which
   * saves the per-graphic overhead and lets the compressor see all of them at once. Give it to
   * texts that always appear together — a template's captions, one party's name and address —
   * never to texts that vary independently (a graphic is reused only when all of it recurs).
   * Renderers and the other compilers ignore it.
   */
  group?: string;
}

export interface BarcodeElement {
  type: "barcode";
  symbology: "code128" | "qrcode" | "datamatrix" | "pdf417";
  xMm: number;
  yMm: number;
  /** Bar height for linear codes; ignored for 2-D codes. */
  heightMm: number;
  /** Narrow bar / module width. */
  moduleMm: number;
  data: string;
  /** Print the human-readable line under a linear code. */
  humanReadable?: boolean;
}

export interface LineElement {
  type: "line";
  xMm: number;
  yMm: number;
  /** A horizontal line has heightMm = thicknessMm, a vertical one widthMm = thicknessMm. */
  widthMm: number;
  heightMm: number;
  thicknessMm: number;
}

export interface BoxElement {
  type: "box";
  xMm: number;
  yMm: number;
  widthMm: number;
  heightMm: number;
  thicknessMm: number;
}

/**
 * A 1-bit image (a logo, a signature, pre-rendered text) placed dot for dot: one bitmap dot per
 * printer dot, whatever the printer's dpi.
 */
export interface ImageElement {
  type: "image";
  xMm: number;
  yMm: number;
  bitmap: Bitmap;
}
