import { describe, expect, it } from "vitest";
import { escposStatusQuery } from "../../../drivers/escpos/status.ts";
import { createEscposSimulator, ESCPOS_FAULTS } from "../../../drivers/escpos/simulator.ts";
import { compileEscpos } from "../../../drivers/escpos/compile.ts";
import {
  decodeRealtimeReplies,
  isAsbFirstByte,
  isRealtimeReply,
} from "../../../firmware-protocols/escpos/status.ts";
import { enableAsb } from "../../../firmware-protocols/escpos/commands.ts";
import { ask, everySplit, withSink } from "../status-helpers.ts";

describe("ESC/POS status codecs (reference §3.2, §3.3 examples)", () => {
  it("reads DLE EOT 4 replies 12 (ok), 1E (near end), 72 (paper end)", () => {
    expect(decodeRealtimeReplies(0x12, 0x12, 0x12, 0x12)).toMatchObject({
      paperEnd: false,
      paperNearEnd: false,
    });
    expect(decodeRealtimeReplies(0x12, 0x12, 0x12, 0x1e)).toMatchObject({
      paperEnd: false,
      paperNearEnd: true,
    });
    expect(decodeRealtimeReplies(0x12, 0x12, 0x12, 0x72)).toMatchObject({ paperEnd: true });
    expect(decodeRealtimeReplies(0x16, 0x12, 0x12, 0x12).offline).toBe(false); // 0x16: drawer pin high
  });

  it("tells a DLE EOT reply from an ASB block by its first byte", () => {
    expect(isRealtimeReply(0x12)).toBe(true);
    expect(isAsbFirstByte(0x12)).toBe(false);
    expect(isAsbFirstByte(0x10)).toBe(true);
    expect(isAsbFirstByte(0x38)).toBe(true); // offline + cover open
  });

  it("maps four replies, with an ASB block interleaved, at every split", () => {
    const reply = Uint8Array.of(0x12, 0x38, 0x00, 0x0c, 0x00, 0x12, 0x12, 0x72);
    for (const s of everySplit(escposStatusQuery, reply))
      expect(s).toMatchObject({ state: "error", conditions: ["media_out"] });
  });

  it("skips a late GS I printer information block (5F … 00) among the replies, at every split", () => {
    // `_TM-T88VI\0` answered after paper was loaded, landing between two DLE EOT replies.
    const info = [0x5f, ...new TextEncoder().encode("TM-T88VI"), 0x00];
    const reply = Uint8Array.of(0x12, ...info, 0x12, 0x12, 0x12);
    for (const s of everySplit(escposStatusQuery, reply))
      expect(s).toMatchObject({ state: "ready", conditions: [] });
  });

  it("a byte that is neither is a protocol error, not a guess", () => {
    expect(escposStatusQuery.createReader(0).push(Uint8Array.of(0xff))).toMatchObject({
      conditions: ["protocol_error"],
    });
  });
});

describe("ESC/POS simulator faults", () => {
  const make = () => withSink(createEscposSimulator);
  const label = compileEscpos(
    { widthMm: 50, heightMm: 10, elements: [] },
    { dpi: 203, widthMm: 50, heightMm: 10 },
  );

  it.each(ESCPOS_FAULTS)("%s shows in the snapshot; a stopping fault holds the label", (fault) => {
    const { sim, replies, printed } = make();
    sim.setFault(fault, true);
    const snap = escposStatusQuery
      .createReader(0)
      .push(ask(sim, replies, escposStatusQuery.request));
    expect(snap?.conditions).toContain(fault);
    sim.receive(label);
    expect(printed).toHaveLength(fault === "media_near_end" ? 1 : 0);
    sim.setFault(fault, false);
    expect(printed).toEqual([label]);
  });

  it("pushes an ASB block when enabled and a fault changes", () => {
    const { sim, replies } = make();
    sim.receive(enableAsb(0x0f));
    sim.setFault("cover_open", true);
    expect(replies).toEqual([0x38, 0x00, 0x00, 0x00]);
  });

  it("answers GS I only once it is back online, in order with the held label", () => {
    const { sim, replies, printed } = make();
    sim.setFault("media_out", true);
    sim.receive(label);
    sim.receive(Uint8Array.of(0x1d, 0x49, 0x44)); // GS I 68: serial number
    expect(replies).toEqual([]);
    sim.setFault("media_out", false);
    expect(printed).toHaveLength(1);
    expect(String.fromCharCode(...replies)).toBe("_X5SIM000001\0");
  });

  it("garbage before the reply is a protocol error; silence gives no reply", () => {
    const { sim, replies } = make();
    sim.setFault("garbage", true);
    expect(
      escposStatusQuery.createReader(0).push(ask(sim, replies, escposStatusQuery.request)),
    ).toMatchObject({
      conditions: ["protocol_error"],
    });
    sim.setSilent(true);
    expect(ask(sim, replies, escposStatusQuery.request)).toHaveLength(0);
  });
});
