import { describe, expect, it } from "vitest";
import { concatBytes, encodePrintableAscii } from "../../firmware-protocols/bytes.ts";
import { encodeCpclLine } from "../../firmware-protocols/cpcl/commands.ts";
import { encodePrinterInfoReply } from "../../firmware-protocols/escpos/printer-info.ts";
import { encodeModelNameReply, encodeOutReply } from "../../firmware-protocols/tspl/identity.ts";

describe("encodePrintableAscii (shared by the CPCL, TSPL and ESC/POS encoders)", () => {
  it("encodes 0x20–0x7E one byte a character and appends the ending", () => {
    expect(encodePrintableAscii("A ~", [0x0d, 0x0a])).toEqual(
      Uint8Array.of(0x41, 0x20, 0x7e, 0x0d, 0x0a),
    );
    expect(encodePrintableAscii("")).toEqual(new Uint8Array(0));
    expect(encodePrintableAscii("", [0x00])).toEqual(Uint8Array.of(0x00));
  });

  it.each([
    ["\u001f", 0],
    ["ab\u007f", 2],
    ["x\r", 1],
    ["杭", 0],
    ["ok📦", 2],
  ])("refuses %j at index %i", (text, index) => {
    expect(() => encodePrintableAscii(text, [0x0d])).toThrow(
      new RangeError(`non-printable character at index ${index}`),
    );
  });

  it("gives the protocol encoders their framing", () => {
    expect(encodeCpclLine("PRINT")).toEqual(Uint8Array.of(0x50, 0x52, 0x49, 0x4e, 0x54, 13, 10));
    expect(encodeModelNameReply("TE2")).toEqual(Uint8Array.of(0x54, 0x45, 0x32, 13));
    expect(encodeOutReply("S1")).toEqual(Uint8Array.of(0x53, 0x31, 13, 10));
    expect(encodePrinterInfoReply("TM")).toEqual(Uint8Array.of(0x5f, 0x54, 0x4d, 0x00));
    expect(encodePrinterInfoReply("x".repeat(80)).length).toBe(82);
    expect(() => encodePrinterInfoReply("x".repeat(81))).toThrow(/too long/);
    // A bad character is reported before the length.
    expect(() => encodePrinterInfoReply("\n".repeat(81))).toThrow(/index 0/);
  });
});

describe("concatBytes", () => {
  it("joins the parts in order into a new array", () => {
    const a = Uint8Array.of(1, 2);
    const out = concatBytes([a, new Uint8Array(0), Uint8Array.of(3)]);
    expect(out).toEqual(Uint8Array.of(1, 2, 3));
    out[0] = 9;
    expect(a[0]).toBe(1);
    expect(concatBytes([])).toEqual(new Uint8Array(0));
  });
});
