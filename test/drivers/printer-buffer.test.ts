import { describe, expect, it } from "vitest";
import {
  createPrinterBuffer,
  createReplyChannel,
  switchFault,
} from "../../drivers/printer-buffer.ts";

describe("reply channel of the printer simulators", () => {
  it("sends nothing while silent and a fresh copy of the junk before one reply when garbage is armed", () => {
    const sent: number[][] = [];
    const junk = Uint8Array.of(0xff, 0x00);
    const c = createReplyChannel((b) => sent.push([...b]), junk);
    c.reply(Uint8Array.of(1));
    c.setSilent(true);
    c.reply(Uint8Array.of(2));
    c.setSilent(false);
    c.setGarbage(true);
    c.reply(Uint8Array.of(3));
    c.reply(Uint8Array.of(4));
    expect(sent).toEqual([[1], [0xff, 0x00], [3], [4]]);
    c.setGarbage(true);
    c.setGarbage(false);
    c.reply(Uint8Array.of(5));
    expect(sent.at(-1)).toEqual([5]);
    expect(junk).toEqual(Uint8Array.of(0xff, 0x00));
  });

  it("a silent printer keeps an armed garbage for its next spoken reply", () => {
    const sent: number[][] = [];
    const c = createReplyChannel((b) => sent.push([...b]), Uint8Array.of(9));
    c.setGarbage(true);
    c.setSilent(true);
    c.reply(Uint8Array.of(1));
    c.setSilent(false);
    c.reply(Uint8Array.of(2));
    expect(sent).toEqual([[9], [2]]);
  });
});

describe("receive buffer of the printer simulators", () => {
  function setup() {
    let stopped = false;
    const out: string[] = [];
    const b = createPrinterBuffer({
      stopped: () => stopped,
      print: (x, index) => out.push(`job ${x[0]} #${index}`),
      reply: (x) => out.push(`reply ${x[0]}`),
    });
    return { b, out, stop: (on: boolean) => (stopped = on) };
  }

  it("passes straight through while the printer runs", () => {
    const { b, out } = setup();
    b.job(Uint8Array.of(1));
    b.reply(Uint8Array.of(2));
    expect(out).toEqual(["job 1 #1", "reply 2"]);
    expect(b.heldJobs()).toBe(0);
    expect(b.printed()).toBe(1);
  });

  it("keeps jobs and replies in order while stopped, counts only jobs, works through them when running again", () => {
    const { b, out, stop } = setup();
    stop(true);
    b.job(Uint8Array.of(1));
    b.reply(Uint8Array.of(2));
    b.job(Uint8Array.of(3));
    b.flush();
    expect(out).toEqual([]);
    expect(b.heldJobs()).toBe(2);
    stop(false);
    b.flush();
    expect(out).toEqual(["job 1 #1", "reply 2", "job 3 #2"]);
    expect(b.heldJobs()).toBe(0);
    expect(b.printed()).toBe(2);
  });

  it("a reply waits behind kept jobs even when the printer runs, until the buffer is worked through", () => {
    const { b, out, stop } = setup();
    stop(true);
    b.job(Uint8Array.of(1));
    stop(false);
    b.reply(Uint8Array.of(2));
    expect(out).toEqual([]);
    b.flush();
    expect(out).toEqual(["job 1 #1", "reply 2"]);
  });

  it("stops working through when the printer stops again, and clear() forgets what is kept", () => {
    let n = 0;
    let stopped = true;
    const out: number[] = [];
    const b = createPrinterBuffer({
      stopped: () => stopped,
      print: (x) => {
        out.push(x[0]!);
        if (++n === 1) stopped = true; // a fault right after the first job
      },
      reply: () => undefined,
    });
    b.job(Uint8Array.of(1));
    b.job(Uint8Array.of(2));
    stopped = false;
    b.flush();
    expect(out).toEqual([1]);
    expect(b.heldJobs()).toBe(1);
    b.clear();
    stopped = false;
    b.flush();
    expect(out).toEqual([1]);
    expect(b.heldJobs()).toBe(0);
  });
});

describe("switchFault", () => {
  it("garbage arms the channel and changes no fault; other conditions are raised and cleared", () => {
    const sent: number[][] = [];
    const c = createReplyChannel((b) => sent.push([...b]), Uint8Array.of(7));
    const faults = new Set<"media_out" | "head_open">();
    expect(switchFault(faults, c, "garbage", true)).toBe(false);
    expect(faults.size).toBe(0);
    expect(switchFault(faults, c, "media_out", true)).toBe(true);
    expect(switchFault(faults, c, "head_open", true)).toBe(true);
    expect(switchFault(faults, c, "media_out", false)).toBe(true);
    expect([...faults]).toEqual(["head_open"]);
    c.reply(Uint8Array.of(1));
    expect(sent).toEqual([[7], [1]]);
  });
});
