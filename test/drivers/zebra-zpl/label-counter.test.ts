/**
 * The label counter (SGD `odometer.total_label_count`, firmware-protocols/zpl/sgd.ts) between the
 * zebra-zpl driver and its simulator, and the verdict it gives on an in-doubt job
 * (src/jobs/device-verdict.ts), through a real device runtime over the in-memory transport.
 */
import { describe, expect, it } from "vitest";
import { zplLabelCounterQuery } from "../../../drivers/zebra-zpl/counter.ts";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import { createZplSimulator, type ZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { createZplRfidSimulator } from "../../../drivers/zebra-zpl/rfid-simulator.ts";
import { blankTag, createTagField } from "../../../drivers/rfid/tag-field.ts";
import { createDeviceRuntime, type DeviceRuntime } from "../../../src/devices/runtime.ts";
import { labelCounterVerdict } from "../../../src/jobs/device-verdict.ts";
import type { DispatchMark } from "../../../src/jobs/inbox.ts";
import { silentLogger } from "../../../src/log.ts";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const LABEL = ascii("^XA^FO20,20^A0N,30,30^FDSF9000000000001^FS^PQ1^XZ");

async function printer(
  labelCount?: number,
  /** Delay for quoted (SGD) replies, ms: a printer slow to answer the counter. */
  slowCount?: () => number,
): Promise<{ sim: ZplSimulator; rt: DeviceRuntime; asked: () => number }> {
  const link: { deliver?: (b: Uint8Array) => void; rt?: DeviceRuntime } = {};
  // Bytes of a connection that was closed never reach the next one (as with TCP): a reply is
  // delivered only if the runtime has not dropped the connection since it was sent.
  const connection = (): number => link.rt?.connectionLosses ?? 0;
  const sim = createZplSimulator({
    sink: {
      reply: (b) => {
        const ms = b[0] === 0x22 ? (slowCount?.() ?? 0) : 0;
        const on = connection();
        if (ms > 0) setTimeout(() => on === connection() && link.deliver?.(b), ms);
        else link.deliver?.(b);
      },
      printed: () => undefined,
    },
    ...(labelCount !== undefined && { labelCount }),
  });
  // SGD requests seen by the printer: each begins with the one `!` of `! U1 getvar`.
  let bangs = 0;
  const mt = createMemoryTransport(
    { receive: (c) => ((bangs += c.filter((b) => b === 0x21).length), sim.receive(c)) },
    { maxChunkBytes: 3 },
  );
  link.deliver = (b) => mt.deliver(b);
  const rt = createDeviceRuntime({
    id: "zpl-1",
    driver: zebraZpl,
    profile: { dpi: 203, widthMm: 100, heightMm: 150 },
    transport: mt.transport,
    statusPollMs: 60_000,
    statusTimeoutMs: 300,
    clock: Date.now,
    logger: silentLogger(),
    onChange: () => undefined,
  });
  link.rt = rt;
  return { sim, rt, asked: () => bangs };
}

const mark = (jobId: string, labelCount: number | undefined, labels = 1): DispatchMark => ({
  device: "zpl-1",
  jobId,
  labelCount,
  labels,
  at: 0,
});

describe("ZPL label counter", () => {
  it("the simulator answers the odometer in quotes from its power-on value; prints move it", async () => {
    const { sim, rt } = await printer(31_084);
    expect(await rt.readLabelCounter!()).toBe(31_084);
    sim.receive(LABEL);
    sim.receive(LABEL);
    expect(await rt.readLabelCounter!()).toBe(31_086);
    expect(sim.state().labelCount).toBe(31_086);
    // A stored format (^DF) prints nothing; a power cycle keeps the odometer.
    sim.receive(ascii("^XA^DFR:T.ZPL^FS^FO1,1^FDx^FS^XZ"));
    sim.restart();
    expect(await rt.readLabelCounter!()).toBe(31_086);
    // Held formats count once they print.
    sim.setFault("head_open", true);
    sim.receive(LABEL);
    expect(await rt.readLabelCounter!()).toBe(31_086);
    sim.setFault("head_open", false);
    expect(await rt.readLabelCounter!()).toBe(31_087);
    // A silent printer gives no count (undefined within the status timeout), never a made-up one.
    sim.setSilent(true);
    expect(await rt.readLabelCounter!()).toBeUndefined();
    await rt.stop();
  });

  it("a count that comes too late is never taken for the next request's", async () => {
    // The first reply takes 450 ms (the status timeout is 300), the second 250 ms: without care
    // the late "50" would land inside the second read and be taken as the count after the print.
    const delays = [450, 250];
    const { sim, rt } = await printer(50, () => delays.shift() ?? 0);
    expect(await rt.readLabelCounter!()).toBeUndefined();
    sim.receive(LABEL);
    expect(await rt.readLabelCounter!()).toBe(51);
    await rt.stop();
  });

  it("a printer without the counter is asked no more: `?`, or twice no answer", async () => {
    const { rt, asked } = await printer(0, () => 10_000);
    expect(await rt.readLabelCounter!()).toBeUndefined();
    expect(await rt.readLabelCounter!()).toBeUndefined();
    expect(asked()).toBe(2);
    // Not asked again.
    expect(await rt.readLabelCounter!()).toBeUndefined();
    expect(asked()).toBe(2);
    await rt.stop();
    const reader = zplLabelCounterQuery.createReader();
    expect(reader.push(ascii('"?"'))).toBe("unsupported");
    expect(zplLabelCounterQuery.createReader().push(ascii('"RFID OK""12"'))).toBe(12);
  });

  it("verdicts: exact delta → printed, none → not printed, else unknown with the reason", async () => {
    const { sim, rt } = await printer(10);
    sim.receive(LABEL);
    expect(await labelCounterVerdict(rt, "J1", mark("J1", 10), 200)).toEqual({
      kind: "printed",
      evidence: "label_count:10:11:1",
    });
    expect(await labelCounterVerdict(rt, "J1", mark("J1", 11), 200)).toEqual({
      kind: "not_printed",
      evidence: "label_count:11:11:1",
    });
    // Two labels came out for a one-label job: ambiguous.
    expect(await labelCounterVerdict(rt, "J1", mark("J1", 9), 200)).toEqual({
      kind: "unknown",
      evidence: "label_count:9:11:1",
    });
    // Another job was sent after this one, or no count was taken before it.
    expect((await labelCounterVerdict(rt, "J1", mark("J2", 10), 200)).evidence).toBe(
      "not_last_dispatch",
    );
    expect((await labelCounterVerdict(rt, "J1", undefined, 200)).evidence).toBe(
      "not_last_dispatch",
    );
    expect((await labelCounterVerdict(rt, "J1", mark("J1", undefined), 200)).evidence).toBe(
      "label_count_not_taken",
    );
    // A format still held in the buffer could print later: no verdict.
    sim.setFault("media_out", true);
    sim.receive(LABEL);
    expect((await labelCounterVerdict(rt, "J1", mark("J1", 11), 300)).evidence).toBe("device_busy");
    sim.setFault("media_out", false);
    // Half a format arrived: it may still be completed by the rest of its bytes.
    sim.receive(ascii("^XA^FO1,1^FDpart"));
    expect((await labelCounterVerdict(rt, "J1", mark("J1", 12), 300)).evidence).toBe("device_busy");
    await rt.stop();
  });

  it("an RFID printer counts every label it feeds out: VOIDs and the encoded one", () => {
    const printed: string[] = [];
    const field = createTagField([]);
    const sim = createZplRfidSimulator({
      sink: {
        reply: () => undefined,
        printed: (f) => printed.push(String.fromCharCode(...f.bytes)),
      },
      field,
      labelCount: 100,
    });
    const rfidLabel = (tries: number) =>
      ascii(
        `^XA^RS8,,,${tries}^RFW,H,,,A^FD300000000000000000000001^FS^FO20,20^FDSF9000000000002^FS^XZ`,
      );
    // No inlay under the antenna: three VOID labels, the format dropped.
    sim.receive(rfidLabel(3));
    expect(printed.filter((p) => p.includes("VOID"))).toHaveLength(3);
    expect(sim.state().labelCount).toBe(103);
    // An inlay: encoded at the first try, one label.
    field.tags.push(blankTag({ serial: 7 }));
    sim.receive(rfidLabel(3));
    expect(printed).toHaveLength(4);
    expect(sim.state().labelCount).toBe(104);
    // Every label fed out, VOID or not, is on the odometer.
    expect(sim.state().labelCount - 100).toBe(printed.length);
  });
});
