/**
 * ZPL graphics data: `^GF` fields and `~DG` downloads in the `:B64:` / `:Z64:` forms
 * (reference/device-protocols.md §1.1; ZPL II Programming Guide, `^GF` Graphic Field, `~DG`
 * Download Graphics, `^XG` Recall Graphic, and "ZB64 Encoding and Compression").
 *
 * `:Z64:<base64 of zlib-deflated bytes>:<crc>` — the CRC is CRC-16/XMODEM (poly 0x1021, init 0,
 * no reflection) over the base64 *text*, written as four hex digits. Deflating is the caller's
 * job (this layer is sans-IO and dependency-free): pass the zlib stream in, get the text out.
 * Graphic bits: 1 = black dot, MSB = leftmost.
 */
import { concatBytes, encodeAscii } from "./bytes.ts";

/** CRC-16/XMODEM of `bytes` (check value of "123456789" is 0x31C3). */
export function crc16Xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** RFC 4648 base64 with padding. */
export function base64Encode(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    s += B64[(n >> 18) & 63];
    s += B64[(n >> 12) & 63];
    s += b === undefined ? "=" : B64[(n >> 6) & 63];
    s += c === undefined ? "=" : B64[n & 63];
  }
  return s;
}

/** RFC 4648 base64 → bytes; undefined when `text` is not valid base64. */
export function base64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 4) {
    const v = [0, 1, 2, 3].map((k) => {
      const ch = text[i + k] ?? "";
      return ch === "=" ? -2 : B64.indexOf(ch);
    });
    const [a, b, c, d] = v as [number, number, number, number];
    if (a < 0 || b < 0 || c === -1 || d === -1) return undefined;
    if (c === -2 && d !== -2) return undefined;
    if ((c === -2 || d === -2) && i + 4 !== text.length) return undefined;
    const n = (a << 18) | (b << 12) | (Math.max(0, c) << 6) | Math.max(0, d);
    out.push((n >> 16) & 255);
    if (c >= 0) out.push((n >> 8) & 255);
    if (d >= 0) out.push(n & 255);
  }
  return Uint8Array.from(out);
}

const hex4 = (n: number): string => n.toString(16).padStart(4, "0");

/** `:Z64:<base64>:<crc>` for an already zlib-deflated payload. */
export function encodeZ64(deflated: Uint8Array): string {
  const b64 = base64Encode(deflated);
  return `:Z64:${b64}:${hex4(crc16Xmodem(encodeAscii(b64)))}`;
}

/** `:B64:<base64>:<crc>` for raw graphic bytes. */
export function encodeB64(raw: Uint8Array): string {
  const b64 = base64Encode(raw);
  return `:B64:${b64}:${hex4(crc16Xmodem(encodeAscii(b64)))}`;
}

export type GraphicDataDecoded =
  | { type: "z64"; deflated: Uint8Array }
  | { type: "b64"; raw: Uint8Array }
  | { type: "hex"; raw: Uint8Array }
  | { type: "malformed"; code: "bad_crc" | "bad_base64" | "bad_hex" | "unsupported" };

/**
 * Decodes the data part of `^GFA` / `~DG`: `:Z64:…:crc`, `:B64:…:crc`, or plain ASCII hex
 * (without the ACS compression letters, which this codebase never sends: they are reported as
 * `unsupported`). The CRC is checked, as a real printer does (zebrash does not).
 */
export function decodeGraphicData(text: string): GraphicDataDecoded {
  const m = /^:(Z64|B64):([A-Za-z0-9+/=]*):([0-9A-Fa-f]{4})$/.exec(text);
  if (m !== null) {
    const [, kind, b64 = "", crc = ""] = m;
    if (crc16Xmodem(encodeAscii(b64)) !== parseInt(crc, 16))
      return { type: "malformed", code: "bad_crc" };
    const bytes = base64Decode(b64);
    if (bytes === undefined) return { type: "malformed", code: "bad_base64" };
    return kind === "Z64" ? { type: "z64", deflated: bytes } : { type: "b64", raw: bytes };
  }
  if (text.startsWith(":")) return { type: "malformed", code: "bad_base64" };
  if (!/^[0-9A-Fa-f]*$/.test(text)) return { type: "malformed", code: "unsupported" };
  if (text.length % 2 !== 0) return { type: "malformed", code: "bad_hex" };
  const raw = new Uint8Array(text.length / 2);
  for (let i = 0; i < raw.length; i++) raw[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return { type: "hex", raw };
}

/**
 * Graphic names this codebase uses: a drive letter, 1–8 of `A-Z 0-9`, and `.GRF` or nothing —
 * `~DG` appends `.GRF` when it is not given and `^XG`'s extension is fixed at `.GRF` (ZPL II PG,
 * `~DG` Download Graphics, `^XG` Recall Graphic), so the short form names the same object in 4
 * bytes less per download and per recall.
 */
const GRAPHIC_NAME = /^[REBA]:[A-Z0-9]{1,8}(\.GRF)?$/;
/** `~DG` may also leave out the device: it stores to `R:` (ZPL II PG, `~DG`, d default). */
const DOWNLOAD_NAME = /^([REBA]:)?[A-Z0-9]{1,8}(\.GRF)?$/;

/**
 * `~DG<name>,<total>,<bytesPerRow>,<data>` (ZPL II PG, `~DG` Download Graphics): stores a graphic
 * in printer memory. `R:` is DRAM, which the printer clears on power-up, so a host that caches
 * names must forget them when the printer restarts. `data` is `:Z64:…` from {@link encodeZ64}.
 */
export function encodeDownloadGraphic(
  name: string,
  totalBytes: number,
  bytesPerRow: number,
  data: string,
): Uint8Array {
  if (!DOWNLOAD_NAME.test(name)) throw new RangeError("graphic name must be like R:ABC123.GRF");
  if (!/^:(Z64|B64):[A-Za-z0-9+/=]*:[0-9a-f]{4}$/.test(data))
    throw new RangeError("bad graphic data");
  return concatBytes([encodeAscii(`~DG${name},${totalBytes},${bytesPerRow},${data}`)]);
}

/** Checks a graphic object name for `^XG` / `^ID`; returns it. */
export function checkGraphicName(name: string): string {
  if (!GRAPHIC_NAME.test(name)) throw new RangeError("graphic name must be like R:ABC123.GRF");
  return name;
}

/** A stored-object reference as it may appear in a command: `d:o.x`, `d:o`, `o.x` or `o`. */
export const OBJECT_REF = "(?:[REBA]:)?[A-Z0-9_]{1,8}(?:\\.[A-Z]{3})?";

/**
 * The full names (`R:NAME.GRF`) a reference from a command may mean, in search order. Without a
 * device, a download stores to `R:` (the first name) and a recall searches R:, E:, B:, A: (ZPL II
 * PG, `~DG` and `^DF` default device, `^XG` / `^XF` "search priority"); without an extension the
 * command's fixed one is meant (`.GRF` for `~DG` / `^XG`, `.ZPL` for `^DF` / `^XF`). Empty when the
 * reference names another extension than `ext`.
 */
export function objectNames(ref: string, ext: "GRF" | "ZPL"): string[] {
  const m = /^(?:([REBA]):)?([A-Z0-9_]{1,8})(?:\.([A-Z]{3}))?$/i.exec(ref);
  if (m === null) return [];
  const [, device, name = "", given] = m;
  if (given !== undefined && given.toUpperCase() !== ext) return [];
  const devices = device === undefined ? ["R", "E", "B", "A"] : [device.toUpperCase()];
  return devices.map((d) => `${d}:${name.toUpperCase()}.${ext}`);
}
