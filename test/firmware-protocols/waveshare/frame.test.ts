import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CMD,
  FrameParser,
  encodeFrame,
  fillRectFrame,
  lineFrame,
  textFrame,
  type ParseEvent,
} from "../../../firmware-protocols/waveshare/index.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const frames = (ev: ParseEvent[]): string[] =>
  ev.flatMap((e) => (e.type === "frame" ? [`${e.frame.cmd}:${hex(e.frame.data)}`] : []));

describe("Waveshare UART frames (device-protocols.md §6.2)", () => {
  it("encodes the reference's examples byte for byte (parity = XOR of every previous byte)", () => {
    expect(hex(encodeFrame(CMD.HANDSHAKE))).toBe("a5000900cc33c33cac");
    expect(hex(encodeFrame(CMD.REFRESH))).toBe("a500090acc33c33ca6");
    expect(hex(textFrame(0, 0, new TextEncoder().encode("Hi")))).toBe(
      "a50010300000000048690" + "0cc33c33ca4",
    );
  });

  it("line and fill-rectangle frames carry four BE16 coordinates", () => {
    expect(hex(lineFrame(1, 2, 300, 4)).slice(0, 8 + 16)).toBe("a5001122" + "00010002012c0004");
    expect(hex(fillRectFrame(0, 0, 799, 599)).slice(6, 24)).toBe("24" + "00000000031f0257");
  });

  it("refuses NUL in text, coordinates beyond 16 bits and data beyond 1024 bytes", () => {
    expect(() => textFrame(0, 0, Uint8Array.of(0x41, 0, 0x42))).toThrow(RangeError);
    expect(() => lineFrame(0, 0, 70000, 0)).toThrow(RangeError);
    expect(() => encodeFrame(CMD.TEXT, new Uint8Array(1025))).toThrow(RangeError);
  });

  it("reassembles frames split at every offset", () => {
    const stream = Uint8Array.from([
      ...encodeFrame(CMD.HANDSHAKE),
      ...textFrame(10, 20, new TextEncoder().encode("BAG5710012")),
      ...encodeFrame(CMD.REFRESH),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = new FrameParser();
      const got = [...p.push(stream.subarray(0, cut)), ...p.push(stream.subarray(cut))];
      expect(frames(got)).toEqual([
        "0:",
        `48:000a0014${hex(new TextEncoder().encode("BAG5710012"))}00`,
        "10:",
      ]);
      expect(got.some((e) => e.type === "garbage")).toBe(false);
      expect(p.pending).toBe(0);
    }
  });

  it("skips garbage, a bad parity and a bad tail, and resynchronizes on the next frame", () => {
    const good = encodeFrame(CMD.REFRESH);
    const badParity = encodeFrame(CMD.CLEAR);
    badParity[badParity.length - 1] = (badParity[badParity.length - 1] ?? 0) ^ 0x01;
    const badTail = encodeFrame(CMD.CLEAR);
    badTail[badTail.length - 3] = 0;
    const p = new FrameParser();
    const ev = p.push(Uint8Array.from([0x00, 0xa5, 0xff, ...badParity, ...badTail, ...good]));
    expect(frames(ev)).toEqual(["10:"]);
    expect(
      ev
        .filter((e) => e.type === "garbage")
        .reduce((n, e) => n + (e.type === "garbage" ? e.bytes : 0), 0),
    ).toBe(3 + badParity.length + badTail.length);
  });

  it("any frame round-trips through the parser, also after random noise without A5", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 16 }).map((a) => a.map((b) => (b === 0xa5 ? 0 : b))),
        (cmd, data, noise) => {
          const p = new FrameParser();
          const ev = p.push(Uint8Array.from([...noise, ...encodeFrame(cmd, data)]));
          expect(frames(ev)).toEqual([`${cmd}:${hex(data)}`]);
        },
      ),
    );
  });
});
