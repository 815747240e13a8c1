/**
 * The zebra-zpl driver against its simulator over the in-memory transport (STYLE.md "Tests":
 * one test per fault). The poll helper stands in for the device manager: write the request,
 * let the transport settle, and treat "no complete reply" as no-response — no sleeps.
 */
import { describe, expect, it } from "vitest";
import { noResponseSnapshot, isPrintable, type DeviceSnapshot } from "../../../drivers/snapshot.ts";
import type { DriverDefinition } from "../../../drivers/types.ts";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import { createZplSimulator, type ZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { createMemoryTransport, type MemoryTransport } from "../../../src/simulators/memory.ts";
import { PROFILE_203, WAYBILL, smallWaybillLabel } from "./fixtures.ts";

const NOW = 1_764_489_600_000;

async function setup(options: { maxChunkBytes?: number } = {}) {
  const printed: Uint8Array[] = [];
  // The simulator's replies go to the transport created just after it.
  const link: { mt?: MemoryTransport } = {};
  const sim: ZplSimulator = createZplSimulator({
    sink: {
      reply: (b) => link.mt?.deliver(b),
      printed: (f) => printed.push(f.bytes),
    },
  });
  const mt = createMemoryTransport(sim, { describe: "memory:zpl-test", ...options });
  link.mt = mt;
  await mt.transport.open();
  return { sim, mt, printed };
}

async function poll(driver: DriverDefinition, mt: MemoryTransport): Promise<DeviceSnapshot> {
  const reader = driver.status.createReader(NOW);
  let snapshot: DeviceSnapshot | undefined;
  const off = mt.transport.onData((chunk) => {
    snapshot ??= reader.push(chunk);
  });
  try {
    await mt.transport.write(driver.status.request);
    await mt.settled();
    return snapshot ?? noResponseSnapshot();
  } finally {
    off();
  }
}

describe("zebra-zpl driver definition", () => {
  it("is declared as data", () => {
    expect(zebraZpl).toMatchObject({
      id: "zebra-zpl",
      transports: ["tcp", "serial", "usb"],
      jobKinds: ["label.print"],
      capabilities: { thermalPrinter: { languages: ["ZPL"] } },
    });
  });
});

describe("zebra-zpl driver against its simulator (memory transport)", () => {
  it("status normal: online, ready, printable", async () => {
    const { mt } = await setup();
    const s = await poll(zebraZpl, mt);
    expect(s).toMatchObject({ reachability: "online", state: "ready", conditions: [] });
    expect(isPrintable(s)).toBe(true);
    expect(s.raw?.at).toBe(NOW);
  });

  it("paper out: media_out, error, not printable", async () => {
    const { sim, mt } = await setup();
    sim.setFault("media_out", true);
    const s = await poll(zebraZpl, mt);
    expect(s).toMatchObject({ reachability: "online", state: "error", conditions: ["media_out"] });
    expect(isPrintable(s)).toBe(false);
  });

  it("head open: head_open, error", async () => {
    const { sim, mt } = await setup();
    sim.setFault("head_open", true);
    expect(await poll(zebraZpl, mt)).toMatchObject({ state: "error", conditions: ["head_open"] });
  });

  it("ribbon out: ribbon_out, error", async () => {
    const { sim, mt } = await setup();
    sim.setFault("ribbon_out", true);
    expect(await poll(zebraZpl, mt)).toMatchObject({ state: "error", conditions: ["ribbon_out"] });
  });

  it("paused: paused state", async () => {
    const { sim, mt } = await setup();
    sim.setFault("paused", true);
    expect(await poll(zebraZpl, mt)).toMatchObject({ state: "paused", conditions: ["paused"] });
  });

  it("silent printer: no-response, never ok", async () => {
    const { sim, mt } = await setup();
    sim.setSilent(true);
    const s = await poll(zebraZpl, mt);
    expect(s).toEqual(noResponseSnapshot());
    expect(isPrintable(s)).toBe(false);
  });

  it("garbage before the reply: the real status still comes through", async () => {
    const { sim, mt } = await setup();
    sim.setFault("garbage", true);
    sim.setFault("head_open", true);
    expect(await poll(zebraZpl, mt)).toMatchObject({
      reachability: "online",
      conditions: ["head_open"],
    });
  });

  it("split reads (1 byte per chunk) reassemble", async () => {
    const { sim, mt } = await setup({ maxChunkBytes: 1 });
    sim.setFault("media_out", true);
    expect(await poll(zebraZpl, mt)).toMatchObject({ conditions: ["media_out"] });
  });

  it("prints the compiled label byte for byte", async () => {
    const { mt, printed } = await setup();
    const bytes = zebraZpl.compile(smallWaybillLabel(), PROFILE_203);
    await mt.transport.write(bytes);
    expect(printed).toEqual([bytes]);
    expect(Buffer.from(printed[0] ?? []).toString("utf8")).toContain(WAYBILL);
  });

  it("a label sent during paper out is held (busy count), printed once the paper is back", async () => {
    const { sim, mt, printed } = await setup();
    sim.setFault("media_out", true);
    await mt.transport.write(zebraZpl.compile(smallWaybillLabel(), PROFILE_203));
    expect(printed).toEqual([]);
    expect((await poll(zebraZpl, mt)).counters).toEqual({ formatsInBuffer: 1, labelsRemaining: 0 });
    sim.setFault("media_out", false);
    expect(printed).toHaveLength(1);
    expect(await poll(zebraZpl, mt)).toMatchObject({
      state: "ready",
      counters: { formatsInBuffer: 0 },
    });
  });

  it("disconnect: writes reject with device_offline", async () => {
    const { mt } = await setup();
    mt.disconnect();
    await expect(mt.transport.write(zebraZpl.status.request)).rejects.toMatchObject({
      code: "device_offline",
    });
  });
});
