import { describe, expect, it } from "vitest";
import { isPrintable } from "../../../drivers/snapshot.ts";
import {
  MAX_STATUS_REPLY_BYTES,
  ZPL_STATUS_PROTOCOL,
  zplStatusQuery,
} from "../../../drivers/zebra-zpl/status.ts";
import {
  encodeHostStatus,
  idleHostStatus,
  type HostStatus,
} from "../../../firmware-protocols/zpl/host-status.ts";
import { ascii, text } from "../../firmware-protocols/zpl/helpers.ts";

const AT = 1_764_489_600_000;
const frame = (s: string): Uint8Array => Uint8Array.from([0x02, ...ascii(s), 0x03, 0x0d, 0x0a]);
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

/** Real ZT410 capture: media out, paused, ribbon out (reference/device-protocols.md §1.2). */
const ZT410_CAPTURE = cat(
  frame("030,1,1,1225,000,0,0,0,000,0,0,0"),
  frame("001,0,0,1,1,2,6,0,00000000,1,000"),
  frame("1234,0"),
);

const read = (...chunks: Uint8Array[]) => {
  const r = zplStatusQuery.createReader(AT);
  let out;
  for (const c of chunks) out = r.push(c);
  return out;
};
const snapOf = (s: Partial<HostStatus>) => read(encodeHostStatus({ ...idleHostStatus(), ...s }));

describe("zebra-zpl status query", () => {
  it("sends ~HS", () => {
    expect(text(zplStatusQuery.request)).toBe("~HS");
  });

  it("maps the real ZT410 capture: media out, paused, ribbon out → error, raw kept", () => {
    expect(read(ZT410_CAPTURE)).toEqual({
      reachability: "online",
      state: "error",
      conditions: ["media_out", "paused", "ribbon_out"],
      counters: { formatsInBuffer: 0, labelsRemaining: 0 },
      raw: {
        protocol: ZPL_STATUS_PROTOCOL,
        text: "030,1,1,1225,000,0,0,0,000,0,0,0\n001,0,0,1,1,2,6,0,00000000,1,000\n1234,0",
        at: AT,
      },
    });
  });

  it("idle printer → ready and printable", () => {
    const s = snapOf({});
    expect(s).toMatchObject({ reachability: "online", state: "ready", conditions: [] });
    expect(s !== undefined && isPrintable(s)).toBe(true);
  });

  it.each<[string, Partial<HostStatus>, string[], string]>([
    ["paper out", { paperOut: true }, ["media_out"], "error"],
    ["pause", { paused: true }, ["paused"], "paused"],
    ["head up", { headUp: true }, ["head_open"], "error"],
    ["ribbon out", { ribbonOut: true }, ["ribbon_out"], "error"],
    ["buffer full", { bufferFull: true, formatsInBuffer: 12 }, ["buffer_full"], "busy"],
    ["over temperature", { overTemperature: true }, ["head_over_temp"], "error"],
    ["under temperature", { underTemperature: true }, ["head_under_temp"], "ready"],
    ["corrupt RAM", { corruptRam: true }, ["corrupt_ram"], "error"],
    ["paused with head up", { paused: true, headUp: true }, ["head_open", "paused"], "error"],
    ["formats in buffer", { formatsInBuffer: 2 }, [], "busy"],
    ["labels remaining", { labelsRemaining: 5 }, [], "busy"],
  ])("%s", (_name, s, conditions, state) => {
    expect(snapOf(s)).toMatchObject({ reachability: "online", conditions, state });
  });

  it("keeps the counters", () => {
    expect(snapOf({ formatsInBuffer: 3, labelsRemaining: 7 })?.counters).toEqual({
      formatsInBuffer: 3,
      labelsRemaining: 7,
    });
  });

  it("returns the snapshot exactly when the reply completes, at any split", () => {
    const full = read(ZT410_CAPTURE);
    for (let i = 1; i < ZT410_CAPTURE.length; i++) {
      const r = zplStatusQuery.createReader(AT);
      const first = r.push(ZT410_CAPTURE.subarray(0, i));
      // The last string ends with ETX CR LF: complete from the ETX on.
      expect(first === undefined).toBe(i < ZT410_CAPTURE.length - 2);
      expect(r.push(ZT410_CAPTURE.subarray(i))).toEqual(full);
    }
  });

  it("skips junk before the reply (resynchronizes on STX)", () => {
    expect(read(Uint8Array.of(0x00, 0xff, 0x02, 0x39), ZT410_CAPTURE)).toMatchObject({
      state: "error",
      conditions: ["media_out", "paused", "ribbon_out"],
    });
  });

  it("a frame that is not a ~HS string → protocol_error with the raw bytes escaped", () => {
    expect(read(frame("PRINTER STATUS"))).toEqual({
      reachability: "online",
      state: "error",
      conditions: ["protocol_error"],
      counters: {},
      raw: { protocol: ZPL_STATUS_PROTOCOL, text: "\\x02PRINTER STATUS\\x03\\x0d\\x0a", at: AT },
    });
  });

  it("endless junk without a reply → protocol_error after the byte budget", () => {
    const r = zplStatusQuery.createReader(AT);
    expect(r.push(new Uint8Array(MAX_STATUS_REPLY_BYTES - 1).fill(0x41))).toBeUndefined();
    expect(r.push(Uint8Array.of(0x41))).toMatchObject({ conditions: ["protocol_error"] });
  });

  it("an incomplete reply is undefined (the caller's timeout makes it no-response)", () => {
    expect(read(ZT410_CAPTURE.subarray(0, 40))).toBeUndefined();
  });
});
