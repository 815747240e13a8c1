import { describe, expect, it } from "vitest";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import type { Transport } from "../../../drivers/transport.ts";
import { escpos as escposDriver } from "../../../drivers/escpos/index.ts";
import {
  createEscposSimulator,
  type EscposSimulatorIdentity,
} from "../../../drivers/escpos/simulator.ts";
import type { ExpectedIdentity } from "../../../src/devices/identity.ts";
import { createDeviceRuntime } from "../../../src/devices/runtime.ts";
import { silentLogger } from "../../../src/log.ts";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";

function setup(
  expectedIdentity?: { serial: string },
  opts: { identityTimeoutMs?: number; serialNumber?: string } = {},
) {
  const quarantines: string[] = [];
  let lifted = 0;
  const ref: { m?: ReturnType<typeof createMemoryTransport> } = {};
  const sim = createZplSimulator({
    serialNumber: opts.serialNumber ?? "99J204600001",
    sink: { reply: (b) => ref.m?.deliver(b), printed: () => undefined },
  });
  const m = createMemoryTransport({ receive: (c) => sim.receive(c) });
  ref.m = m;
  let opens = 0;
  const inner = m.transport;
  const transport: Transport = {
    get describe() {
      return inner.describe;
    },
    get isOpen() {
      return inner.isOpen;
    },
    open: () => {
      opens++;
      return inner.open();
    },
    write: (b) => inner.write(b),
    close: () => inner.close(),
    onData: (l) => inner.onData(l),
    onClose: (l) => inner.onClose(l),
  };
  const rt = createDeviceRuntime({
    id: "d1",
    driver: zebraZpl,
    profile: { dpi: 203, widthMm: 100, heightMm: 150 },
    transport,
    statusPollMs: 60_000,
    statusTimeoutMs: 100,
    clock: Date.now,
    logger: silentLogger(),
    onChange: () => undefined,
    ...(expectedIdentity && { expectedIdentity }),
    ...(opts.identityTimeoutMs !== undefined && { identityTimeoutMs: opts.identityTimeoutMs }),
    onQuarantine: (q) => quarantines.push(q.reason),
    onQuarantineLifted: () => lifted++,
  });
  return { rt, sim, m, opens: () => opens, quarantines, lifted: () => lifted };
}

/**
 * An ESC/POS runtime on a memory transport to its simulator (answering with `identity`),
 * expecting `expectedIdentity`; quarantine reasons collected in order.
 */
function setupEscpos(
  id: string,
  identity: EscposSimulatorIdentity | undefined,
  o: { expectedIdentity: ExpectedIdentity; identityTimeoutMs: number; clock?: () => number },
) {
  const ref: { m?: ReturnType<typeof createMemoryTransport> } = {};
  const sim = createEscposSimulator(
    { reply: (b) => ref.m?.deliver(b), printed: () => undefined },
    identity,
  );
  const m = createMemoryTransport({ receive: (c) => sim.receive(c) });
  ref.m = m;
  const quarantines: string[] = [];
  const rt = createDeviceRuntime({
    id,
    driver: escposDriver,
    profile: { dpi: 203, widthMm: 80, heightMm: 100 },
    transport: m.transport,
    statusPollMs: 60_000,
    statusTimeoutMs: 50,
    clock: o.clock ?? Date.now,
    logger: silentLogger(),
    onChange: () => undefined,
    expectedIdentity: o.expectedIdentity,
    identityTimeoutMs: o.identityTimeoutMs,
    onQuarantine: (q) => quarantines.push(q.reason),
  });
  return { rt, sim, quarantines };
}

describe("device runtime", () => {
  it("drops and redials a connection whose peer stopped answering, after three silent polls", async () => {
    const { rt, sim, opens } = setup();
    await rt.queryStatus();
    expect(opens()).toBe(1);
    sim.setSilent(true);
    for (let i = 0; i < 3; i++) expect((await rt.queryStatus()).reachability).toBe("no-response");
    const losses = rt.connectionLosses;
    expect(losses).toBe(1);
    sim.setSilent(false);
    expect((await rt.queryStatus()).reachability).toBe("online");
    expect(opens()).toBe(2);
    await rt.stop();
  });

  it("an unanswered identity on connect is pending (jobs held, no quarantine); a later poll reads it", async () => {
    const { rt, sim, quarantines, lifted } = setup({ serial: "99J204600001" });
    sim.setSilent(true);
    expect((await rt.queryStatus()).conditions).toContain("identity_pending");
    expect(quarantines).toEqual([]);
    expect(rt.quarantine()).toBeUndefined();
    expect(rt.identityPending?.()).toBeDefined();
    sim.setSilent(false);
    const s = await rt.queryStatus();
    expect(s.conditions).not.toContain("identity_pending");
    expect(rt.identityPending?.()).toBeUndefined();
    expect(quarantines).toEqual([]);
    expect(lifted()).toBe(0);
    await rt.stop();
  });

  it("another serial on connect is quarantined at once, without a pending wait", async () => {
    const { rt, quarantines } = setup(
      { serial: "99J204600001" },
      { identityTimeoutMs: 3_600_000, serialNumber: "99J204699999" },
    );
    const s = await rt.queryStatus();
    expect(quarantines).toEqual(["serial_mismatch"]);
    expect(rt.identityPending?.()).toBeUndefined();
    expect(s.conditions).not.toContain("identity_pending");
    await rt.stop();
  });

  it("a device whose status answers ready but whose identity stays silent is quarantined after the timeout", async () => {
    // An ESC/POS printer that supports none of GS I 67/68/65 (it ignores them) but answers
    // DLE EOT: ready, yet never identified.
    let now = 1_000_000;
    const { rt, sim, quarantines } = setupEscpos(
      "e1",
      { model: null, serial: null, firmware: null },
      { expectedIdentity: { serial: "X5SIM000001" }, identityTimeoutMs: 10_000, clock: () => now },
    );
    expect((await rt.queryStatus()).conditions).toEqual(["identity_pending"]);
    now += 9_000;
    await rt.queryStatus();
    // Out of paper for a long while: the clock only runs while the status says ready.
    sim.setFault("media_out", true);
    now += 60_000;
    expect((await rt.queryStatus()).conditions).toEqual(["identity_pending", "media_out"]);
    expect(quarantines).toEqual([]);
    sim.setFault("media_out", false);
    await rt.queryStatus();
    now += 9_999;
    await rt.queryStatus();
    expect(quarantines).toEqual([]);
    now += 1;
    const s = await rt.queryStatus();
    expect(quarantines).toEqual(["identity_unreadable"]);
    expect(rt.quarantine()?.reason).toBe("identity_unreadable");
    expect(rt.identityPending?.()).toBeUndefined();
    expect(s.conditions).toEqual([]);
    await rt.stop();
  });

  it("an ESC/POS printer out of paper at connect answers GS I only once paper is loaded: pending, then verified", async () => {
    const { rt, sim, quarantines } = setupEscpos("e2", undefined, {
      expectedIdentity: { model: "TM-T88", serial: "X5SIM000001" },
      identityTimeoutMs: 1,
    });
    sim.setFault("media_out", true);
    for (let i = 0; i < 3; i++)
      expect((await rt.queryStatus()).conditions).toEqual(["identity_pending", "media_out"]);
    // Loading paper makes the printer work through its buffer: the connect's GS I is answered
    // now, late, and its blocks must not upset the next status exchange.
    sim.setFault("media_out", false);
    const s = await rt.queryStatus();
    expect(s.conditions).toEqual([]);
    expect(s.state).toBe("ready");
    expect(rt.identityPending?.()).toBeUndefined();
    expect(quarantines).toEqual([]);
    await rt.stop();
  });

  it("another unit out of paper at connect is pending, and quarantined at once when paper shows its serial", async () => {
    const { rt, sim, quarantines } = setupEscpos(
      "e3",
      { serial: "X5SIM000666" },
      { expectedIdentity: { serial: "X5SIM000001" }, identityTimeoutMs: 3_600_000 },
    );
    sim.setFault("media_out", true);
    expect((await rt.queryStatus()).conditions).toEqual(["identity_pending", "media_out"]);
    expect(quarantines).toEqual([]);
    sim.setFault("media_out", false);
    await rt.queryStatus();
    expect(quarantines).toEqual(["serial_mismatch"]);
    expect(rt.quarantine()?.reported?.serial).toBe("X5SIM000666");
    await rt.stop();
  });

  it("a pause hold keeps waitPrintable waiting until it is released", async () => {
    const { rt } = setup();
    rt.setHold(true);
    let heldOnce = 0;
    const waiting = rt.waitPrintable(
      () => {
        heldOnce++;
        rt.setHold(false);
      },
      () => false,
    );
    await expect(waiting).resolves.toMatchObject({ reachability: "online" });
    expect(heldOnce).toBe(1);
    await rt.stop();
  });
});
