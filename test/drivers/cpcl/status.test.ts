import { describe, expect, it } from "vitest";
import { cpclStatusQuery } from "../../../drivers/cpcl/status.ts";
import { createCpclSimulator, CPCL_FAULTS } from "../../../drivers/cpcl/simulator.ts";
import { compileCpcl } from "../../../drivers/cpcl/compile.ts";
import { ACK_RESET, decodeCpclStatus } from "../../../firmware-protocols/cpcl/commands.ts";
import { ask, withSink } from "../status-helpers.ts";

describe("CPCL ESC h (reference §4)", () => {
  it("decodes the status bits; 00 is ready", () => {
    expect(decodeCpclStatus(0x00)).toEqual({
      busy: false,
      paperOut: false,
      latchOpen: false,
      batteryLow: false,
      wasReset: false,
    });
    expect(decodeCpclStatus(0x16)).toMatchObject({
      paperOut: true,
      latchOpen: true,
      wasReset: true,
    });
    expect(cpclStatusQuery.createReader(0).push(Uint8Array.of(0x00))).toMatchObject({
      state: "ready",
      conditions: [],
    });
    expect(cpclStatusQuery.createReader(0).push(Uint8Array.of(0x0a))).toMatchObject({
      state: "error",
      conditions: ["battery_low", "media_out"],
    });
    expect(cpclStatusQuery.createReader(0).push(Uint8Array.of(0xe0))).toMatchObject({
      conditions: ["protocol_error"],
    });
  });
});

describe("CPCL simulator", () => {
  const make = () => withSink(createCpclSimulator);
  const label = compileCpcl(
    { widthMm: 50, heightMm: 30, elements: [] },
    { dpi: 203, widthMm: 50, heightMm: 30 },
  );

  it.each(CPCL_FAULTS)("%s shows in ESC h; latch open and paper out hold the label", (fault) => {
    const { sim, replies, printed } = make();
    sim.setFault(fault, true);
    expect(
      cpclStatusQuery.createReader(0).push(ask(sim, replies, cpclStatusQuery.request))?.conditions,
    ).toContain(fault);
    sim.receive(label);
    expect(printed).toHaveLength(fault === "battery_low" ? 1 : 0);
    sim.setFault(fault, false);
    expect(printed).toEqual([label]);
  });

  it("answers status only outside a session; the reset bit stays until ESC N", () => {
    const { sim, replies } = make();
    sim.restart();
    sim.receive(new TextEncoder().encode("! 0 200 200 240 1\r\n"));
    expect(ask(sim, replies, cpclStatusQuery.request)).toHaveLength(0);
    sim.receive(new TextEncoder().encode("PRINT\r\n"));
    expect(replies).toEqual([0x10]);
    sim.receive(ACK_RESET);
    expect(ask(sim, replies, cpclStatusQuery.request)).toEqual(Uint8Array.of(0x00));
  });

  it("garbage is a protocol error; silence gives no reply", () => {
    const { sim, replies } = make();
    sim.setFault("garbage", true);
    expect(
      cpclStatusQuery.createReader(0).push(ask(sim, replies, cpclStatusQuery.request)),
    ).toMatchObject({
      conditions: ["protocol_error"],
    });
    sim.setSilent(true);
    expect(ask(sim, replies, cpclStatusQuery.request)).toHaveLength(0);
  });
});
