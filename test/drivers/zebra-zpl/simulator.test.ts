import { describe, expect, it } from "vitest";
import { GARBAGE_BEFORE_STATUS, createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { createHostStatusDecoder } from "../../../firmware-protocols/zpl/host-status.ts";
import { ascii, text } from "../../firmware-protocols/zpl/helpers.ts";

const F = (n: number) => ascii(`^XA^FO10,10^A0N,30,30^FH_^FDlabel ${n}^FS^XZ`);

function setup(identity?: string) {
  const replies: Uint8Array[] = [];
  const printed: Array<{ index: number; text: string }> = [];
  const sim = createZplSimulator({
    sink: {
      reply: (b) => replies.push(b),
      printed: (f) => printed.push({ index: f.index, text: text(f.bytes) }),
    },
    ...(identity !== undefined && { identity }),
  });
  const status = () => {
    replies.length = 0;
    sim.receive(ascii("~HS"));
    const d = createHostStatusDecoder();
    const events = replies.flatMap((r) => d.push(r));
    const s = events.find((e) => e.type === "status");
    return s?.type === "status" ? s : undefined;
  };
  return { sim, replies, printed, status };
}

describe("ZPL simulator", () => {
  it("prints each format with its exact bytes and a running index", () => {
    const { sim, printed } = setup();
    sim.receive(Uint8Array.from([...F(1), ...F(2)]));
    expect(printed).toEqual([
      { index: 1, text: text(F(1)) },
      { index: 2, text: text(F(2)) },
    ]);
  });

  it("answers ~HS with three framed strings (idle)", () => {
    const { status, replies } = setup();
    const s = status();
    expect(s).toMatchObject({ paperOut: false, paused: false, headUp: false, formatsInBuffer: 0 });
    expect(replies.map(text).join("")).toMatch(/^(\u0002[0-9,]+\u0003\r\n){3}$/);
  });

  it("answers ~HI with the identity string", () => {
    const { sim, replies } = setup("ZD421-300dpi,V84.20.21Z,12,8192KB");
    sim.receive(ascii("~HI"));
    expect(replies.map(text)).toEqual(["\u0002ZD421-300dpi,V84.20.21Z,12,8192KB\u0003\r\n"]);
  });

  it.each(["media_out", "head_open", "ribbon_out", "paused"] as const)(
    "holds formats during %s, counts them in ~HS, prints them in order when cleared",
    (fault) => {
      const { sim, printed, status } = setup();
      sim.setFault(fault, true);
      sim.receive(Uint8Array.from([...F(1), ...F(2)]));
      expect(printed).toEqual([]);
      const s = status();
      expect(s?.formatsInBuffer).toBe(2);
      expect(
        {
          media_out: s?.paperOut,
          head_open: s?.headUp,
          ribbon_out: s?.ribbonOut,
          paused: s?.paused,
        }[fault],
      ).toBe(true);
      sim.setFault(fault, false);
      expect(printed.map((p) => p.index)).toEqual([1, 2]);
      expect(printed[0]?.text).toBe(text(F(1)));
      expect(status()?.formatsInBuffer).toBe(0);
    },
  );

  it("prints only when the last of several faults clears", () => {
    const { sim, printed } = setup();
    sim.setFault("media_out", true);
    sim.setFault("head_open", true);
    sim.receive(F(1));
    sim.setFault("media_out", false);
    expect(printed).toEqual([]);
    sim.setFault("head_open", false);
    expect(printed).toHaveLength(1);
  });

  it("~PP pauses and ~PS resumes; ~JA cancels held formats", () => {
    const { sim, printed, status } = setup();
    sim.receive(ascii("~PP"));
    sim.receive(F(1));
    expect(status()?.paused).toBe(true);
    sim.receive(ascii("~JA"));
    expect(sim.state()).toMatchObject({ held: 0, cancelled: 1 });
    sim.receive(F(2));
    sim.receive(ascii("~PS"));
    expect(printed.map((p) => p.text)).toEqual([text(F(2))]);
  });

  it("answers ~HS in the middle of a format, reporting the partial format", () => {
    const { sim, printed, replies } = setup();
    sim.receive(ascii("^XA^FO1,1~HS"));
    const d = createHostStatusDecoder();
    const s = replies.flatMap((r) => d.push(r)).find((e) => e.type === "status");
    expect(s).toMatchObject({ partialFormat: true });
    sim.receive(ascii("^XZ"));
    expect(printed.map((p) => p.text)).toEqual(["^XA^FO1,1^XZ"]);
  });

  it("stays silent on ~HS when told to", () => {
    const { sim, replies } = setup();
    sim.setSilent(true);
    sim.receive(ascii("~HS~HI"));
    expect(replies).toEqual([]);
    sim.setSilent(false);
    sim.receive(ascii("~HS"));
    expect(replies.length).toBeGreaterThan(0);
  });

  it("garbage fault: junk before the next ~HS reply only", () => {
    const { sim, replies, status } = setup();
    sim.setFault("garbage", true);
    expect(sim.state().garbagePending).toBe(true);
    sim.receive(ascii("~HS"));
    expect(replies[0]).toEqual(GARBAGE_BEFORE_STATUS);
    // A decoder still finds the real reply after the junk.
    const d = createHostStatusDecoder();
    const events = replies.flatMap((r) => d.push(r));
    expect(events.filter((e) => e.type === "malformed").length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "status")).toHaveLength(1);
    expect(sim.state().garbagePending).toBe(false);
    expect(status()).toBeDefined();
  });

  it("counts malformed input and keeps working", () => {
    const { sim, printed } = setup();
    sim.receive(ascii("junk"));
    sim.receive(F(1));
    expect(sim.state()).toMatchObject({ malformed: 1, printed: 1 });
    expect(printed).toHaveLength(1);
  });

  it("reports buffer full once the receive buffer holds its capacity", () => {
    const replies: Uint8Array[] = [];
    const sim = createZplSimulator({
      sink: { reply: (b) => replies.push(b), printed: () => undefined },
      bufferCapacity: 2,
    });
    sim.setFault("paused", true);
    sim.receive(Uint8Array.from([...F(1), ...F(2), ...ascii("~HS")]));
    const d = createHostStatusDecoder();
    expect(replies.flatMap((r) => d.push(r)).find((e) => e.type === "status")).toMatchObject({
      bufferFull: true,
      formatsInBuffer: 2,
    });
  });
});
