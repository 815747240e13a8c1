import { describe, expect, it } from "vitest";
import {
  MAX_FIELD_DATA_BYTES,
  beginFormat,
  encodeControlCommand,
  encodeField,
  encodeFormatCommand,
  escapeFieldData,
  mustEscapeFieldByte,
} from "../../../firmware-protocols/zpl/format.ts";
import { HOSTILE_FIELDS, ascii, decodeFields, parseAll, prng, text, utf8 } from "./helpers.ts";

describe("escapeFieldData", () => {
  it("leaves safe text untouched and sends non-ASCII as raw UTF-8", () => {
    expect(text(escapeFieldData("SF1234567890123"))).toBe("SF1234567890123");
    expect(escapeFieldData("张*")).toEqual(utf8("张*"));
    expect(text(escapeFieldData("a,b \\ c"))).toBe("a,b \\ c");
  });

  it("escapes ^ ~ _ with _XX (upper-case hex)", () => {
    expect(text(escapeFieldData("a^b~c_d"))).toBe("a_5Eb_7Ec_5Fd");
  });

  it("escapes every control byte and DEL; CRLF becomes _0D_0A", () => {
    expect(text(escapeFieldData("\r\n"))).toBe("_0D_0A");
    expect(text(escapeFieldData("\u0000\u001f\u007f"))).toBe("_00_1F_7F");
    for (let b = 0; b < 0x80; b++) {
      const out = escapeFieldData(String.fromCharCode(b));
      const expected = b < 0x20 || b === 0x7f || b === 0x5e || b === 0x7e || b === 0x5f;
      expect(mustEscapeFieldByte(b)).toBe(expected);
      expect(out.length).toBe(expected ? 3 : 1);
    }
  });

  it("output never contains a prefix or a control byte, for random hostile input", () => {
    const rnd = prng(42);
    const alphabet = [
      "^",
      "~",
      "_",
      "\r",
      "\n",
      "\u0000",
      "\u007f",
      "X",
      "Z",
      "A",
      "5",
      "E",
      "张",
      "\\",
      ",",
    ];
    for (let n = 0; n < 2000; n++) {
      let s = "";
      for (let i = 0; i < 12; i++) s += alphabet[Math.floor(rnd() * alphabet.length)] ?? "";
      const out = escapeFieldData(s);
      for (const b of out) {
        expect(b === 0x5e || b === 0x7e || b < 0x20 || b === 0x7f).toBe(false);
      }
      const f = beginFormat().field(s).end();
      expect(decodeFields(f)).toEqual([s]);
    }
  });

  it("doubles backslashes inside ^FB fields and underscores for ^BX", () => {
    expect(text(escapeFieldData("a\\&b", { fieldBlock: true }))).toBe("a\\\\&b");
    expect(text(escapeFieldData("a_b", { dataMatrixEscape: true }))).toBe("a_5F_5Fb");
  });

  it("refuses data the printer would truncate (3072 bytes after escaping)", () => {
    expect(escapeFieldData("x".repeat(MAX_FIELD_DATA_BYTES)).length).toBe(MAX_FIELD_DATA_BYTES);
    expect(() => escapeFieldData("^".repeat(1025))).toThrow(RangeError);
    expect(() => escapeFieldData("^".repeat(1025))).toThrow(/3075 bytes/);
  });
});

describe("field injection: compiled output parsed by the device-side parser", () => {
  it.each(HOSTILE_FIELDS)(
    "%j stays inside its field: one format, no control, same text",
    (hostile) => {
      const format = beginFormat()
        .command("FO", 10, 10)
        .command("A0", "N", 30, 30)
        .field(hostile)
        .end();
      const events = parseAll(format);
      expect(events).toEqual([{ type: "format", bytes: format, offset: 0 }]);
      expect(decodeFields(format)).toEqual([hostile]);
    },
  );

  it("the same content without ^FH escaping does break out (the check can fail)", () => {
    const raw = concat(ascii("^XA^FO10,10^FD"), utf8("^XZ^XA^FDx^FS~JA"), ascii("^FS^XZ"));
    const events = parseAll(raw);
    expect(events.filter((e) => e.type === "format").length).toBe(2);
    expect(events.some((e) => e.type === "control" && e.command === "JA")).toBe(true);
  });
});

describe("command builders", () => {
  it("encodeField wraps escaped data in ^FH_^FD…^FS", () => {
    expect(text(encodeField("a^b"))).toBe("^FH_^FDa_5Eb^FS");
  });

  it("encodeFormatCommand joins parameters, keeps empty inner slots, drops trailing ones", () => {
    expect(text(encodeFormatCommand("FO", 10, 20))).toBe("^FO10,20");
    expect(text(encodeFormatCommand("BX", "N", 5, 200, undefined, undefined, undefined, "_"))).toBe(
      "^BXN,5,200,,,,_",
    );
    expect(text(encodeFormatCommand("PQ", 1, undefined))).toBe("^PQ1");
    expect(text(encodeFormatCommand("XZ"))).toBe("^XZ");
    expect(text(encodeFormatCommand("BY", 2.5))).toBe("^BY2.5");
  });

  it("rejects parameters that could smuggle a prefix, a delimiter or control bytes", () => {
    for (const bad of ["E:^X", "~HS", "a,b", "a\nb", "é", " "]) {
      expect(() => encodeFormatCommand("A@", "N", 10, 10, bad)).toThrow(RangeError);
    }
    expect(() => encodeFormatCommand("FO", Number.NaN)).toThrow(RangeError);
    expect(() => encodeFormatCommand("F", 1)).toThrow(RangeError);
    expect(() => encodeFormatCommand("FO^", 1)).toThrow(RangeError);
  });

  it("encodeControlCommand builds ~ commands", () => {
    expect(text(encodeControlCommand("HS"))).toBe("~HS");
    expect(text(encodeControlCommand("HQ", "ES"))).toBe("~HQES");
    expect(() => encodeControlCommand("H")).toThrow(RangeError);
    expect(() => encodeControlCommand("HQ", "E^")).toThrow(RangeError);
  });

  it("beginFormat starts with ^XA^CI28 and cannot be reused after end()", () => {
    const b = beginFormat();
    const bytes = b.command("PW", 800).newline().end();
    expect(text(bytes)).toBe("^XA^CI28^PW800\n^XZ");
    expect(() => b.end()).toThrow();
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}
