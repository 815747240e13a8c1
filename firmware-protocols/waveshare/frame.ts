/**
 * Waveshare UART e-paper module frames (reference/device-protocols.md §6.2, from the public
 * driver's frame code): `A5 | length (BE16, the whole frame incl. header and parity) | command |
 * data (0–1024) | CC 33 C3 3C | parity (XOR of every previous byte)`. Pure data, no I/O.
 */

export const FRAME_HEAD = 0xa5;
/** §6.2 frame tail. */
export const FRAME_TAIL = Uint8Array.of(0xcc, 0x33, 0xc3, 0x3c);
/** Header (1) + length (2) + command (1) + tail (4) + parity (1). */
export const FRAME_OVERHEAD = 9;
export const MAX_DATA = 1024;

/** §6.2 command bytes. */
export const CMD = {
  HANDSHAKE: 0x00,
  SET_BAUD: 0x01,
  READ_BAUD: 0x02,
  SLEEP: 0x08,
  REFRESH: 0x0a,
  SET_ROTATION: 0x0d,
  SET_COLOUR: 0x10,
  GET_COLOUR: 0x11,
  FONT_SIZE_EN: 0x1e,
  FONT_SIZE_CN: 0x1f,
  POINT: 0x20,
  LINE: 0x22,
  FILL_RECT: 0x24,
  RECT: 0x25,
  CLEAR: 0x2e,
  TEXT: 0x30,
} as const;

/** §6.2 colours of 0x10 (fg, bg). */
export const COLOUR = { BLACK: 0, DARK_GREY: 1, LIGHT_GREY: 2, WHITE: 3 } as const;

export interface Frame {
  cmd: number;
  data: Uint8Array;
}

function xor(bytes: Uint8Array, end: number): number {
  let p = 0;
  for (let i = 0; i < end; i++) p ^= bytes[i] ?? 0;
  return p;
}

/** One frame. Throws RangeError for a command outside 0–255 or more than 1024 data bytes. */
export function encodeFrame(cmd: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (!Number.isInteger(cmd) || cmd < 0 || cmd > 0xff) throw new RangeError("bad command");
  if (data.length > MAX_DATA) throw new RangeError("frame data too long");
  const len = FRAME_OVERHEAD + data.length;
  const out = new Uint8Array(len);
  out[0] = FRAME_HEAD;
  out[1] = len >> 8;
  out[2] = len & 0xff;
  out[3] = cmd;
  out.set(data, 4);
  out.set(FRAME_TAIL, 4 + data.length);
  out[len - 1] = xor(out, len - 1);
  return out;
}

function be16(v: number): number[] {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError("coordinate out of range");
  return [v >> 8, v & 0xff];
}

/** 0x30 text at (x, y): BE16 coordinates, the text bytes (GB 2312 / ASCII), a 00 terminator. */
export function textFrame(x: number, y: number, text: Uint8Array): Uint8Array {
  if (text.includes(0)) throw new RangeError("text contains a NUL byte");
  return encodeFrame(CMD.TEXT, Uint8Array.from([...be16(x), ...be16(y), ...text, 0]));
}

/** 0x22 line from (x0, y0) to (x1, y1). */
export function lineFrame(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  return encodeFrame(
    CMD.LINE,
    Uint8Array.from([...be16(x0), ...be16(y0), ...be16(x1), ...be16(y1)]),
  );
}

/** 0x24 filled rectangle with corners (x0, y0) and (x1, y1). */
export function fillRectFrame(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  return encodeFrame(
    CMD.FILL_RECT,
    Uint8Array.from([...be16(x0), ...be16(y0), ...be16(x1), ...be16(y1)]),
  );
}

/** 0x10 foreground / background colour. */
export function colourFrame(fg: number, bg: number): Uint8Array {
  return encodeFrame(CMD.SET_COLOUR, Uint8Array.of(fg & 3, bg & 3));
}

/** 0x1E / 0x1F font size: 1 = 32 px, 2 = 48 px, 3 = 64 px (on-board fonts). */
export function fontSizeFrame(chinese: boolean, size: 1 | 2 | 3): Uint8Array {
  return encodeFrame(chinese ? CMD.FONT_SIZE_CN : CMD.FONT_SIZE_EN, Uint8Array.of(size));
}

export type ParseEvent = { type: "frame"; frame: Frame } | { type: "garbage"; bytes: number };

/**
 * Reassembles frames from a byte stream split anywhere. Bytes that cannot start a valid frame
 * (wrong head, impossible length, bad tail or parity) are skipped one at a time and reported as
 * `garbage`, so the parser resynchronizes on the next `A5`. A buffered partial frame is bounded by
 * the maximum frame length.
 */
export class FrameParser {
  private buf = new Uint8Array(0);

  push(chunk: Uint8Array): ParseEvent[] {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, this.buf.length);
    const events: ParseEvent[] = [];
    let i = 0;
    let garbage = 0;
    const flushGarbage = (): void => {
      if (garbage > 0) events.push({ type: "garbage", bytes: garbage });
      garbage = 0;
    };
    while (i < merged.length) {
      if (merged[i] !== FRAME_HEAD) {
        garbage++;
        i++;
        continue;
      }
      if (merged.length - i < 3) break;
      const len = ((merged[i + 1] ?? 0) << 8) | (merged[i + 2] ?? 0);
      if (len < FRAME_OVERHEAD || len > FRAME_OVERHEAD + MAX_DATA) {
        garbage++;
        i++;
        continue;
      }
      if (merged.length - i < len) break;
      const f = merged.subarray(i, i + len);
      const tailOk = FRAME_TAIL.every((b, k) => f[len - 5 + k] === b);
      if (!tailOk || xor(f, len - 1) !== f[len - 1]) {
        garbage++;
        i++;
        continue;
      }
      flushGarbage();
      events.push({ type: "frame", frame: { cmd: f[3] ?? 0, data: f.slice(4, len - 5) } });
      i += len;
    }
    flushGarbage();
    this.buf = merged.slice(i);
    return events;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }
}
