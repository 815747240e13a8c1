import { describe, expect, it } from "vitest";
import {
  CMD,
  encodeFirmwareReply,
  encodeReaderIdentifierReply,
  encodeFrame,
  encodeSetOutputPower,
  encodeResultReply,
  encodeTagOperationReply,
} from "../../../firmware-protocols/r2000/index.ts";
import { uhfR2000 } from "../../../drivers/uhf-r2000/index.ts";
import { createR2000Simulator } from "../../../drivers/uhf-r2000/simulator.ts";
import { createTagField } from "../../../drivers/rfid/tag-field.ts";

describe("uhf-r2000 status and identity (firmware version 0x72)", () => {
  it("the request is the reference's get-firmware frame (broadcast address)", () => {
    expect([...uhfR2000.status.request]).toEqual([0xa0, 0x03, 0xff, 0x72, 0xec]);
  });

  it("a version reply is online/ready; frames of other commands in between are skipped", () => {
    const r = uhfR2000.status.createReader(1000);
    const other = encodeTagOperationReply(1, CMD.WRITE, {
      tagCount: 1,
      pc: 0x3000,
      epc: new Uint8Array(12),
      crc: 0,
      resultCode: 0x10,
      antenna: 1,
      count: 1,
    });
    expect(r.push(other)).toBeUndefined();
    const reply = encodeFirmwareReply(1, { major: 1, minor: 3 });
    expect(r.push(reply.subarray(0, 3))).toBeUndefined();
    expect(r.push(reply.subarray(3))).toMatchObject({
      reachability: "online",
      state: "ready",
      conditions: [],
    });
  });

  it("a result code instead of a version maps to its condition", () => {
    const r = uhfR2000.status.createReader(1000);
    expect(r.push(encodeResultReply(1, CMD.GET_FIRMWARE_VERSION, 0x53))).toMatchObject({
      state: "error",
      conditions: ["unrecoverable_error"],
    });
  });

  it("garbage without a reply ends as protocol_error, not ok", () => {
    const r = uhfR2000.status.createReader(1000);
    expect(r.push(new Uint8Array(2048).fill(0x55))).toMatchObject({
      conditions: ["protocol_error"],
    });
  });

  it("identity: model R2000, the firmware (0x72) and the reader identifier (0x68) as serial", () => {
    // 0x68 get reader identifier: A0 03 FF 68 F6 (check = −(A0+03+FF+68) mod 256).
    expect([...uhfR2000.identity!.request]).toEqual([
      0xa0, 0x03, 0xff, 0x72, 0xec, 0xa0, 0x03, 0xff, 0x68, 0xf6,
    ]);
    const replies: Uint8Array[] = [];
    const id = Uint8Array.of(0x52, 0x32, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34);
    const sim = createR2000Simulator({
      field: createTagField(),
      firmware: { major: 2, minor: 7 },
      identifier: id,
      sink: { reply: (b) => replies.push(b), printed: () => undefined },
    });
    sim.receive(uhfR2000.identity!.request);
    expect([...replies[1]!]).toEqual([...encodeReaderIdentifierReply(1, id)]);
    expect([...replies[1]!.subarray(0, 4)]).toEqual([0xa0, 0x0f, 0x01, 0x68]);
    const r = uhfR2000.identity!.createReader();
    expect(r.push(replies[0]!)).toBeUndefined();
    expect(r.push(replies[1]!)).toEqual({
      model: "R2000",
      firmware: "2.7",
      serial: "523200000000000000001234",
    });
    // A reader without 0x68 (a result code back) still reports model and firmware.
    const r2 = uhfR2000.identity!.createReader();
    r2.push(replies[0]!);
    expect(r2.push(encodeResultReply(1, CMD.GET_READER_IDENTIFIER, 0x41))).toEqual({
      model: "R2000",
      firmware: "2.7",
    });
  });

  it("the simulator checks parameters: power out of range 0x48, unknown command 0x41", () => {
    const replies: Uint8Array[] = [];
    const sim = createR2000Simulator({
      sink: { reply: (b) => replies.push(b), printed: () => undefined },
    });
    sim.receive(encodeSetOutputPower(1, 40));
    sim.receive(encodeFrame({ address: 1, command: 0x99, data: new Uint8Array() }));
    expect(replies.map((b) => b[4])).toEqual([0x48, 0x41]);
  });
});
