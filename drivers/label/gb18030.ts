/**
 * Unicode → GB 18030 two-byte codes (the GBK range, which holds GB 2312), for printers with a
 * resident Simplified Chinese font (TSPL `TSS24.BF2`, ESC/POS in Chinese mode, CPCL font 55).
 * The table is built once from the platform's WHATWG `gb18030` decoder, so it matches what an
 * independent decoder (the simulators, a real printer) reads back.
 */
let table: Map<number, number> | undefined;

function build(): Map<number, number> {
  const m = new Map<number, number>();
  const dec = new TextDecoder("gb18030");
  for (let hi = 0x81; hi <= 0xfe; hi++) {
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      if (lo === 0x7f) continue;
      const s = dec.decode(Uint8Array.of(hi, lo));
      const cp = s.codePointAt(0);
      // Keep only real characters (not U+FFFD, not private use).
      if (s.length !== 1 || cp === undefined || cp === 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff))
        continue;
      if (!m.has(cp)) m.set(cp, (hi << 8) | lo);
    }
  }
  return m;
}

/**
 * GB 18030 bytes of `text`: printable ASCII as itself, other characters as their two-byte GBK
 * code. Undefined when a character has no two-byte code or is a control character (callers then
 * rasterize the text instead of dropping anything).
 */
export function encodeGbk(text: string): Uint8Array | undefined {
  table ??= build();
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x20 && cp < 0x7f) {
      out.push(cp);
      continue;
    }
    const code = table.get(cp);
    if (code === undefined) return undefined;
    out.push(code >> 8, code & 0xff);
  }
  return Uint8Array.from(out);
}

/** GB 18030 bytes → text (the simulators' independent reading). */
export function decodeGbk(bytes: Uint8Array): string {
  return new TextDecoder("gb18030").decode(bytes);
}
