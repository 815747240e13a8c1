import { describe, expect, it } from "vitest";
import { tsplStatusQuery } from "../../../drivers/tspl/status.ts";
import { createTsplSimulator, TSPL_FAULTS } from "../../../drivers/tspl/simulator.ts";
import { compileTspl } from "../../../drivers/tspl/compile.ts";
import {
  decodeTsplStatusByte,
  createTsplExtendedStatusDecoder,
} from "../../../firmware-protocols/tspl/status.ts";
import { ask, everySplit, withSink } from "../status-helpers.ts";

const IDLE_S = Uint8Array.of(0x02, 0x40, 0x40, 0x40, 0x40, 0x03, 0x0d, 0x0a); // reference §2.2

describe("TSPL status codecs (reference §2.2 examples)", () => {
  it("decodes the ESC ! ? bytes of the manual", () => {
    expect(decodeTsplStatusByte(0x00)).toMatchObject({ paperOut: false, headOpen: false });
    expect(decodeTsplStatusByte(0x04)).toMatchObject({ paperOut: true, headOpen: false });
    expect(decodeTsplStatusByte(0x05)).toMatchObject({ paperOut: true, headOpen: true });
    expect(decodeTsplStatusByte(0x0c)).toMatchObject({ paperOut: true, ribbonOut: true });
    expect(decodeTsplStatusByte(0x10)).toMatchObject({ paused: true });
    expect(decodeTsplStatusByte(0x20)).toMatchObject({ printing: true });
  });

  it("decodes the idle ESC ! S frame and resynchronizes after junk and a bad frame", () => {
    const d = createTsplExtendedStatusDecoder();
    expect(d.push(IDLE_S)).toEqual([
      expect.objectContaining({ type: "status", message: "@", bufferFull: false }),
    ]);
    const bad = Uint8Array.of(0x41, 0x02, 0x40, 0x40, 0x40, 0x40, 0x00, 0x0d, 0x0a);
    expect(d.push(bad).map((e) => e.type)).toEqual(["malformed"]);
    expect(d.push(Uint8Array.of(0x02, 0x40, 0x48, 0x40, 0x41, 0x03, 0x0d, 0x0a))).toEqual([
      expect.objectContaining({ type: "status", bufferFull: true, paperEmpty: true }),
    ]);
  });

  it("maps the !S frame + !? byte to a snapshot, at every split", () => {
    const reply = Uint8Array.of(...IDLE_S, 0x05);
    const snaps = everySplit(tsplStatusQuery, reply);
    expect(snaps).toHaveLength(reply.length + 1);
    for (const s of snaps)
      expect(s).toMatchObject({
        reachability: "online",
        state: "error",
        conditions: ["head_open", "media_out"],
      });
  });
});

describe("TSPL simulator faults", () => {
  const make = () => withSink(createTsplSimulator);
  const expected: Record<(typeof TSPL_FAULTS)[number], string> = {
    head_open: "head_open",
    paper_jam: "paper_jam",
    media_out: "media_out",
    ribbon_out: "ribbon_out",
    paused: "paused",
    cover_open: "cover_open",
    buffer_full: "buffer_full",
  };

  it.each(TSPL_FAULTS)(
    "%s shows in the snapshot; a stopping fault holds the label until cleared",
    (fault) => {
      const { sim, replies, printed } = make();
      sim.setFault(fault, true);
      const reader = tsplStatusQuery.createReader(0);
      const snap = reader.push(ask(sim, replies, tsplStatusQuery.request));
      expect(snap?.conditions).toContain(expected[fault]);
      const label = compileTspl(
        { widthMm: 50, heightMm: 30, elements: [] },
        { dpi: 203, widthMm: 50, heightMm: 30 },
      );
      sim.receive(label);
      expect(printed).toHaveLength(fault === "buffer_full" ? 1 : 0);
      sim.setFault(fault, false);
      expect(printed).toHaveLength(1);
      expect(printed[0]).toEqual(label);
    },
  );

  it("garbage before the reply is skipped (framed !S); silence gives no reply", () => {
    const { sim, replies } = make();
    sim.setFault("garbage", true);
    const snap = tsplStatusQuery.createReader(0).push(ask(sim, replies, tsplStatusQuery.request));
    expect(snap).toMatchObject({ state: "ready", conditions: [] });
    sim.setSilent(true);
    expect(ask(sim, replies, tsplStatusQuery.request)).toHaveLength(0);
  });
});
