/** Test helpers: read ZPL the way a printer would, to check what the encoders produced. */
import {
  createZplStreamParser,
  type ZplStreamEvent,
} from "../../../firmware-protocols/zpl/stream-parser.ts";

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** All events of one parser fed `chunks` in order. */
export function parseAll(...chunks: Uint8Array[]): ZplStreamEvent[] {
  const p = createZplStreamParser();
  return chunks.flatMap((c) => p.push(c));
}

/**
 * The field contents of a format after `^FH_` decoding, as a printer would print them: each
 * `^FH_^FD…^FS` is located, its `_XX` escapes turned back into bytes, the bytes read as UTF-8.
 * A field without `^FH_` (`^FD…^FS`) is taken literally and must hold no `_` (the encoder writes
 * `^FH_` whenever the data has an escape). Throws on a malformed escape, so tests fail loudly.
 */
export function decodeFields(format: Uint8Array): string[] {
  const s = Buffer.from(format).toString("latin1");
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const fd = s.indexOf("^FD", at);
    if (fd < 0) return out;
    const hex = s.slice(fd - 4, fd) === "^FH_";
    const fs = s.indexOf("^FS", fd);
    if (fs < 0) throw new Error(`field at ${fd} has no ^FS`);
    const body = s.slice(fd + 3, fs);
    if (!hex && body.includes("_")) throw new Error(`field at ${fd} has _ but no ^FH_`);
    const bytes: number[] = [];
    for (let i = 0; i < body.length; i++) {
      if (body[i] === "_") {
        const hex = body.slice(i + 1, i + 3);
        if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`bad escape at ${fd + 3 + i}`);
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(body.charCodeAt(i));
      }
    }
    out.push(new TextDecoder().decode(Uint8Array.from(bytes)));
    at = fs + 3;
  }
}

/** A small deterministic PRNG (mulberry32) so fuzz cases are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Field contents that try to end the field, end the format, or run a command. */
export const HOSTILE_FIELDS: readonly string[] = [
  "^XZ^XA^FO0,0^FDpwned^FS^XZ",
  "~JA",
  "~HS",
  "abc~PP",
  "^FS^XZ~JA^XA",
  "_5E_7E", // a forged escape must print as the literal text
  "__",
  "\r\n^XZ\r\n",
  "line1\r\nline2",
  "\u0000\u0001\u0002\u0003\u001b\u007f",
  "^CC+", // would change the format prefix
  "~CT#", // would change the control prefix
  "\u00a0^\u3000~", // non-ASCII around prefixes
  "张*^XZ李**~JA",
];
