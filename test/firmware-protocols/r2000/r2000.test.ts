import { describe, expect, it } from "vitest";
import { CONDITIONS } from "../../../drivers/snapshot.ts";
import {
  CMD,
  createR2000Decoder,
  describeResultCode,
  encodeFirmwareReply,
  encodeFrame,
  encodeGetFirmwareVersion,
  encodeInventoryEnd,
  encodeInventoryTag,
  encodeLock,
  encodeRealtimeInventory,
  encodeResultReply,
  encodeTagOperationReply,
  encodeWrite,
  parseInventoryReply,
  parseReadReply,
  parseWriteOrLockReply,
  R2000_RESULT_CODES,
  type R2000Event,
} from "../../../firmware-protocols/r2000/index.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(s.split(" ").map((b) => parseInt(b, 16)));
const show = (b: Uint8Array): string =>
  [...b].map((x) => x.toString(16).padStart(2, "0").toUpperCase()).join(" ");
const GIAI = hex("34 14 25 7B F4 00 00 02 DF DC 1C 35");

// Byte examples of reference/device-protocols.md §5.2 (checksums computed there).
const GOLDEN: Array<[string, Uint8Array, string]> = [
  ["get firmware", encodeGetFirmwareVersion(1), "A0 03 01 72 EA"],
  ["firmware reply v1.3", encodeFirmwareReply(1, { major: 1, minor: 3 }), "A0 05 01 72 01 03 E4"],
  [
    "reset",
    encodeFrame({ address: 1, command: CMD.RESET, data: new Uint8Array() }),
    "A0 03 01 70 EC",
  ],
  ["rt inventory x1", encodeRealtimeInventory(1, 1), "A0 04 01 89 01 D1"],
  [
    "inventory tag",
    encodeInventoryTag(1, { antenna: 1, pc: 0x3000, epc: GIAI, rssi: 0xc5 }),
    "A0 13 01 89 00 30 00 34 14 25 7B F4 00 00 02 DF DC 1C 35 C5 E4",
  ],
  [
    "inventory end",
    encodeInventoryEnd(1, { antenna: 1, readRate: 0x32, totalRead: 5 }),
    "A0 0A 01 89 00 00 32 00 00 00 05 95",
  ],
  [
    "write EPC",
    encodeWrite(1, { password: 0, bank: 1, wordAddress: 2, data: GIAI }),
    "A0 16 01 82 00 00 00 00 01 02 06 34 14 25 7B F4 00 00 02 DF DC 1C 35 D4",
  ],
  [
    "write ok",
    encodeTagOperationReply(1, CMD.WRITE, {
      tagCount: 1,
      pc: 0x3000,
      epc: GIAI,
      crc: 0x1234,
      resultCode: 0x10,
      antenna: 1,
      count: 1,
    }),
    "A0 19 01 82 00 01 10 30 00 34 14 25 7B F4 00 00 02 DF DC 1C 35 12 34 10 00 01 42",
  ],
  ["no tag", encodeResultReply(1, CMD.WRITE, 0x36), "A0 04 01 82 36 A3"],
  [
    "lock EPC",
    encodeLock(1, { password: 0x11223344, region: 3, lockType: 1 }),
    "A0 09 01 83 11 22 33 44 03 01 25",
  ],
  [
    "lock access pwd",
    encodeLock(1, { password: 0x11223344, region: 4, lockType: 1 }),
    "A0 09 01 83 11 22 33 44 04 01 24",
  ],
];

const frames = (events: R2000Event[]) =>
  events
    .filter((e) => e.type === "frame")
    .map((e) => (e.type === "frame" ? show(encodeFrame(e)) : ""));

describe("R2000 frame codec", () => {
  it.each(GOLDEN)(
    "%s: golden bytes, and the decoder gives back the same frame",
    (_n, bytes, want) => {
      expect(show(bytes)).toBe(want);
      expect(frames(createR2000Decoder().push(bytes))).toEqual([want]);
    },
  );

  it("reassembles every frame of a stream split at every offset", () => {
    const stream = Uint8Array.from(GOLDEN.flatMap(([, b]) => [...b]));
    const want = GOLDEN.map(([, , w]) => w);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = createR2000Decoder();
      const ev = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(frames(ev)).toEqual(want);
      expect(ev.some((e) => e.type === "malformed")).toBe(false);
    }
    // And one byte at a time.
    const d = createR2000Decoder();
    expect(frames([...stream].flatMap((b) => d.push(Uint8Array.of(b))))).toEqual(want);
  });

  it("skips garbage between frames and reports where", () => {
    const a = encodeGetFirmwareVersion(1);
    const b = encodeResultReply(1, CMD.WRITE, 0x36);
    const d = createR2000Decoder();
    const ev = d.push(Uint8Array.from([0x00, 0xff, 0x13, ...a, 0x55, 0x0d, ...b]));
    expect(frames(ev)).toEqual([show(a), show(b)]);
    expect(ev.filter((e) => e.type === "malformed")).toEqual([
      { type: "malformed", code: "garbage", offset: 0, length: 3 },
      { type: "malformed", code: "garbage", offset: 3 + a.length, length: 2 },
    ]);
  });

  it("drops a frame with a bad checksum and resynchronizes on the next head, even inside it", () => {
    const good = encodeResultReply(1, CMD.LOCK, 0x10);
    const bad = encodeGetFirmwareVersion(1);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    const d = createR2000Decoder();
    const ev = d.push(Uint8Array.from([...bad, ...good]));
    expect(frames(ev)).toEqual([show(good)]);
    expect(ev[0]).toEqual({ type: "malformed", code: "bad_checksum", offset: 0, length: 1 });
    // A stray head whose "length" covers the start of a real frame does not swallow it.
    const d2 = createR2000Decoder();
    const ev2 = d2.push(Uint8Array.from([0xa0, 0x05, ...good]));
    expect(frames(ev2)).toEqual([show(good)]);
  });

  it("rejects a length below 3 and keeps decoding", () => {
    const good = encodeGetFirmwareVersion(1);
    const ev = createR2000Decoder().push(Uint8Array.from([0xa0, 0x02, ...good]));
    expect(ev[0]).toEqual({ type: "malformed", code: "bad_length", offset: 0, length: 1 });
    expect(frames(ev)).toEqual([show(good)]);
  });

  it("reset() drops a frame in progress", () => {
    const d = createR2000Decoder();
    expect(d.push(hex("A0 20 01 89"))).toEqual([]);
    expect(d.pending).toBe(4);
    expect(d.reset()).toEqual([{ type: "malformed", code: "garbage", offset: 0, length: 4 }]);
    expect(frames(d.push(encodeGetFirmwareVersion(1)))).toEqual(["A0 03 01 72 EA"]);
  });
});

describe("R2000 replies", () => {
  it("parses the write reply of the reference", () => {
    const [ev] = createR2000Decoder().push(GOLDEN[7]![1]);
    if (ev?.type !== "frame") throw new Error("no frame");
    const r = parseWriteOrLockReply(ev.data);
    expect(r).toMatchObject({
      tagCount: 1,
      pc: 0x3000,
      crc: 0x1234,
      resultCode: 0x10,
      antenna: 1,
      count: 1,
    });
    expect(show(r!.epc)).toBe(show(GIAI));
    expect(parseWriteOrLockReply(hex("36"))).toBeUndefined();
  });

  it("read replies round-trip through the builder", () => {
    const bytes = encodeTagOperationReply(1, CMD.READ, {
      tagCount: 1,
      pc: 0x3000,
      epc: GIAI,
      crc: 0xbeef,
      resultCode: 0x10,
      antenna: 2,
      count: 1,
      readData: hex("12 34 56 78"),
    });
    const [ev] = createR2000Decoder().push(bytes);
    if (ev?.type !== "frame") throw new Error("no frame");
    const r = parseReadReply(ev.data);
    expect(r && show(r.readData!)).toBe("12 34 56 78");
    expect(r && show(r.epc)).toBe(show(GIAI));
    expect(r?.antenna).toBe(2);
  });

  it("tells inventory tag records, round ends and result codes apart", () => {
    const data = (b: Uint8Array) => b.subarray(4, b.length - 1);
    expect(parseInventoryReply(data(GOLDEN[4]![1]))).toMatchObject({
      type: "tag",
      pc: 0x3000,
      rssi: 0xc5,
    });
    expect(parseInventoryReply(data(GOLDEN[5]![1]))).toEqual({
      type: "end",
      antenna: 1,
      readRate: 0x32,
      totalRead: 5,
    });
    expect(parseInventoryReply(hex("36"))).toEqual({ type: "result", code: 0x36 });
    expect(parseInventoryReply(hex("00 30"))).toBeUndefined();
  });
});

describe("R2000 result codes", () => {
  // Every code of the reference table (§5.2 "Error codes").
  const REFERENCE = [
    0x10, 0x11, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
    0x3c, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e,
    0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0xee,
  ];

  it("every code of the reference maps to a normalized condition (success to none)", () => {
    expect(R2000_RESULT_CODES.map((r) => r.code)).toEqual(REFERENCE);
    for (const r of R2000_RESULT_CODES) {
      if (r.code === 0x10) expect(r.condition).toBeUndefined();
      else expect(CONDITIONS).toContain(r.condition);
    }
  });

  it("the codes the issue names map as the reference's status model says", () => {
    expect(describeResultCode(0x36).condition).toBe("rfid_no_tag");
    expect(describeResultCode(0x40).condition).toBe("rfid_access_denied");
    expect(describeResultCode(0x22)).toMatchObject({
      condition: "rfid_antenna_missing",
      scope: "device",
    });
    expect(describeResultCode(0x20).condition).toBe("unrecoverable_error");
    expect(describeResultCode(0x53).condition).toBe("unrecoverable_error");
    expect(describeResultCode(0x99)).toMatchObject({
      condition: "protocol_error",
      name: "unknown_0x99",
    });
  });
});
