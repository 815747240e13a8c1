/**
 * A simulated Waveshare UART e-paper module (reference/device-protocols.md §6.2): parses the byte
 * stream into frames (bad parity, bad tail and garbage are skipped), answers every valid frame
 * `OK` (the documented handshake reply; per-command replies on hardware are [unverified]), draws
 * what the frames command into an 800 × 600 four-level framebuffer, and shows it on refresh
 * (0x0A) through the sink. Text is drawn with the label renderer's font at the on-board sizes.
 */
import {
  CMD,
  COLOUR,
  FrameParser,
  encodeFrame,
  type Frame,
} from "../../firmware-protocols/waveshare/index.ts";
import { decodeGbk } from "../label/gb18030.ts";
import { getPixel } from "../label/bitmap.ts";
import { renderTextBitmap } from "../label/text.ts";
import { PANEL } from "./compile.ts";

export interface WaveshareSimulatorSink {
  reply(bytes: Uint8Array): void;
  /** A refresh: `bytes` are the frames since the previous refresh; the panel now shows `pixels` (0 black … 3 white, row-major, 800 × 600). */
  printed(format: { index: number; bytes: Uint8Array; pixels: Uint8Array }): void;
}

const FONT_PX = [32, 32, 48, 64] as const;
const OK = new TextEncoder().encode("OK");

export interface WaveshareSimulator {
  receive(chunk: Uint8Array): void;
  /** Frames received since the start, and garbage bytes skipped. */
  readonly stats: { frames: number; garbage: number };
}

export function createWaveshareSimulator(sink: WaveshareSimulatorSink): WaveshareSimulator {
  const parser = new FrameParser();
  const fb = new Uint8Array(PANEL.width * PANEL.height).fill(COLOUR.WHITE);
  let fg: number = COLOUR.BLACK;
  let bg: number = COLOUR.WHITE;
  let fontCn = 1;
  let fontEn = 1;
  let shown = 0;
  let since: number[] = [];
  const raw: Uint8Array[] = [];
  const stats = { frames: 0, garbage: 0 };
  const u16 = (d: Uint8Array, i: number): number => ((d[i] ?? 0) << 8) | (d[i + 1] ?? 0);
  const plot = (x: number, y: number, c: number): void => {
    if (x >= 0 && y >= 0 && x < PANEL.width && y < PANEL.height) fb[y * PANEL.width + x] = c;
  };
  const apply = (f: Frame): void => {
    const d = f.data;
    switch (f.cmd) {
      case CMD.SET_COLOUR:
        fg = (d[0] ?? 0) & 3;
        bg = (d[1] ?? 3) & 3;
        return;
      case CMD.CLEAR:
        fb.fill(bg);
        return;
      case CMD.FONT_SIZE_EN:
        fontEn = d[0] ?? 1;
        return;
      case CMD.FONT_SIZE_CN:
        fontCn = d[0] ?? 1;
        return;
      case CMD.FILL_RECT: {
        const [x0, y0, x1, y1] = [u16(d, 0), u16(d, 2), u16(d, 4), u16(d, 6)];
        for (let y = Math.min(y0, y1); y <= Math.max(y0, y1); y++)
          for (let x = Math.min(x0, x1); x <= Math.max(x0, x1); x++) plot(x, y, fg);
        return;
      }
      case CMD.LINE: {
        // Bresenham from (x0, y0) to (x1, y1).
        let [x0, y0] = [u16(d, 0), u16(d, 2)];
        const [x1, y1] = [u16(d, 4), u16(d, 6)];
        const dx = Math.abs(x1 - x0);
        const dy = -Math.abs(y1 - y0);
        const sx = x0 < x1 ? 1 : -1;
        const sy = y0 < y1 ? 1 : -1;
        let err = dx + dy;
        for (;;) {
          plot(x0, y0, fg);
          if (x0 === x1 && y0 === y1) break;
          const e2 = 2 * err;
          if (e2 >= dy) [err, x0] = [err + dy, x0 + sx];
          if (e2 <= dx) [err, y0] = [err + dx, y0 + sy];
        }
        return;
      }
      case CMD.TEXT: {
        const end = d.indexOf(0, 4);
        const text = decodeGbk(d.subarray(4, end < 0 ? d.length : end));
        const cjk = [...text].some((c) => (c.codePointAt(0) ?? 0) >= 0x80);
        const size = FONT_PX[cjk ? fontCn : fontEn] ?? 32;
        const b = renderTextBitmap({ type: "text", xMm: 0, yMm: 0, sizeMm: size, text }, 25.4);
        const x0 = u16(d, 0);
        const y0 = u16(d, 2);
        for (let y = 0; y < b.height; y++)
          for (let x = 0; x < b.width; x++) if (getPixel(b, x, y)) plot(x0 + x, y0 + y, fg);
        return;
      }
      case CMD.REFRESH: {
        shown++;
        const bytes = new Uint8Array(since.reduce((n, k) => n + (raw[k]?.length ?? 0), 0));
        let o = 0;
        for (const k of since) {
          bytes.set(raw[k] ?? new Uint8Array(0), o);
          o += raw[k]?.length ?? 0;
        }
        since = [];
        raw.length = 0;
        sink.printed({ index: shown, bytes, pixels: fb.slice() });
        return;
      }
      default:
        return;
    }
  };
  return {
    stats,
    receive(chunk) {
      for (const ev of parser.push(chunk)) {
        if (ev.type === "garbage") {
          stats.garbage += ev.bytes;
          continue;
        }
        stats.frames++;
        raw.push(encodeFrame(ev.frame.cmd, ev.frame.data));
        since.push(raw.length - 1);
        apply(ev.frame);
        sink.reply(OK);
      }
    },
  };
}

/** What the panel shows after `frames` (a refresh's frames, starting from a white panel). */
export function renderWaveshareFrames(frames: Uint8Array): Uint8Array {
  let shown: Uint8Array = new Uint8Array(PANEL.width * PANEL.height).fill(COLOUR.WHITE);
  createWaveshareSimulator({
    reply: () => undefined,
    printed: ({ pixels }) => (shown = pixels),
  }).receive(frames);
  return shown;
}
