import { describe, expect, it } from "vitest";
import { unzlibSync } from "fflate";
import {
  base64Decode,
  base64Encode,
  crc16Xmodem,
  decodeGraphicData,
  encodeB64,
  encodeDownloadGraphic,
  encodeZ64,
} from "../../../firmware-protocols/zpl/graphics.ts";
import { ascii, text } from "./helpers.ts";

describe("ZPL graphic data (reference §1.1, B64/Z64)", () => {
  it("CRC-16/XMODEM has the catalogue check value", () => {
    expect(crc16Xmodem(ascii("123456789"))).toBe(0x31c3);
  });

  it("reproduces the reference examples byte for byte", () => {
    // `:B64:////AA==:7d71` — 16×2 px, row 0 black, row 1 left half black.
    expect(encodeB64(Uint8Array.of(0xff, 0xff, 0xff, 0x00))).toBe(":B64:////AA==:7d71");
    // `^GFA,4,4,2,:Z64:eJz7//8/AwAI+wL+:a934`: the CRC covers the base64 text.
    const z = decodeGraphicData(":Z64:eJz7//8/AwAI+wL+:a934");
    expect(z.type).toBe("z64");
    if (z.type === "z64") expect([...unzlibSync(z.deflated)]).toEqual([0xff, 0xff, 0xff, 0x00]);
    expect(encodeZ64(base64Decode("eJz7//8/AwAI+wL+") ?? new Uint8Array())).toBe(
      ":Z64:eJz7//8/AwAI+wL+:a934",
    );
  });

  it("refuses a bad CRC, bad base64 and ACS letters", () => {
    expect(decodeGraphicData(":Z64:eJz7//8/AwAI+wL+:a935")).toEqual({
      type: "malformed",
      code: "bad_crc",
    });
    expect(decodeGraphicData(":B64:////A=:0000").type).toBe("malformed");
    expect(decodeGraphicData("FFGFF")).toEqual({ type: "malformed", code: "unsupported" });
    expect(decodeGraphicData("FFFFFF00")).toEqual({
      type: "hex",
      raw: Uint8Array.of(0xff, 0xff, 0xff, 0),
    });
  });

  it("base64 round-trips every length", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(base64Decode(base64Encode(bytes))).toEqual(bytes);
      expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString("base64"));
    }
  });

  it("~DG names a graphic in printer memory and carries the data as given", () => {
    const data = encodeB64(Uint8Array.of(0xff, 0xff, 0xff, 0x00));
    expect(text(encodeDownloadGraphic("R:G0.GRF", 4, 2, data))).toBe(`~DGR:G0.GRF,4,2,${data}`);
    expect(() => encodeDownloadGraphic("R:G0^XZ.GRF", 4, 2, data)).toThrow(RangeError);
    expect(() => encodeDownloadGraphic("R:G0.GRF", 4, 2, "~JA")).toThrow(RangeError);
  });
});
