/**
 * The R2000 "UHF RFID Reader Serial Interface Protocol" frame (reference/device-protocols.md
 * §5.2): `A0 | Len | Addr | Cmd | Data… | Check`, Len = len(Data) + 3 (the bytes after Len),
 * Check = two's complement of the 8-bit sum of every preceding byte including `A0`.
 * Sans-IO: bytes in, events out; device bytes never make it throw.
 */

/** Frame head (§5.2). */
export const HEAD = 0xa0;
/** Public/broadcast address: every reader answers (§5.2). */
export const BROADCAST_ADDRESS = 0xff;
/** Largest data part: Len is one byte and counts Addr, Cmd and Check too. */
export const MAX_DATA_BYTES = 255 - 3;

export interface R2000Frame {
  address: number;
  command: number;
  data: Uint8Array;
}

/** Two's complement of the 8-bit sum of `bytes` (§5.2). */
export function checksum(bytes: Uint8Array, end = bytes.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum = (sum + (bytes[i] ?? 0)) & 0xff;
  return (0x100 - sum) & 0xff;
}

/** Frames `data` for `command`. Throws RangeError when data exceeds {@link MAX_DATA_BYTES}. */
export function encodeFrame(f: R2000Frame): Uint8Array {
  if (f.data.length > MAX_DATA_BYTES)
    throw new RangeError(`R2000 frame data of ${f.data.length} bytes exceeds ${MAX_DATA_BYTES}`);
  const out = new Uint8Array(f.data.length + 5);
  out[0] = HEAD;
  out[1] = f.data.length + 3;
  out[2] = f.address & 0xff;
  out[3] = f.command & 0xff;
  out.set(f.data, 4);
  out[out.length - 1] = checksum(out, out.length - 1);
  return out;
}

export type R2000Event =
  | ({ type: "frame" } & R2000Frame)
  | {
      type: "malformed";
      /**
       * `garbage`: bytes outside any frame were skipped; `bad_length`: a head byte was followed
       * by a length below 3; `bad_checksum`: a complete frame's check byte is wrong.
       * The decoder resynchronizes on the next `A0` after the offending head.
       */
      code: "garbage" | "bad_length" | "bad_checksum";
      /** Offset in the whole stream (bytes pushed since the decoder was created). */
      offset: number;
      /** How many bytes were skipped. */
      length: number;
    };

export interface R2000Decoder {
  /** Feed bytes in any chunking; returns the events completed by them, in stream order. */
  push(chunk: Uint8Array): R2000Event[];
  /**
   * Drops a frame in progress (e.g. after a reply timeout, when a stray `A0` with a large length
   * would otherwise swallow the next replies) and reports it as garbage.
   */
  reset(): R2000Event[];
  /** Bytes held while a frame is incomplete. */
  readonly pending: number;
}

export function createR2000Decoder(): R2000Decoder {
  let buf = new Uint8Array(0);
  let base = 0; // stream offset of buf[0]

  const drop = (n: number): void => {
    buf = buf.slice(n);
    base += n;
  };

  function decode(): R2000Event[] {
    const events: R2000Event[] = [];
    for (;;) {
      let head = buf.indexOf(HEAD);
      if (head < 0) head = buf.length;
      if (head > 0) {
        events.push({ type: "malformed", code: "garbage", offset: base, length: head });
        drop(head);
      }
      if (buf.length < 2) return events;
      const len = buf[1] ?? 0;
      if (len < 3) {
        events.push({ type: "malformed", code: "bad_length", offset: base, length: 1 });
        drop(1);
        continue;
      }
      const total = len + 2;
      if (buf.length < total) return events;
      const frame = buf.subarray(0, total);
      if (checksum(frame, total - 1) !== frame[total - 1]) {
        // Skip only the head: a real frame may begin inside what looked like this one.
        events.push({ type: "malformed", code: "bad_checksum", offset: base, length: 1 });
        drop(1);
        continue;
      }
      events.push({
        type: "frame",
        address: frame[2] ?? 0,
        command: frame[3] ?? 0,
        data: frame.slice(4, total - 1),
      });
      drop(total);
    }
  }

  return {
    push(chunk) {
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      return decode();
    },
    reset() {
      if (buf.length === 0) return [];
      const ev: R2000Event = {
        type: "malformed",
        code: "garbage",
        offset: base,
        length: buf.length,
      };
      drop(buf.length);
      return [ev];
    },
    get pending() {
      return buf.length;
    },
  };
}
