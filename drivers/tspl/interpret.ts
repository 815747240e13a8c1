/**
 * A TSPL interpreter for the simulator: job bytes → what the printer prints. It reads the stream
 * with the device-side parser (firmware-protocols/tspl/stream-parser.ts), never the compiler's
 * code, and draws each command on a page bitmap: resident fonts with the CJK renderer at the
 * font's dot size, barcodes with bwip-js, BITMAP in TSPL polarity (1 = white). `DOWNLOAD` stores a
 * file in `files` (the printer's memory), `KILL` deletes one, `PUTBMP` draws a stored 1-bit BMP
 * (firmware-protocols/tspl/bmp.ts); a PUTBMP of a file not in memory draws nothing and is counted
 * in `missingFiles`.
 */
import {
  blit,
  createBitmap,
  fillRect,
  getPixel,
  rotateBitmap,
  setPixel,
  type Bitmap,
} from "../label/bitmap.ts";
import { decodeGbk } from "../label/gb18030.ts";
import {
  drawBarcode,
  latin1,
  newLabelRecord,
  strokeBox,
  type InterpretedLabel,
} from "../label/interpret.ts";
import { renderTextBitmap } from "../label/text.ts";
import { decodeBmp1 } from "../../firmware-protocols/tspl/bmp.ts";
import { createTsplStreamParser, splitArgs } from "../../firmware-protocols/tspl/stream-parser.ts";

/** A printed label: its bitmap, the commands (BITMAP included), TEXT texts, barcode data. */
export type { InterpretedLabel };

/** Character heights in dots of the resident Latin fonts "1"–"8" (TSPL PM, TEXT). */
const FONT_HEIGHT: Record<string, number> = {
  "1": 12,
  "2": 20,
  "3": 24,
  "4": 32,
  "5": 48,
  "6": 14,
  "7": 21,
  "8": 14,
};

const num = (b: Uint8Array | undefined): number => Number(latin1(b ?? new Uint8Array()).trim());

/**
 * Interprets a TSPL stream; returns one label per `PRINT` (copies included). `files` is the
 * printer's file memory, read and changed in place (default: empty, for this stream only).
 */
export function interpretTspl(
  bytes: Uint8Array,
  dpi: number,
  files: Map<string, Uint8Array> = new Map(),
): { labels: InterpretedLabel[]; malformed: number; missingFiles: number } {
  const mm = (dots: number): number => (dots * 25.4) / dpi;
  const labels: InterpretedLabel[] = [];
  let malformed = 0;
  let missingFiles = 0;
  let widthDots = Math.round((100 * dpi) / 25.4);
  let heightDots = Math.round((150 * dpi) / 25.4);
  let page = createBitmap(widthDots, heightDots);
  let rec = newLabelRecord();
  const draw = (b: Bitmap, x: number, y: number, rotation: number): void => {
    const r = rotation === 90 || rotation === 180 || rotation === 270 ? rotation : 0;
    blit(page, rotateBitmap(b, r), x, y);
  };
  for (const ev of createTsplStreamParser().push(bytes)) {
    if (ev.type === "malformed") {
      malformed++;
      continue;
    }
    if (ev.type === "immediate") continue;
    if (ev.type === "download") {
      files.set(ev.name, ev.data);
      continue;
    }
    if (ev.type === "bitmap") {
      rec.commands.push("BITMAP");
      for (let y = 0; y < ev.height; y++)
        for (let x = 0; x < ev.widthBytes * 8; x++) {
          const white = ((ev.data[y * ev.widthBytes + (x >> 3)] ?? 0) & (0x80 >> (x & 7))) !== 0;
          if (!white) setPixel(page, ev.x + x, ev.y + y);
          else if (ev.mode === 0) setPixel(page, ev.x + x, ev.y + y, false);
        }
      continue;
    }
    rec.commands.push(ev.name);
    const a = splitArgs(ev.args);
    switch (ev.name) {
      case "SIZE": {
        const w = parseFloat(latin1(a[0]?.bytes ?? new Uint8Array()));
        const h = parseFloat(latin1(a[1]?.bytes ?? new Uint8Array()));
        if (w > 0 && h > 0 && w < 1000 && h < 2000) {
          widthDots = Math.round((w * dpi) / 25.4);
          heightDots = Math.round((h * dpi) / 25.4);
        }
        break;
      }
      case "CLS":
        page = createBitmap(widthDots, heightDots);
        break;
      case "TEXT": {
        const font = latin1(a[2]?.bytes ?? new Uint8Array());
        const content = a[6]?.bytes ?? new Uint8Array();
        const text = /\.BF2$/i.test(font) ? decodeGbk(content) : latin1(content);
        rec.texts.push(text);
        const base = /\.BF2$/i.test(font) ? 24 : (FONT_HEIGHT[font] ?? 24);
        const h = base * Math.max(1, num(a[5]?.bytes));
        draw(
          renderTextBitmap({ type: "text", xMm: 0, yMm: 0, sizeMm: mm(h), text }, dpi),
          num(a[0]?.bytes),
          num(a[1]?.bytes),
          num(a[3]?.bytes),
        );
        break;
      }
      case "BARCODE": {
        const data = latin1(a[8]?.bytes ?? new Uint8Array());
        rec.barcodes.push(data);
        const code128 = {
          symbology: "code128",
          data,
          heightDots: num(a[3]?.bytes),
          moduleDots: num(a[6]?.bytes),
          humanReadable: num(a[4]?.bytes) > 0,
        } as const;
        const at = (b: Bitmap): void =>
          draw(b, num(a[0]?.bytes), num(a[1]?.bytes), num(a[5]?.bytes));
        if (!drawBarcode(code128, dpi, at)) malformed++;
        break;
      }
      case "QRCODE": {
        const data = latin1(a[6]?.bytes ?? new Uint8Array());
        rec.barcodes.push(data);
        const qr = { symbology: "qrcode", data, moduleDots: num(a[3]?.bytes) } as const;
        const at = (b: Bitmap): void =>
          draw(b, num(a[0]?.bytes), num(a[1]?.bytes), num(a[5]?.bytes));
        if (!drawBarcode(qr, dpi, at)) malformed++;
        break;
      }
      case "BAR":
        fillRect(page, num(a[0]?.bytes), num(a[1]?.bytes), num(a[2]?.bytes), num(a[3]?.bytes));
        break;
      case "BOX": {
        const [x, y, x2, y2, t] = [0, 1, 2, 3, 4].map((i) => num(a[i]?.bytes)) as [
          number,
          number,
          number,
          number,
          number,
        ];
        strokeBox(page, x, y, x2, y2, t);
        break;
      }
      case "PRINT": {
        const copies = Math.max(1, num(a[0]?.bytes)) * Math.max(1, a[1] ? num(a[1].bytes) : 1);
        for (let i = 0; i < copies; i++) labels.push({ bitmap: page, ...rec });
        rec = newLabelRecord();
        break;
      }
      case "PUTBMP": {
        const file = files.get(latin1(a[2]?.bytes ?? new Uint8Array()));
        const bmp = file === undefined ? undefined : decodeBmp1(file);
        if (bmp === undefined) {
          missingFiles++;
          break;
        }
        draw({ ...bmp }, num(a[0]?.bytes), num(a[1]?.bytes), 0);
        break;
      }
      case "KILL":
        files.delete(latin1(a[a.length - 1]?.bytes ?? new Uint8Array()));
        break;
      default:
        break; // GAP, DIRECTION, SPEED, DENSITY, …: accepted, nothing to draw
    }
  }
  return { labels, malformed, missingFiles };
}

/** True when the dot is black (tests). */
export const isBlack = getPixel;
