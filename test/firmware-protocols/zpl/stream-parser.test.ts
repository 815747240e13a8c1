import { describe, expect, it } from "vitest";
import {
  createZplStreamParser,
  type ZplStreamEvent,
} from "../../../firmware-protocols/zpl/stream-parser.ts";
import { ascii, parseAll, prng, text, utf8 } from "./helpers.ts";

const F1 = "^XA^CI28^FO10,10^A0N,30,30^FH_^FDSF1234567890123^FS^XZ";
const F2 = "^XA^FO20,20^GB100,2,2^FS^XZ";

/** A readable projection of events for assertions. */
const show = (events: ZplStreamEvent[]): unknown[] =>
  events.map((e) => {
    switch (e.type) {
      case "format":
        return ["format", text(e.bytes), e.offset];
      case "control":
        return ["control", e.command, e.params, e.offset, e.inFormat];
      case "sgd":
        return ["sgd", e.line, e.offset];
      case "malformed":
        return ["malformed", e.code, e.offset];
    }
  });

describe("ZPL stream parser: formats", () => {
  it("emits one format with its exact bytes", () => {
    const bytes = utf8("^XA^CI28^FO10,10^FH_^FD张*_5E^FS^XZ");
    expect(parseAll(bytes)).toEqual([{ type: "format", bytes, offset: 0 }]);
  });

  it("splits back-to-back formats, ignoring white space between them", () => {
    expect(show(parseAll(ascii(`${F1}\r\n ${F2}\n`)))).toEqual([
      ["format", F1, 0],
      ["format", F2, F1.length + 3],
    ]);
  });

  it("keeps white space and line breaks inside a format", () => {
    const f = "^XA\n^FO1,1\r\n^XZ";
    expect(show(parseAll(ascii(f)))).toEqual([["format", f, 0]]);
  });

  it("matches ^XA / ^XZ case-insensitively and keeps the bytes as sent", () => {
    expect(show(parseAll(ascii("^xa^FO1,1^xz")))).toEqual([["format", "^xa^FO1,1^xz", 0]]);
  });

  it("drops a format interrupted by ^XA and keeps the new one", () => {
    expect(show(parseAll(ascii("^XA^FO1,1^XA^FO2,2^XZ")))).toEqual([
      ["malformed", "unterminated_format", 0],
      ["format", "^XA^FO2,2^XZ", 9],
    ]);
  });

  it("discards a format larger than maxFormatBytes", () => {
    const p = createZplStreamParser({ maxFormatBytes: 30 });
    expect(show(p.push(ascii(`^XA${"x".repeat(40)}^XZ${F2}`)))).toEqual([
      ["malformed", "format_too_long", 0],
      ["format", F2, 46],
    ]);
  });

  it("reports inFormat between ^XA and ^XZ", () => {
    const p = createZplStreamParser();
    p.push(ascii("^XA^FO1"));
    expect(p.inFormat).toBe(true);
    p.push(ascii(",1^XZ"));
    expect(p.inFormat).toBe(false);
  });
});

describe("ZPL stream parser: control commands act immediately", () => {
  it("reports ~HS between formats", () => {
    expect(show(parseAll(ascii(`${F1}~HS${F2}`)))).toEqual([
      ["format", F1, 0],
      ["control", "HS", "", F1.length, false],
      ["format", F2, F1.length + 3],
    ]);
  });

  it("reports ~HS in the middle of a format and leaves it out of the format bytes", () => {
    const events = parseAll(ascii("^XA^FO10,10~HS^GB5,5,1^FS^XZ"));
    expect(show(events)).toEqual([
      ["control", "HS", "", 11, true],
      ["format", "^XA^FO10,10^GB5,5,1^FS^XZ", 0],
    ]);
  });

  it("emits a parameterless command as soon as its name is complete", () => {
    const p = createZplStreamParser();
    expect(p.push(ascii("~H"))).toEqual([]);
    expect(show(p.push(ascii("S")))).toEqual([["control", "HS", "", 0, false]]);
  });

  it("reads fixed and open parameters", () => {
    expect(show(parseAll(ascii("~HQES~JA~DGR:LOGO.GRF,4,2,FFFF00\r\n~RVE")))).toEqual([
      ["control", "HQ", "ES", 0, false],
      ["control", "JA", "", 5, false],
      ["control", "DG", "R:LOGO.GRF,4,2,FFFF00", 8, false],
      ["control", "RV", "E", 34, false],
    ]);
  });

  it("ends an open parameter list at the next prefix", () => {
    expect(show(parseAll(ascii("~SD15^XA^XZ")))).toEqual([
      ["control", "SD", "15", 0, false],
      ["format", "^XA^XZ", 5],
    ]);
  });

  it("reports a control prefix without a command name", () => {
    expect(show(parseAll(ascii("~\r\n~HS")))).toEqual([
      ["malformed", "bad_control", 0],
      ["control", "HS", "", 3, false],
    ]);
  });
});

describe("ZPL stream parser: prefix changes (^CC, ~CC, ^CT, ~CT)", () => {
  it("follows a new format prefix for the rest of the stream", () => {
    expect(show(parseAll(ascii("^XA^CC+^FO1,1+FS+XZ+XA+XZ^XA")))).toEqual([
      ["format", "^XA^CC+^FO1,1+FS+XZ", 0],
      ["format", "+XA+XZ", 19],
      ["malformed", "garbage", 25],
    ]);
  });

  it("follows a new control prefix", () => {
    expect(show(parseAll(ascii("~CT#~HS#HS")))).toEqual([
      ["control", "CT", "#", 0, false],
      ["malformed", "garbage", 4],
      ["control", "HS", "", 7, false],
    ]);
  });
});

describe("ZPL stream parser: garbage outside formats", () => {
  it("reports a run of garbage once, at its first byte", () => {
    expect(show(parseAll(ascii(`hello world${F2}`)))).toEqual([
      ["malformed", "garbage", 0],
      ["format", F2, 11],
    ]);
  });

  it("reports a format command outside a format", () => {
    expect(show(parseAll(ascii(`^FO10,10${F2}`)))).toEqual([
      ["malformed", "command_outside_format", 0],
      ["format", F2, 8],
    ]);
  });
});

describe("ZPL stream parser: chunking", () => {
  const stream = utf8(
    `junk${F1}\r\n~HS^XA^FO1,1~HQES^FH_^FD张_5E^FS^XZ~JA^CC+^FO+XA+XZ~CC^${F2}~PP~PS`,
  );
  const whole = parseAll(stream);

  it("the reference stream has the events we expect", () => {
    expect(whole.map((e) => e.type)).toEqual([
      "malformed",
      "format",
      "control",
      "control",
      "format",
      "control",
      "malformed",
      "format",
      "control",
      "format",
      "control",
      "control",
    ]);
  });

  it("gives the same events when split at every offset", () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parseAll(stream.subarray(0, i), stream.subarray(i))).toEqual(whole);
    }
  });

  it("gives the same events byte by byte and in random chunks", () => {
    expect(parseAll(...[...stream].map((b) => Uint8Array.of(b)))).toEqual(whole);
    const rnd = prng(3);
    for (let n = 0; n < 200; n++) {
      const chunks: Uint8Array[] = [];
      for (let o = 0; o < stream.length;) {
        const len = 1 + Math.floor(rnd() * 12);
        chunks.push(stream.subarray(o, o + len));
        o += len;
      }
      expect(parseAll(...chunks)).toEqual(whole);
    }
  });

  it("never throws on random bytes", () => {
    const rnd = prng(9);
    const p = createZplStreamParser();
    for (let n = 0; n < 500; n++) {
      const junk = Uint8Array.from({ length: 64 }, () =>
        rnd() < 0.2 ? 0x5e : rnd() < 0.1 ? 0x7e : Math.floor(rnd() * 256),
      );
      expect(() => p.push(junk)).not.toThrow();
    }
  });
});
