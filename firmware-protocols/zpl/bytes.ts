/**
 * Byte constants and small byte helpers for the ZPL codecs.
 *
 * This layer is sans-IO and typechecks without DOM or Node types (firmware-protocols/tsconfig.json
 * has `lib: ES2023`, `types: []`), so `TextEncoder`/`TextDecoder` are not available: the UTF-8
 * encoder below is written out by hand (RFC 3629 §3).
 */

/** Start of text: opens each `~HS` / `~HI` reply string (ZPL II Programming Guide, `~HS`). */
export const STX = 0x02;
/** End of text: closes each reply string. */
export const ETX = 0x03;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
/** `,` — the default parameter delimiter (`^CD` changes it). */
export const COMMA = 0x2c;
/** `^` — the default format-command prefix (`^CC` / `~CC` change it). */
export const CARET = 0x5e;
/** `_` — the hexadecimal indicator this codebase always selects with `^FH_`. */
export const UNDERSCORE = 0x5f;
/** `~` — the default control-command prefix (`^CT` / `~CT` change it). */
export const TILDE = 0x7e;
/** DEL, escaped in field data like the C0 controls. */
export const DEL = 0x7f;

/**
 * UTF-8 bytes of `text` (RFC 3629). A lone UTF-16 surrogate, which has no UTF-8 form, becomes
 * U+FFFD, the same choice `TextEncoder` makes, so the output is always well-formed UTF-8.
 */
export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      cp = 0xfffd;
    }
    if (cp < 0x80) {
      out.push(cp);
    } else if (cp < 0x800) {
      out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    } else {
      out.push(
        0xf0 | (cp >> 18),
        0x80 | ((cp >> 12) & 0x3f),
        0x80 | ((cp >> 6) & 0x3f),
        0x80 | (cp & 0x3f),
      );
    }
  }
  return Uint8Array.from(out);
}

/**
 * Bytes of a string made only of code points 0x00–0x7F (command names, numbers, parameters).
 * Throws RangeError otherwise: callers pass program-controlled text here, never job content.
 */
export function encodeAscii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`non-ASCII character at index ${i}`);
    out[i] = c;
  }
  return out;
}

/** One JS character per byte (ISO 8859-1 reading). Used for the ASCII replies of the printer. */
export function decodeLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] ?? 0);
  return s;
}

export { concatBytes } from "../bytes.ts";

/** A growable byte buffer: amortized O(1) appends, one copy on `take()`. */
export interface ByteBuffer {
  readonly length: number;
  push(byte: number): void;
  append(bytes: Uint8Array): void;
  /** A copy of the contents; the buffer is emptied. */
  take(): Uint8Array;
  clear(): void;
}

export function createByteBuffer(initialCapacity = 256): ByteBuffer {
  let buf = new Uint8Array(Math.max(16, initialCapacity));
  let len = 0;
  const ensure = (extra: number): void => {
    if (len + extra <= buf.length) return;
    let cap = buf.length * 2;
    while (cap < len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(buf.subarray(0, len));
    buf = next;
  };
  return {
    get length() {
      return len;
    },
    push(byte) {
      ensure(1);
      buf[len++] = byte;
    },
    append(bytes) {
      ensure(bytes.length);
      buf.set(bytes, len);
      len += bytes.length;
    },
    take() {
      const out = buf.slice(0, len);
      len = 0;
      return out;
    },
    clear() {
      len = 0;
    },
  };
}
