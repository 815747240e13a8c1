import { describe, expect, it } from "vitest";
import {
  createSgdReplyDecoder,
  encodeSgdGetvar,
  encodeSgdValue,
  parseLabelCount,
  parseSgdCommand,
  SGD_TOTAL_LABEL_COUNT,
} from "../../../firmware-protocols/zpl/sgd.ts";
import { createZplStreamParser } from "../../../firmware-protocols/zpl/stream-parser.ts";
import { ascii, parseAll, text } from "./helpers.ts";

describe("SGD over the ZPL channel", () => {
  it("encodes getvar as the programming guide writes it, CR LF terminated", () => {
    expect(text(encodeSgdGetvar(SGD_TOTAL_LABEL_COUNT))).toBe(
      '! U1 getvar "odometer.total_label_count"\r\n',
    );
    expect(() => encodeSgdGetvar('x" "y')).toThrow(RangeError);
    expect(() => encodeSgdGetvar("Odometer")).toThrow(RangeError);
  });

  it("parses the device side: getvar, setvar, do; anything else is not SGD", () => {
    expect(parseSgdCommand('! U1 getvar "odometer.total_label_count"')).toEqual({
      verb: "getvar",
      name: "odometer.total_label_count",
    });
    expect(parseSgdCommand('! U1 setvar "device.languages" "zpl"')).toEqual({
      verb: "setvar",
      name: "device.languages",
      value: "zpl",
    });
    expect(parseSgdCommand('! U1 getvar "a" "b"')).toBeUndefined();
    expect(parseSgdCommand('! U1 setvar "a"')).toBeUndefined();
    expect(parseSgdCommand("! U1 getvar odometer")).toBeUndefined();
    expect(parseSgdCommand("!junk")).toBeUndefined();
  });

  it("the stream parser takes an SGD line out of the stream between formats, split anywhere", () => {
    const stream = ascii('^XA^FDa^FS^XZ! U1 getvar "odometer.total_label_count"\r\n~HS^XA^XZ');
    const whole = parseAll(stream);
    expect(whole.map((e) => e.type)).toEqual(["format", "sgd", "control", "format"]);
    expect(whole[1]).toEqual({
      type: "sgd",
      line: '! U1 getvar "odometer.total_label_count"',
      offset: 13,
    });
    for (let cut = 1; cut < stream.length; cut++) {
      const p = createZplStreamParser();
      const events = [...p.push(stream.subarray(0, cut)), ...p.push(stream.subarray(cut))];
      expect(events, `cut at ${cut}`).toEqual(whole);
    }
  });

  it("a ! inside a format is field data, not SGD", () => {
    const f = "^XA^FDHello!^FS^XZ";
    expect(parseAll(ascii(f))).toEqual([{ type: "format", bytes: ascii(f), offset: 0 }]);
  });

  it("decodes quoted replies split at every offset, skipping status frames and noise", () => {
    const stream = ascii('\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n"31084"\r\n"NO TAG FOUND"');
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = createSgdReplyDecoder();
      const events = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(events, `cut at ${cut}`).toEqual([
        { type: "value", value: "31084" },
        { type: "value", value: "NO TAG FOUND" },
      ]);
    }
    expect(text(encodeSgdValue("31084"))).toBe('"31084"');
  });

  it("a line end inside quotes drops the half reply; an endless one is reported", () => {
    const d = createSgdReplyDecoder();
    expect(d.push(ascii('"12\r\n"7"'))).toEqual([{ type: "value", value: "7" }]);
    const long = createSgdReplyDecoder().push(ascii(`"${"9".repeat(300)}`));
    expect(long).toEqual([{ type: "malformed", code: "value_too_long", offset: 0 }]);
  });

  it("a label count is digits only", () => {
    expect(parseLabelCount("31084")).toBe(31084);
    expect(parseLabelCount(" 0 ")).toBe(0);
    expect(parseLabelCount("?")).toBeUndefined();
    expect(parseLabelCount("1e3")).toBeUndefined();
    expect(parseLabelCount("")).toBeUndefined();
  });
});
