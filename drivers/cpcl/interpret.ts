/**
 * A CPCL interpreter for the simulator: session bytes → printed labels (one per `PRINT` × qty).
 * Reads lines with the device-side parser (firmware-protocols/cpcl/commands.ts), never the
 * compiler's code. Fonts are drawn with the CJK renderer at their dot size (font 55: 16-dot
 * GB 2312; font 7: 24 dots; others 24), times `SETMAG`; barcodes with bwip-js; `EG` dot for dot.
 */
import { blit, createBitmap, fillRect, type Bitmap } from "../label/bitmap.ts";
import { decodeGbk } from "../label/gb18030.ts";
import {
  drawBarcode,
  latin1,
  newLabelRecord,
  strokeBox,
  type InterpretedLabel,
} from "../label/interpret.ts";
import { renderTextBitmap } from "../label/text.ts";
import { createCpclStreamParser } from "../../firmware-protocols/cpcl/commands.ts";

/** One label per `PRINT` × qty: its bitmap, the commands, the texts and the barcode data. */
export type InterpretedCpclLabel = InterpretedLabel;

/** Splits off `n` space-separated words; the rest of the line (raw bytes) is the data. */
function words(line: Uint8Array, n: number): { words: string[]; rest: Uint8Array } {
  const out: string[] = [];
  let i = 0;
  while (out.length < n && i < line.length) {
    while (line[i] === 0x20) i++;
    const start = i;
    while (i < line.length && line[i] !== 0x20) i++;
    out.push(latin1(line.subarray(start, i)));
  }
  if (line[i] === 0x20) i++;
  return { words: out, rest: line.subarray(i) };
}

export function interpretCpcl(
  bytes: Uint8Array,
  dpi: number,
  widthDots: number,
): { labels: InterpretedCpclLabel[]; malformed: number } {
  const labels: InterpretedCpclLabel[] = [];
  let malformed = 0;
  let page: Bitmap | undefined;
  let qty = 1;
  let mag = 1;
  let hri = false;
  let qr: { x: number; y: number; unit: number } | undefined;
  let rec = newLabelRecord();
  const mm = (dots: number): number => (dots * 25.4) / dpi;

  for (const ev of createCpclStreamParser().push(bytes)) {
    if (ev.type !== "line") {
      if (ev.type === "malformed") malformed++;
      continue;
    }
    const line = ev.bytes;
    if (line.length === 0) continue;
    if (qr !== undefined) {
      const t = latin1(line);
      if (t === "ENDQR") {
        qr = undefined;
        continue;
      }
      // "<ECC><mode>,<data>" (CPCL PG, QR Code data line).
      const data = latin1(line.subarray(Math.max(0, line.indexOf(0x2c) + 1)));
      rec.barcodes.push(data);
      if (page !== undefined) {
        const on = page;
        const { x, y, unit } = qr;
        const code = { symbology: "qrcode", data, moduleDots: unit } as const;
        if (!drawBarcode(code, dpi, (b) => blit(on, b, x, y))) malformed++;
      }
      continue;
    }
    const name = latin1(
      line.subarray(0, line.indexOf(0x20) === -1 ? line.length : line.indexOf(0x20)),
    );
    if (name === "!") {
      const w = words(line, 6).words;
      page = createBitmap(widthDots, Math.max(1, Math.min(20000, Number(w[4]) || 1)));
      qty = Math.max(1, Number(w[5]) || 1);
      [mag, hri] = [1, false];
      rec.commands = ["!"];
      continue;
    }
    if (page === undefined) {
      malformed++;
      continue;
    }
    rec.commands.push(name);
    switch (name) {
      case "TEXT": {
        const { words: w, rest } = words(line, 5);
        const font = w[1] ?? "7";
        const text = font === "55" ? decodeGbk(rest) : latin1(rest);
        rec.texts.push(text);
        const h = (font === "55" ? 16 : 24) * mag;
        blit(
          page,
          renderTextBitmap({ type: "text", xMm: 0, yMm: 0, sizeMm: mm(h), text }, dpi),
          Number(w[3]),
          Number(w[4]),
        );
        break;
      }
      case "SETMAG": {
        const w = words(line, 3).words;
        mag = Math.max(1, Number(w[1]) || 1);
        break;
      }
      case "BARCODE-TEXT":
        hri = !/OFF/.test(latin1(line));
        break;
      case "BARCODE": {
        const { words: w, rest } = words(line, 7);
        const data = latin1(rest);
        rec.barcodes.push(data);
        const code128 = {
          symbology: "code128",
          data,
          heightDots: Number(w[4]),
          moduleDots: Number(w[2]),
          humanReadable: hri,
        } as const;
        const on = page;
        if (!drawBarcode(code128, dpi, (b) => blit(on, b, Number(w[5]), Number(w[6])))) malformed++;
        break;
      }
      case "B": {
        const w = words(line, 8).words; // B QR x y M 2 U n
        qr = { x: Number(w[2]), y: Number(w[3]), unit: Number(w[7]) || 3 };
        break;
      }
      case "LINE": {
        const [, x0, y0, x1, y1, t] = words(line, 6).words.map(Number) as number[];
        const th = t ?? 1;
        if (y0 === y1)
          fillRect(page, Math.min(x0 ?? 0, x1 ?? 0), y0 ?? 0, Math.abs((x1 ?? 0) - (x0 ?? 0)), th);
        else
          fillRect(page, x0 ?? 0, Math.min(y0 ?? 0, y1 ?? 0), th, Math.abs((y1 ?? 0) - (y0 ?? 0)));
        break;
      }
      case "BOX": {
        const [, x0 = 0, y0 = 0, x1 = 0, y1 = 0, t = 1] = words(line, 6).words.map(Number);
        strokeBox(page, x0, y0, x1, y1, t);
        break;
      }
      case "EG": {
        const { words: w, rest } = words(line, 5);
        const wb = Number(w[1]);
        const h = Number(w[2]);
        const hex = latin1(rest);
        if (!(wb > 0 && h > 0) || hex.length !== wb * h * 2 || !/^[0-9A-Fa-f]*$/.test(hex)) {
          malformed++;
          break;
        }
        const data = new Uint8Array(wb * h);
        for (let i = 0; i < data.length; i++) data[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
        blit(page, { width: wb * 8, height: h, bytesPerRow: wb, data }, Number(w[3]), Number(w[4]));
        break;
      }
      case "PRINT":
        for (let i = 0; i < qty; i++) labels.push({ bitmap: page, ...rec });
        page = undefined;
        rec = newLabelRecord();
        break;
      default:
        break; // PAGE-WIDTH, FORM, …
    }
  }
  return { labels, malformed };
}
