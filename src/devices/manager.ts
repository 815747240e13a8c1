import { getDriver } from "../../drivers/index.ts";
import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { Config, DeviceConfig } from "../config/schema.ts";
import { createDeviceQueue, type DeviceQueue, type DispatcherDeps } from "../jobs/dispatcher.ts";
import type { AuditAppend, AuditEvent, DeviceEventSend } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import type { Topics } from "../mqtt/topics.ts";
import { hostDeviceSimulator, type HostedSimulator } from "../simulators/index.ts";
import { createPools, type Pools } from "./pools.ts";
import { createDeviceRuntime, type DeviceRuntime, type Quarantine } from "./runtime.ts";
import { makeTransport, type TransportBindings } from "./transport-factory.ts";
import { hostOeplDevices } from "../epaper/host.ts";
import type { OeplApSimulator } from "../simulators/oepl-ap.ts";

export interface DeviceManagerOptions {
  config: Config;
  dataDir: string;
  epoch: number;
  clock: () => number;
  logger: Logger;
  topics: Topics;
  /** Publishes JSON on a topic (dropped while the broker is not connected). */
  publish: (topic: string, payload: unknown, retain?: boolean) => void;
  event: DeviceEventSend;
  audit: AuditAppend;
  /** What every device queue needs (inbox, replies, durability, access checks). */
  queueDeps: DispatcherDeps;
  /** Library bindings for serial / USB / HID (tests inject fakes). */
  bindings?: TransportBindings;
}

/**
 * The devices of this gateway (DESIGN.md §1, issue #4): builds each configured device's
 * transport, runtime (status polling, identity check) and single-writer queue; publishes the
 * retained state document and `device.status` events on every change; quarantines a unit whose
 * identity differs from the registered one (Art. 17), alerting and auditing it; and routes pool
 * jobs, moving held ones off a faulted member.
 */
export interface DeviceManager {
  /** This gateway's id (config `gateway`). */
  readonly gateway: string;
  readonly devices: ReadonlyMap<string, DeviceRuntime>;
  readonly queues: ReadonlyMap<string, DeviceQueue>;
  readonly simulators: ReadonlyMap<string, HostedSimulator>;
  /** The simulated OpenEPaperLink AP of the `oepl` tags with `simulator: true` (fault injection). */
  readonly oeplSimulator: OeplApSimulator | undefined;
  readonly pools: Pools;
  /** The configuration of device `id`. */
  deviceConfig(id: string): DeviceConfig | undefined;
  /** The retained `device/{dev}/state` document. */
  stateDocument(id: string): Record<string, unknown> | undefined;
  /** The retained `device/{dev}/description` document. */
  description(id: string): Record<string, unknown> | undefined;
  /** The retained `gateway/{gw}/devices` document. */
  inventory(): Array<Record<string, unknown>>;
  /**
   * Hands `jobId` to `device`'s queue. `pool`: the job came through that pool (the inbox's
   * `pool`, given by recovery after a restart), so it may move to a healthy sibling.
   */
  enqueue(device: string, jobId: string, pool?: string): void;
  /** Publishes the state document of `id` again (after a command changed it). */
  republish(id: string): void;
  start(): void;
  stop(): Promise<void>;
}

export async function createDeviceManager(o: DeviceManagerOptions): Promise<DeviceManager> {
  const { config, logger, clock } = o;
  const simulators = new Map<string, HostedSimulator>();
  const devices = new Map<string, DeviceRuntime>();
  const queues = new Map<string, DeviceQueue>();
  const configs = new Map<string, DeviceConfig>();
  const cleanups: Array<() => Promise<void>> = [];
  const audit = (e: AuditEvent) => {
    try {
      o.audit(e);
    } catch (err) {
      logger.error({ err, action: e.action }, "audit of a device matter failed");
    }
  };

  const stateDocument = (id: string): Record<string, unknown> | undefined => {
    const rt = devices.get(id);
    if (!rt) return undefined;
    const s: DeviceSnapshot = rt.snapshot();
    const q = rt.quarantine();
    const pending = rt.identityPending?.();
    return {
      availability: q ? "quarantined" : s.reachability === "online" ? "online" : "offline",
      reachability: s.reachability,
      state: s.state,
      conditions: s.conditions,
      counters: s.counters,
      queue_length: queues.get(id)?.length ?? 0,
      hold: rt.onHold,
      ...(q && { quarantine: { reason: q.reason, since: new Date(q.since).toISOString() } }),
      ...(pending && { identity_pending: { since: new Date(pending.since).toISOString() } }),
      ...(configs.get(id)?.pool !== undefined && { pool: configs.get(id)?.pool }),
      owner: config.gateway,
      epoch: o.epoch,
      ts: new Date(clock()).toISOString(),
    };
  };
  const republish = (id: string) => o.publish(o.topics.deviceState(id), stateDocument(id), true);

  const pools = createPools({
    topics: o.topics,
    devices,
    queues,
    poolOf: (id) => configs.get(id)?.pool,
    event: o.event,
    moved: (jobId, to) => void o.queueDeps.inbox.setDevice(jobId, to, clock()),
    logger,
  });

  const onQuarantine = (dc: DeviceConfig, q: Quarantine) => {
    // Serial numbers and models identify equipment, not people: they may be logged and alerted.
    o.publish(o.topics.gatewayAlert, {
      type: "device_quarantined",
      severity: "critical",
      device: dc.id,
      reason: q.reason,
      expected: dc.identity ?? {},
      reported: q.reported ?? null,
      ts: new Date(clock()).toISOString(),
    });
    audit({ action: "device.quarantined", outcome: "rejected", device: dc.id, reason: q.reason });
    o.event(dc.id, { type: "device.quarantined", code: q.reason });
  };

  // E-paper tags behind OpenEPaperLink APs (src/epaper/host.ts): not byte-stream devices.
  const oepl = await hostOeplDevices({
    devices: config.devices,
    dataDir: o.dataDir,
    clock,
    logger,
    onChange: statusChanged,
  });
  cleanups.push(oepl.close);
  for (const rt of oepl.runtimes) {
    configs.set(rt.id, oepl.configs.get(rt.id)!);
    devices.set(rt.id, rt);
    queues.set(
      rt.id,
      createDeviceQueue(rt, oepl.configs.get(rt.id)!.confirm_timeout_ms, o.queueDeps),
    );
  }

  for (const dc of config.devices) {
    if (dc.transport.type === "oepl") continue;
    configs.set(dc.id, dc);
    const driver = getDriver(dc.driver);
    let port: number | undefined;
    if (dc.simulator && dc.transport.type === "tcp") {
      const sim = await hostDeviceSimulator({
        device: { ...dc, transport: dc.transport },
        driver,
        dataDir: o.dataDir,
        logger,
      });
      simulators.set(dc.id, sim);
      cleanups.push(() => sim.close());
      port = sim.port;
    }
    const transport = makeTransport(dc, o.bindings, port);
    const rt = createDeviceRuntime({
      id: dc.id,
      driver,
      profile: {
        dpi: dc.profile.dpi,
        widthMm: dc.profile.width_mm,
        heightMm: dc.profile.height_mm,
        ...(dc.profile.cjk_font !== undefined && { cjkFont: dc.profile.cjk_font }),
      },
      transport,
      statusPollMs: dc.status_poll_ms,
      statusTimeoutMs: dc.status_timeout_ms,
      clock,
      logger,
      ...(dc.identity !== undefined && { expectedIdentity: dc.identity }),
      identityTimeoutMs: dc.identity_timeout_s * 1000,
      onQuarantine: (q) => {
        onQuarantine(dc, q);
        republish(dc.id);
        pools.rebalance(dc.id);
      },
      onQuarantineLifted: () => {
        audit({ action: "device.status", outcome: "ok", device: dc.id, reason: "identity_ok" });
        republish(dc.id);
        pools.rebalance(dc.id);
      },
      onChange: (now, before) => statusChanged(dc, now, before),
    });
    devices.set(dc.id, rt);
    queues.set(dc.id, createDeviceQueue(rt, dc.confirm_timeout_ms, o.queueDeps));
  }

  function statusChanged(dc: DeviceConfig, now: DeviceSnapshot, before: DeviceSnapshot): void {
    republish(dc.id);
    o.event(dc.id, {
      type: "device.status",
      reachability: now.reachability,
      state: now.state,
      conditions: now.conditions,
      was: before.reachability,
    });
    audit({
      action: "device.status",
      outcome: now.reachability === "online" && now.conditions.length === 0 ? "ok" : "error",
      device: dc.id,
      reason: [now.reachability, ...now.conditions].join("+"),
    });
    pools.rebalance(dc.id);
  }

  return {
    gateway: config.gateway,
    devices,
    deviceConfig: (id) => configs.get(id),
    queues,
    simulators,
    oeplSimulator: oepl.simulator,
    pools,
    stateDocument,
    description(id) {
      const rt = devices.get(id);
      if (!rt) return undefined;
      return {
        driver: rt.driver.id,
        model: configs.get(id)?.model ?? "",
        capabilities: rt.driver.capabilities,
        job_kinds: rt.driver.jobKinds,
        profile: rt.profile,
        transport: configs.get(id)?.transport.type,
      };
    },
    inventory: () =>
      config.devices.map((d) => ({
        id: d.id,
        driver: d.driver,
        model: d.model,
        transport: d.transport.type,
        ...(d.pool !== undefined && { pool: d.pool }),
        owner: config.gateway,
      })),
    enqueue: (device, jobId, pool) => {
      if (pool !== undefined) pools.markPoolJob(jobId);
      queues.get(device)?.enqueue(jobId);
      pools.placed(device, jobId);
    },
    republish,
    start() {
      for (const rt of devices.values()) rt.start();
    },
    async stop() {
      await Promise.all([...queues.values()].map((q) => q.stop()));
      await Promise.all([...devices.values()].map((d) => d.stop()));
      for (const c of cleanups.reverse()) await c();
    },
  };
}
