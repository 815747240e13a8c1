import { describe, expect, it } from "vitest";
import {
  concatBytes,
  createByteBuffer,
  decodeLatin1,
  encodeAscii,
  encodeUtf8,
} from "../../../firmware-protocols/zpl/bytes.ts";
import { prng } from "./helpers.ts";

describe("encodeUtf8 (hand-written, no TextEncoder in the sans-IO layer)", () => {
  it.each([
    ["ASCII", "SF1234567890123"],
    ["CJK", "张* 杭州转运中心"],
    ["2-byte", "é ü ©"],
    ["astral (surrogate pair)", "📦 𠮷"],
    ["empty", ""],
    ["controls", "\u0000\r\n\u007f"],
  ])("matches TextEncoder on %s", (_name, s) => {
    expect(encodeUtf8(s)).toEqual(new TextEncoder().encode(s));
  });

  it("replaces lone surrogates with U+FFFD like TextEncoder", () => {
    for (const s of ["\ud800", "a\udc00b", "\ud83d", "\ud83dx", "\udfff\ud800"]) {
      expect(encodeUtf8(s)).toEqual(new TextEncoder().encode(s));
    }
  });

  it("matches TextEncoder on random UTF-16 strings", () => {
    const rnd = prng(7);
    for (let n = 0; n < 500; n++) {
      let s = "";
      const len = Math.floor(rnd() * 20);
      for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(rnd() * 0x10000));
      expect(encodeUtf8(s)).toEqual(new TextEncoder().encode(s));
    }
  });
});

describe("byte helpers", () => {
  it("encodeAscii rejects non-ASCII", () => {
    expect(encodeAscii("~HS")).toEqual(Uint8Array.of(0x7e, 0x48, 0x53));
    expect(() => encodeAscii("é")).toThrow(RangeError);
  });

  it("decodeLatin1 maps one char per byte", () => {
    expect(decodeLatin1(Uint8Array.of(0x41, 0xff, 0x02), 1)).toBe("\u00ff\u0002");
  });

  it("concatBytes and createByteBuffer keep order across growth", () => {
    const b = createByteBuffer(1);
    for (let i = 0; i < 1000; i++) b.push(i & 0xff);
    b.append(Uint8Array.of(1, 2, 3));
    const out = b.take();
    expect(out.length).toBe(1003);
    expect(out[999]).toBe(999 & 0xff);
    expect(b.length).toBe(0);
    expect(concatBytes([Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3)])).toEqual(
      Uint8Array.of(1, 2, 3),
    );
  });
});
