import { describe, expect, it } from "vitest";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import type { Transport } from "../../../drivers/transport.ts";
import { createDeviceRuntime } from "../../../src/devices/runtime.ts";
import { silentLogger } from "../../../src/log.ts";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";

function setup(expectedIdentity?: { serial: string }) {
  const quarantines: string[] = [];
  let lifted = 0;
  const ref: { m?: ReturnType<typeof createMemoryTransport> } = {};
  const sim = createZplSimulator({
    serialNumber: "99J204600001",
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
    onQuarantine: (q) => quarantines.push(q.reason),
    onQuarantineLifted: () => lifted++,
  });
  return { rt, sim, m, opens: () => opens, quarantines, lifted: () => lifted };
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

  it("quarantines an unreadable identity and lifts it when a later poll reads the registered unit", async () => {
    const { rt, sim, quarantines, lifted } = setup({ serial: "99J204600001" });
    sim.setSilent(true);
    await rt.queryStatus();
    expect(quarantines).toEqual(["identity_unreadable"]);
    expect(rt.quarantine()?.reason).toBe("identity_unreadable");
    sim.setSilent(false);
    await rt.queryStatus();
    expect(rt.quarantine()).toBeUndefined();
    expect(lifted()).toBe(1);
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
