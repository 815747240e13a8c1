import { describe, expect, it } from "vitest";
import {
  MAX_HOST_STATUS_FRAME,
  createHostStatusDecoder,
  encodeHostStatus,
  frameString,
  idleHostStatus,
  type HostStatus,
  type HostStatusEvent,
} from "../../../firmware-protocols/zpl/host-status.ts";
import { ascii, prng } from "./helpers.ts";

const frame = (s: string): Uint8Array => Uint8Array.from([0x02, ...ascii(s), 0x03, 0x0d, 0x0a]);
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

/**
 * Real capture: ZT410 with media out, paused and ribbon out, answering `~HS`
 * (reference/device-protocols.md §1.2, from Ladder99 `zebra-responses.txt`).
 */
const ZT410_CAPTURE = cat(
  frame("030,1,1,1225,000,0,0,0,000,0,0,0"),
  frame("001,0,0,1,1,2,6,0,00000000,1,000"),
  frame("1234,0"),
);

/** String 2 is a real ZE500 capture with the head open; strings 1 and 3 are synthetic. */
const ZE500_HEAD_OPEN = cat(
  frame("030,0,0,1225,000,0,0,0,000,0,0,0"),
  frame("001,0,1,0,1,4,6,0,00000000,1,000"),
  frame("1234,0"),
);

const decodeAll = (...chunks: Uint8Array[]): HostStatusEvent[] => {
  const d = createHostStatusDecoder();
  return chunks.flatMap((c) => d.push(c));
};

const statusOf = (events: HostStatusEvent[]) => {
  const s = events.find((e) => e.type === "status");
  if (s === undefined || s.type !== "status") throw new Error("no status event");
  return s;
};

/** The HostStatus fields of a status event (without type, offset, strings). */
const fieldsOf = (e: HostStatusEvent): HostStatus => {
  if (e.type !== "status") throw new Error("not a status event");
  const keys = Object.keys(idleHostStatus()) as Array<keyof HostStatus>;
  return Object.fromEntries(keys.map((k) => [k, e[k]])) as unknown as HostStatus;
};

describe("~HS golden: real ZT410 capture", () => {
  it("decodes every field", () => {
    const events = decodeAll(ZT410_CAPTURE);
    expect(events).toHaveLength(1);
    const s = statusOf(events);
    expect(s).toMatchObject({
      type: "status",
      offset: 0,
      communicationSettings: 30,
      paperOut: true,
      paused: true,
      labelLengthDots: 1225,
      formatsInBuffer: 0,
      bufferFull: false,
      diagnosticMode: false,
      partialFormat: false,
      corruptRam: false,
      underTemperature: false,
      overTemperature: false,
      functionSettings: 1,
      headUp: false,
      ribbonOut: true,
      thermalTransfer: true,
      printMode: 2,
      printWidthMode: 6,
      labelWaiting: false,
      labelsRemaining: 0,
      formatWhilePrinting: true,
      graphicsStored: 0,
      password: "1234",
      staticRamInstalled: false,
    });
    expect(s.strings).toEqual([
      "030,1,1,1225,000,0,0,0,000,0,0,0",
      "001,0,0,1,1,2,6,0,00000000,1,000",
      "1234,0",
    ]);
  });

  it("re-encodes byte for byte", () => {
    const fields = fieldsOf(statusOf(decodeAll(ZT410_CAPTURE)));
    expect(encodeHostStatus(fields)).toEqual(ZT410_CAPTURE);
  });

  it("ZE500 string 2: head up, applicator mode", () => {
    const s = statusOf(decodeAll(ZE500_HEAD_OPEN));
    expect(s.headUp).toBe(true);
    expect(s.ribbonOut).toBe(false);
    expect(s.printMode).toBe(4);
    const fields = fieldsOf(s);
    expect(encodeHostStatus(fields)).toEqual(ZE500_HEAD_OPEN);
  });
});

describe("~HS round trip", () => {
  const FLAGS = [
    "paperOut",
    "paused",
    "bufferFull",
    "diagnosticMode",
    "partialFormat",
    "corruptRam",
    "underTemperature",
    "overTemperature",
    "headUp",
    "ribbonOut",
    "thermalTransfer",
    "labelWaiting",
    "formatWhilePrinting",
    "staticRamInstalled",
  ] as const;

  it.each(FLAGS)("flag %s survives encode → decode", (flag) => {
    const s: HostStatus = { ...idleHostStatus(), [flag]: !idleHostStatus()[flag] };
    const back = fieldsOf(statusOf(decodeAll(encodeHostStatus(s))));
    expect(back).toEqual(s);
  });

  it("counters at their field widths survive", () => {
    const s: HostStatus = {
      ...idleHostStatus(),
      communicationSettings: 511,
      labelLengthDots: 9999,
      formatsInBuffer: 999,
      functionSettings: 255,
      printMode: 9,
      printWidthMode: 9,
      labelsRemaining: 99_999_999,
      graphicsStored: 999,
      password: "0007",
    };
    const back = fieldsOf(statusOf(decodeAll(encodeHostStatus(s))));
    expect(back).toEqual(s);
  });

  it("encoder refuses values that do not fit their field", () => {
    expect(() => encodeHostStatus({ ...idleHostStatus(), formatsInBuffer: 1000 })).toThrow(
      RangeError,
    );
    expect(() => encodeHostStatus({ ...idleHostStatus(), labelsRemaining: -1 })).toThrow(
      RangeError,
    );
    expect(() => encodeHostStatus({ ...idleHostStatus(), password: "12a4" })).toThrow(RangeError);
  });
});

describe("~HS decoder: chunking", () => {
  const whole = decodeAll(ZT410_CAPTURE);

  it("gives the same events when split at every offset", () => {
    for (let i = 0; i <= ZT410_CAPTURE.length; i++) {
      expect(decodeAll(ZT410_CAPTURE.subarray(0, i), ZT410_CAPTURE.subarray(i))).toEqual(whole);
    }
  });

  it("gives the same events byte by byte", () => {
    expect(decodeAll(...[...ZT410_CAPTURE].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it("decodes back-to-back replies with stream offsets", () => {
    const events = decodeAll(cat(ZT410_CAPTURE, ZE500_HEAD_OPEN));
    expect(events.map((e) => [e.type, e.offset])).toEqual([
      ["status", 0],
      ["status", ZT410_CAPTURE.length],
    ]);
  });
});

describe("~HS decoder: malformed input", () => {
  it("reports junk before a reply once, then resynchronizes on STX", () => {
    const events = decodeAll(cat(Uint8Array.of(0x00, 0xff, 0x41, 0x0d, 0x42), ZT410_CAPTURE));
    expect(events[0]).toEqual({ type: "malformed", code: "unexpected_byte", offset: 0 });
    expect(events[1]?.type).toBe("status");
    expect(events).toHaveLength(2);
  });

  it("drops a frame interrupted by a new STX", () => {
    const events = decodeAll(cat(Uint8Array.of(0x02, 0x39, 0x39), ZT410_CAPTURE));
    expect(events).toEqual([
      { type: "malformed", code: "unterminated_frame", offset: 3 },
      expect.objectContaining({ type: "status", offset: 3 }),
    ]);
  });

  it("rejects a frame that is not a ~HS string", () => {
    expect(decodeAll(frame("PRINTER STATUS"))).toEqual([
      { type: "malformed", code: "bad_frame", offset: 0 },
    ]);
    expect(decodeAll(frame("030,1,1,12x5,000,0,0,0,000,0,0,0"))[0]).toMatchObject({
      code: "bad_frame",
    });
    expect(decodeAll(frame("1,2,3"))[0]).toMatchObject({ code: "bad_frame" });
    expect(decodeAll(frame(""))[0]).toMatchObject({ code: "bad_frame" });
  });

  it("reports strings out of order, then decodes the next complete reply", () => {
    const tail = cat(frame("001,0,0,1,1,2,6,0,00000000,1,000"), frame("1234,0"));
    const events = decodeAll(cat(tail, ZT410_CAPTURE));
    expect(events.map((e) => (e.type === "malformed" ? e.code : e.type))).toEqual([
      "out_of_order",
      "out_of_order",
      "status",
    ]);
  });

  it("reports a reply cut short by a new string 1", () => {
    const events = decodeAll(cat(frame("030,1,1,1225,000,0,0,0,000,0,0,0"), ZT410_CAPTURE));
    expect(events.map((e) => (e.type === "malformed" ? e.code : e.type))).toEqual([
      "out_of_order",
      "status",
    ]);
  });

  it("stops an endless frame and swallows the rest until the next STX", () => {
    const long = Uint8Array.from([
      0x02,
      ...new Array<number>(MAX_HOST_STATUS_FRAME + 50).fill(0x31),
    ]);
    const events = decodeAll(cat(long, ZT410_CAPTURE));
    expect(events).toEqual([
      { type: "malformed", code: "frame_too_long", offset: MAX_HOST_STATUS_FRAME + 1 },
      expect.objectContaining({ type: "status", offset: long.length }),
    ]);
  });

  it("never throws on random bytes and always recovers", () => {
    const rnd = prng(1);
    for (let n = 0; n < 1000; n++) {
      const junk = Uint8Array.from({ length: Math.floor(rnd() * 200) }, () =>
        rnd() < 0.1 ? 0x02 : rnd() < 0.1 ? 0x03 : Math.floor(rnd() * 256),
      );
      const d = createHostStatusDecoder();
      d.push(junk);
      // After junk, a complete reply always decodes (a leading STX ends any open frame).
      const events = d.push(ZT410_CAPTURE);
      expect(events.filter((e) => e.type === "status")).toHaveLength(1);
    }
  });

  it("frameString frames a reply string", () => {
    expect(frameString("ok")).toEqual(Uint8Array.of(0x02, 0x6f, 0x6b, 0x03, 0x0d, 0x0a));
  });
});
