/**
 * TSPL file memory codecs: 1-bit BMP files (what PUTBMP prints), the DOWNLOAD / PUTBMP / KILL
 * command lines, and the device-side parser reading a DOWNLOAD's bytes by count (TSPL/TSPL2 PM,
 * "DOWNLOAD": DATA SIZE bytes follow the comma, uninterpreted).
 */
import { describe, expect, it } from "vitest";
import { decodeBmp1, encodeBmp1, BMP_HEADER_BYTES } from "../../../firmware-protocols/tspl/bmp.ts";
import {
  encodeTsplDownload,
  encodeTsplKill,
  encodeTsplPutBmp,
} from "../../../firmware-protocols/tspl/commands.ts";
import {
  createTsplStreamParser,
  type TsplStreamEvent,
} from "../../../firmware-protocols/tspl/stream-parser.ts";

const latin1 = (b: Uint8Array): string => new TextDecoder("latin1").decode(b);
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A 10 × 3 test bitmap (black-is-1): a diagonal and a full last row. */
const TEN_BY_THREE = {
  width: 10,
  height: 3,
  bytesPerRow: 2,
  data: Uint8Array.of(0b1000_0000, 0, 0b0100_0000, 0, 0xff, 0b1100_0000),
};

describe("1-bit BMP", () => {
  it("encodes the headers, a black/white palette and bottom-up rows padded to 4 bytes", () => {
    const f = encodeBmp1(TEN_BY_THREE);
    expect(f.length).toBe(BMP_HEADER_BYTES + 3 * 4);
    const v = new DataView(f.buffer);
    expect(latin1(f.subarray(0, 2))).toBe("BM");
    expect(v.getUint32(2, true)).toBe(f.length);
    expect(v.getUint32(10, true)).toBe(62);
    expect([v.getInt32(18, true), v.getInt32(22, true), v.getUint16(28, true)]).toEqual([10, 3, 1]);
    expect([...f.subarray(54, 62)]).toEqual([0, 0, 0, 0, 255, 255, 255, 0]);
    // Bottom row first; a set bit is white (palette 1); the dots past the width are white.
    expect([...f.subarray(62, 66)]).toEqual([0x00, 0x3f, 0xff, 0xff]);
    expect([...f.subarray(66, 70)]).toEqual([0xbf, 0xff, 0xff, 0xff]);
    expect([...f.subarray(70, 74)]).toEqual([0x7f, 0xff, 0xff, 0xff]);
  });

  it("decodes what it encodes, for widths around the byte and word boundaries", () => {
    for (const width of [1, 7, 8, 9, 31, 32, 33, 77]) {
      const bytesPerRow = Math.ceil(width / 8);
      const data = new Uint8Array(bytesPerRow * 5);
      for (let i = 0; i < data.length; i++) data[i] = (i * 37 + width) & 0xff;
      // Clear the padding dots: they are not part of the picture.
      const pad = bytesPerRow * 8 - width;
      for (let y = 0; y < 5; y++) data[y * bytesPerRow + bytesPerRow - 1]! &= (0xff << pad) & 0xff;
      expect(decodeBmp1(encodeBmp1({ width, height: 5, bytesPerRow, data }))).toEqual({
        width,
        height: 5,
        bytesPerRow,
        data,
      });
    }
  });

  it("refuses other depths, compression and short files", () => {
    const f = encodeBmp1(TEN_BY_THREE);
    const depth = f.slice();
    depth[28] = 24;
    const rle = f.slice();
    rle[30] = 1;
    expect(decodeBmp1(depth)).toBeUndefined();
    expect(decodeBmp1(rle)).toBeUndefined();
    expect(decodeBmp1(f.subarray(0, f.length - 1))).toBeUndefined();
    expect(decodeBmp1(bytes("PK"))).toBeUndefined();
    expect(() => encodeBmp1({ ...TEN_BY_THREE, width: 0 })).toThrow(RangeError);
  });
});

describe("DOWNLOAD / PUTBMP / KILL", () => {
  it("are the manual's lines, byte for byte; names are 8.3 BMP names only", () => {
    expect(latin1(encodeTsplDownload("G0.BMP", bytes("AB\r\n")))).toBe(
      'DOWNLOAD "G0.BMP",4,AB\r\n\r\n',
    );
    expect(latin1(encodeTsplPutBmp(12, 34, "G0.BMP"))).toBe('PUTBMP 12,34,"G0.BMP"\r\n');
    expect(latin1(encodeTsplKill("G0.BMP"))).toBe('KILL "G0.BMP"\r\n');
    for (const bad of ['G"0.BMP', "G0.PCX", "TOOLONGNAME.BMP", "g0.bmp"])
      expect(() => encodeTsplDownload(bad, new Uint8Array(1))).toThrow(RangeError);
    expect(() => encodeTsplPutBmp(-1, 0, "G0.BMP")).toThrow(RangeError);
  });

  it("the parser reads a DOWNLOAD's bytes by count, at every split, without interpreting them", () => {
    // The file holds what would otherwise be a PRINT line, a status request and a BITMAP head.
    const content = bytes('PRINT 1,1\r\n\x1b!?BITMAP 0,0,1,1,0,\r\nKILL "X"\r\n');
    const stream = new Uint8Array([
      ...encodeTsplDownload("G1.BMP", content),
      ...bytes('PUTBMP 5,6,"G1.BMP"\r\nPRINT 1,1\r\n'),
    ]);
    const want: TsplStreamEvent[] = [
      { type: "download", memory: undefined, name: "G1.BMP", data: content, offset: 0 },
    ];
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = createTsplStreamParser();
      const ev = [...p.push(stream.subarray(0, cut)), ...p.push(stream.subarray(cut))];
      expect(ev.slice(0, 1)).toEqual(want);
      expect(ev.slice(1).map((e) => (e.type === "command" ? e.name : e.type))).toEqual([
        "PUTBMP",
        "PRINT",
      ]);
    }
  });

  it("a memory letter is reported; an oversized DOWNLOAD is malformed and not swallowed", () => {
    const p = createTsplStreamParser();
    expect(p.push(bytes('DOWNLOAD F,"LOGO.BMP",2,ab\r\n'))).toMatchObject([
      { type: "download", memory: "F", name: "LOGO.BMP", data: bytes("ab") },
    ]);
    expect(p.push(bytes('DOWNLOAD "BIG.BMP",999999999,PRINT 1,1\r\n'))).toMatchObject([
      { type: "malformed", code: "bad_download" },
      { type: "command", name: "PRINT" },
    ]);
  });
});
