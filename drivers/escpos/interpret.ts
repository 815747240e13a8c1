/**
 * An ESC/POS interpreter for the simulator (standard and page mode): bytes → printed labels, one
 * per cut.
 * It reads the stream with the device-side parser (firmware-protocols/escpos/stream-parser.ts),
 * never the compiler's code. Text is drawn with the CJK renderer at the font's dot size (font A
 * 12 × 24, Chinese 24 × 24, times `GS !`; `ESC E` emphasized drawn bold), barcodes with bwip-js, `GS v 0` dot for dot.
 *
 * Page mode (Epson ESC/POS Command Reference, "ESC L", "ESC W", "ESC T", "GS $", "FF"): `ESC L`
 * enters it, `ESC W` sets the print area (a buffer of dx × dy dots), `ESC $` / `GS $` the print
 * position in it; characters are drawn on the vertical position as their baseline (the cell's
 * bottom), bit images, Code 128 bars and QR symbols with their bottom on it (HRI below); `FF`
 * prints the whole area at the paper position, feeds its height and returns to standard mode.
 * Only `ESC T 0` (left to right, start upper left) is interpreted; another direction counts as
 * malformed. `ESC @` leaves page mode and discards the area.
 */
import { blit, createBitmap, type Bitmap } from "../label/bitmap.ts";
import { decodeGbk } from "../label/gb18030.ts";
import { drawBarcode, latin1, newLabelRecord, type InterpretedLabel } from "../label/interpret.ts";
import { renderTextBitmap } from "../label/text.ts";
import { createEscposStreamParser } from "../../firmware-protocols/escpos/stream-parser.ts";
import { HRI_ADVANCE } from "./compile.ts";

/** One label per cut: its bitmap, the commands, the printed texts and the barcode data. */
export type InterpretedEscposLabel = InterpretedLabel;

/** Paper longer than this (dots) without a cut is cut by the simulator (runaway protection). */
const MAX_PAGE_DOTS = 20_000;

export function interpretEscpos(
  bytes: Uint8Array,
  dpi: number,
  widthDots: number,
): { labels: InterpretedEscposLabel[]; malformed: number } {
  const labels: InterpretedEscposLabel[] = [];
  let malformed = 0;
  let page = createBitmap(widthDots, MAX_PAGE_DOTS);
  let y = 0;
  let x = 0;
  let spacing = 30;
  let mulW = 1;
  let mulH = 1;
  let chinese = false;
  let hri = 0;
  let barH = 162;
  let barW = 3;
  let qrModule = 3;
  let qrData = "";
  let bold = false;
  let line: Array<{ x: number; bytes: number[]; chinese: boolean; mul: number; bold: boolean }> =
    [];
  let rec = newLabelRecord();
  // Page mode: the print area buffer, the print position in it, and characters not yet drawn.
  let area: Bitmap | undefined;
  let pageMode = false;
  let px = 0;
  let py = 0;
  let run: { x: number; y: number; bytes: number[]; chinese: boolean } | undefined;
  const flushRun = (): void => {
    if (run === undefined || area === undefined) return;
    const raw = Uint8Array.from(run.bytes);
    const text = run.chinese ? decodeGbk(raw) : latin1(raw);
    rec.texts.push(text);
    const cell = 24 * mulH;
    const bmp = renderTextBitmap(
      { type: "text", xMm: 0, yMm: 0, sizeMm: (cell * 25.4) / dpi, text, bold },
      dpi,
    );
    blit(area, bmp, run.x, run.y - cell);
    run = undefined;
  };
  const pageText = (byte: number): void => {
    if (run === undefined || run.chinese !== chinese) {
      flushRun();
      run = { x: px, y: py, bytes: [], chinese };
    }
    run.bytes.push(byte);
    // Character widths: ASCII 12 dots, a GB 18030 pair 24 (12 per byte), times the width multiplier.
    px += 12 * mulW;
  };

  const segment = (): {
    x: number;
    bytes: number[];
    chinese: boolean;
    mul: number;
    bold: boolean;
  } => {
    const last = line[line.length - 1];
    if (last !== undefined && last.chinese === chinese && last.mul === mulH && last.bold === bold)
      return last;
    const s = { x, bytes: [] as number[], chinese, mul: mulH, bold };
    line.push(s);
    return s;
  };
  const printLine = (advance: number): void => {
    for (const s of line) {
      const raw = Uint8Array.from(s.bytes);
      const text = s.chinese ? decodeGbk(raw) : latin1(raw);
      rec.texts.push(text);
      const sizeMm = (24 * s.mul * 25.4) / dpi;
      const el = { type: "text", xMm: 0, yMm: 0, sizeMm, text, bold: s.bold } as const;
      blit(page, renderTextBitmap(el, dpi), s.x, y);
    }
    line = [];
    x = 0;
    y += advance;
  };
  const cut = (): void => {
    if (line.length > 0) printLine(spacing);
    const out = createBitmap(widthDots, Math.max(1, y));
    out.data.set(page.data.subarray(0, out.data.length));
    labels.push({ bitmap: out, ...rec });
    page = createBitmap(widthDots, MAX_PAGE_DOTS);
    y = 0;
    rec = newLabelRecord();
  };

  for (const ev of createEscposStreamParser().push(bytes)) {
    if (ev.type === "malformed") {
      malformed++;
      continue;
    }
    if (ev.type === "realtime") continue;
    if (ev.type === "text") {
      if (pageMode) pageText(ev.byte);
      else segment().bytes.push(ev.byte);
      continue;
    }
    if (ev.type === "lf") {
      if (!pageMode) printLine(spacing);
      else {
        flushRun();
        [px, py] = [0, py + spacing];
      }
      continue;
    }
    if (pageMode) flushRun();
    rec.commands.push(ev.name);
    const p = ev.params;
    switch (ev.name) {
      case "ESC @":
        [spacing, mulW, mulH, chinese, hri, x, bold] = [30, 1, 1, false, 0, 0, false];
        [pageMode, area, run] = [false, undefined, undefined];
        break;
      case "ESC $":
        if (pageMode) px = (p[0] ?? 0) | ((p[1] ?? 0) << 8);
        else x = (p[0] ?? 0) | ((p[1] ?? 0) << 8);
        break;
      case "ESC L":
        if (line.length > 0) printLine(spacing);
        [pageMode, px, py] = [true, 0, 0];
        area = createBitmap(widthDots, 1);
        break;
      case "ESC W": {
        // ESC W xL xH yL yH dxL dxH dyL dyH: the origin is taken as (0, 0) on the paper's left.
        const dx = (p[4] ?? 0) | ((p[5] ?? 0) << 8);
        const dy = (p[6] ?? 0) | ((p[7] ?? 0) << 8);
        if (!pageMode || dx === 0 || dy === 0 || dy > MAX_PAGE_DOTS) malformed++;
        else [area, px, py] = [createBitmap(Math.min(dx, widthDots), dy), 0, 0];
        break;
      }
      case "ESC T":
        if ((p[0] ?? 0) !== 0 && (p[0] ?? 0) !== 48) malformed++;
        break;
      case "GS $":
        if (pageMode) py = (p[0] ?? 0) | ((p[1] ?? 0) << 8);
        else malformed++;
        break;
      case "FF":
        if (pageMode && area !== undefined) {
          blit(page, area, 0, y);
          y += area.height;
        }
        [pageMode, area, x] = [false, undefined, 0];
        break;
      case "ESC J":
        printLine(p[0] ?? 0);
        break;
      case "ESC d":
        printLine(spacing * (p[0] ?? 0));
        break;
      case "ESC 3":
        spacing = p[0] ?? 30;
        break;
      case "GS !":
        mulW = ((p[0] ?? 0) >> 4) + 1;
        mulH = ((p[0] ?? 0) & 7) + 1;
        break;
      case "ESC E":
        // Emphasized (bold) characters, bit 0 of n (ESC/POS APG, ESC E).
        bold = ((p[0] ?? 0) & 1) === 1;
        break;
      case "FS &":
        chinese = true;
        break;
      case "FS .":
        chinese = false;
        break;
      case "GS H":
        hri = p[0] ?? 0;
        break;
      case "GS h":
        barH = p[0] ?? 162;
        break;
      case "GS w":
        barW = p[0] ?? 3;
        break;
      case "GS v 0": {
        const w = (p[2] ?? 0) | ((p[3] ?? 0) << 8);
        const h = (p[4] ?? 0) | ((p[5] ?? 0) << 8);
        const img: Bitmap = { width: w * 8, height: h, bytesPerRow: w, data: p.subarray(6) };
        if (pageMode && area !== undefined) blit(area, img, px, py - h);
        else {
          blit(page, img, 0, y);
          y += h;
        }
        break;
      }
      case "GS k": {
        // Function B, m = 73: Code 128 with {B/{A/{C code set selections; {{ is a literal {.
        const data = latin1(p.subarray(2))
          .replace(/^\{[ABC]/, "")
          .replace(/\{\{/g, "{");
        rec.barcodes.push(data);
        const code128 = {
          symbology: "code128",
          data,
          heightDots: barH,
          moduleDots: barW,
          humanReadable: hri === 2,
        } as const;
        const target = pageMode && area !== undefined ? area : undefined;
        const at = (b: Bitmap): void =>
          target === undefined ? blit(page, b, x, y) : blit(target, b, px, py - barH);
        if (!drawBarcode(code128, dpi, at)) malformed++;
        if (target !== undefined) break;
        y += barH + (hri === 2 ? HRI_ADVANCE : 0);
        x = 0;
        break;
      }
      case "GS ( k": {
        const fn = p[4];
        if (fn === 67) qrModule = p[5] ?? 3;
        if (fn === 80) qrData = latin1(p.subarray(6));
        if (fn === 81) {
          rec.barcodes.push(qrData);
          const qr = { symbology: "qrcode", data: qrData, moduleDots: qrModule } as const;
          const place = (b: Bitmap): void => {
            if (pageMode && area !== undefined) return blit(area, b, px, py - b.height);
            blit(page, b, x, y);
            y += b.height;
          };
          if (!drawBarcode(qr, dpi, place)) malformed++;
          x = 0;
        }
        break;
      }
      case "GS V":
        if (p[0] === 65 || p[0] === 66) printLine(p[1] ?? 0);
        cut();
        break;
      default:
        break;
    }
    if (y > MAX_PAGE_DOTS - 100) cut();
  }
  return { labels, malformed };
}
