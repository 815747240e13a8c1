/**
 * Byte helpers every protocol folder uses. Sans-IO like the rest of this layer: it typechecks
 * without DOM or Node types (firmware-protocols/tsconfig.json has `lib: ES2023`, `types: []`), so
 * no `TextEncoder` and no `Buffer`.
 */

/** The concatenation of `parts` as one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * The bytes of `text`, which must be printable ASCII (0x20–0x7E: command words, numbers, replies
 * a simulator sends), followed by `end` (a line ending, a terminator). Throws RangeError naming
 * the index of the first other character: callers pass program-controlled text here, never job
 * content.
 */
export function encodePrintableAscii(text: string, end: readonly number[] = []): Uint8Array {
  const out = new Uint8Array(text.length + end.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new RangeError(`non-printable character at index ${i}`);
    out[i] = c;
  }
  out.set(end, text.length);
  return out;
}
