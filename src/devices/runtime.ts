import type { Transport } from "../../drivers/transport.ts";
import type { Label } from "../../drivers/label/model.ts";
import {
  createCompilerSession,
  type DeviceProfile,
  type DriverDefinition,
} from "../../drivers/types.ts";
import {
  disconnectedSnapshot,
  isPrintable,
  noResponseSnapshot,
  type DeviceSnapshot,
} from "../../drivers/snapshot.ts";
import type { Logger } from "../log.ts";

export interface DeviceRuntimeOptions {
  id: string;
  driver: DriverDefinition;
  profile: DeviceProfile;
  transport: Transport;
  statusPollMs: number;
  statusTimeoutMs: number;
  clock: () => number;
  logger: Logger;
  /** Called when reachability, state or conditions change (not for counter-only changes). */
  onChange: (now: DeviceSnapshot, before: DeviceSnapshot) => void;
}

/**
 * One device at run time: its transport, its last snapshot, and status polling. Status queries are
 * serialized (one outstanding request per device); writes go straight to the transport, which is
 * safe for protocols whose status request is an immediate command (ZPL `~HS`).
 */
export interface DeviceRuntime {
  readonly id: string;
  readonly driver: DriverDefinition;
  readonly profile: DeviceProfile;
  readonly transport: Transport;
  snapshot(): DeviceSnapshot;
  start(): void;
  stop(): Promise<void>;
  /** Asks the device for its status now (opening the connection if needed). Never rejects. */
  queryStatus(): Promise<DeviceSnapshot>;
  /**
   * The bytes of one label for this device, from its compiler session (which may leave out what
   * the device already holds, e.g. ZPL text graphics). The session is reset whenever the
   * connection drops or a write fails, since the device may have lost its memory.
   */
  compile(label: Label): Uint8Array;
  /** Writes to the device, opening the connection if needed. Rejects with `device_offline`. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Resolves with the snapshot once the device is online and free of faults; while it is not,
   * calls `onHeld` once with the blocking snapshot and polls every `retryMs`.
   */
  waitPrintable(
    onHeld: (s: DeviceSnapshot) => void,
    stopped: () => boolean,
  ): Promise<DeviceSnapshot | undefined>;
}

function sameStatus(a: DeviceSnapshot, b: DeviceSnapshot): boolean {
  return (
    a.reachability === b.reachability &&
    a.state === b.state &&
    a.conditions.join() === b.conditions.join()
  );
}

export function createDeviceRuntime(o: DeviceRuntimeOptions): DeviceRuntime {
  let current: DeviceSnapshot = disconnectedSnapshot();
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const log = o.logger.child({ device: o.id });

  function update(s: DeviceSnapshot) {
    const before = current;
    current = s;
    if (!sameStatus(before, s)) {
      log.info(
        { reachability: s.reachability, state: s.state, conditions: s.conditions },
        "device status changed",
      );
      o.onChange(s, before);
    }
  }

  const compiler = createCompilerSession(o.driver, o.profile);

  o.transport.onClose((reason) => {
    log.warn({ reason }, "device connection lost");
    compiler.reset();
    update(disconnectedSnapshot());
  });

  async function ensureOpen(): Promise<boolean> {
    if (o.transport.isOpen) return true;
    try {
      await o.transport.open();
      return true;
    } catch {
      return false;
    }
  }

  function exchange(): Promise<DeviceSnapshot> {
    return new Promise<DeviceSnapshot>((resolve) => {
      const reader = o.driver.status.createReader(o.clock());
      let done = false;
      const finish = (s: DeviceSnapshot) => {
        if (done) return;
        done = true;
        clearTimeout(t);
        unsubscribe();
        resolve(s);
      };
      const t = setTimeout(() => finish(noResponseSnapshot()), o.statusTimeoutMs);
      const unsubscribe = o.transport.onData((chunk) => {
        const s = reader.push(chunk);
        if (s) finish(s);
      });
      o.transport.write(o.driver.status.request).catch(() => finish(disconnectedSnapshot()));
    });
  }

  function queryStatus(): Promise<DeviceSnapshot> {
    const p = chain.then(async () => {
      const s = (await ensureOpen()) ? await exchange() : disconnectedSnapshot();
      update(s);
      return s;
    });
    chain = p.catch(() => undefined);
    return p;
  }

  function schedule() {
    if (!running) return;
    // ±10 % jitter keeps many devices from polling in lockstep.
    const delay = o.statusPollMs * (0.9 + Math.random() * 0.2);
    timer = setTimeout(() => {
      queryStatus()
        .finally(schedule)
        .catch(() => undefined);
    }, delay);
  }

  return {
    id: o.id,
    driver: o.driver,
    profile: o.profile,
    transport: o.transport,
    snapshot: () => current,
    start() {
      if (running) return;
      running = true;
      queryStatus()
        .finally(schedule)
        .catch(() => undefined);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await chain;
      await o.transport.close();
    },
    queryStatus,
    compile: (label) => compiler.compile(label),
    async write(bytes) {
      try {
        if (!o.transport.isOpen) await o.transport.open();
        await o.transport.write(bytes);
      } catch (e) {
        compiler.reset();
        throw e;
      }
    },
    async waitPrintable(onHeld, stopped) {
      let held = false;
      const retryMs = Math.min(o.statusPollMs, 1000);
      for (;;) {
        if (stopped()) return undefined;
        const s = await queryStatus();
        if (isPrintable(s)) return s;
        if (!held) {
          held = true;
          onHeld(s);
        }
        await new Promise((r) => setTimeout(r, retryMs));
      }
    },
  };
}
