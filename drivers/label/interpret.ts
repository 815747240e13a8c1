/**
 * What the simulators' interpreters (drivers/tspl, escpos and cpcl `interpret.ts`) share: the
 * record of one printed label, the Latin-1 reading of command bytes, box outlines, and barcodes
 * drawn with bwip-js from the dot sizes a printer command gives.
 */
import { fillRect, type Bitmap } from "./bitmap.ts";
import { renderBarcodeBitmap } from "./barcode.ts";

/** What an interpreter saw of one printed label. */
export interface InterpretedLabel {
  bitmap: Bitmap;
  /** Command names executed for this label, in order. */
  commands: string[];
  /** Text printed by text commands, decoded. */
  texts: string[];
  /** Data of barcode commands. */
  barcodes: string[];
}

/** The lists an interpreter fills while a label is being built. */
export type LabelRecord = Omit<InterpretedLabel, "bitmap">;

export const newLabelRecord = (): LabelRecord => ({ commands: [], texts: [], barcodes: [] });

/** One character per byte: command words, numbers and Latin data. */
export const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

/** The outline of the box from (x0, y0) to (x1, y1), `t` dots thick, drawn inside it. */
export function strokeBox(page: Bitmap, x0: number, y0: number, x1: number, y1: number, t: number) {
  fillRect(page, x0, y0, x1 - x0, t);
  fillRect(page, x0, y1 - t, x1 - x0, t);
  fillRect(page, x0, y0, t, y1 - y0);
  fillRect(page, x1 - t, y0, t, y1 - y0);
}

/** A barcode command in the printer's units: dots at the interpreter's dpi. */
export interface BarcodeCommand {
  symbology: "code128" | "qrcode";
  data: string;
  /** Narrow bar / module width in dots. */
  moduleDots: number;
  /** Bar height in dots (Code 128; a QR code has none). */
  heightDots?: number;
  /** The human-readable line under a Code 128. */
  humanReadable?: boolean;
}

/**
 * Renders the barcode at `dpi` and hands it to `place`. False when bwip-js refuses the data (or
 * placing it fails): the interpreter counts the command malformed, as a printer prints nothing.
 */
export function drawBarcode(
  cmd: BarcodeCommand,
  dpi: number,
  place: (barcode: Bitmap) => void,
): boolean {
  const mm = (dots: number): number => (dots * 25.4) / dpi;
  try {
    place(
      renderBarcodeBitmap(
        {
          type: "barcode",
          symbology: cmd.symbology,
          xMm: 0,
          yMm: 0,
          heightMm: mm(cmd.heightDots ?? 0),
          moduleMm: mm(cmd.moduleDots),
          data: cmd.data,
          ...(cmd.humanReadable !== undefined && { humanReadable: cmd.humanReadable }),
        },
        dpi,
      ),
    );
    return true;
  } catch {
    return false;
  }
}
