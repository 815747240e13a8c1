import type { Transport } from "../../drivers/transport.ts";
import type { Label } from "../../drivers/label/model.ts";
import {
  createCompilerSession,
  type DeviceIdentity,
  type DeviceProfile,
  type DriverDefinition,
} from "../../drivers/types.ts";
import {
  disconnectedSnapshot,
  isPrintable,
  noResponseSnapshot,
  type DeviceSnapshot,
} from "../../drivers/snapshot.ts";
import { CodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { compareIdentity, type ExpectedIdentity, type IdentityMismatch } from "./identity.ts";

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
  /**
   * The registered identity (Art. 17). When set and the driver can read an identity, every new
   * connection is checked before anything else is sent; a mismatch quarantines the device.
   */
  expectedIdentity?: ExpectedIdentity;
  /**
   * How long (ms) a device may answer its status as ready while its identity stays unanswered
   * before it is quarantined `identity_unreadable`. Until then it is `identity_pending`: jobs
   * are held and the identity is asked again after every ready status (default 180 000).
   */
  identityTimeoutMs?: number;
  /**
   * Called when quarantine begins: a connect finds another unit (at once), or the identity stayed
   * unanswered past `identityTimeoutMs` while the status answered ready.
   */
  onQuarantine?: (q: Quarantine) => void;
  /** Called when a later connect finds the registered unit again. */
  onQuarantineLifted?: () => void;
}

/**
 * A new connection whose identity has not been read yet (no reply to the identity query): the
 * device is not quarantined, but takes no job either. `readySince` is when its status first
 * answered ready (printable) since the last poll that did not; the timeout runs from there.
 */
export interface IdentityPending {
  since: number;
  readySince: number | undefined;
}

/** Why a device takes no jobs: its identity did not match the registered one. */
export interface Quarantine {
  reason: IdentityMismatch;
  reported: DeviceIdentity | undefined;
  since: number;
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
  /** Reads the device's identity now; undefined when the driver has none or no reply came. */
  identify(): Promise<DeviceIdentity | undefined>;
  /**
   * Reads the device's lifetime label count now (the driver's `labelCounter`), serialized with
   * the status polls; undefined when the driver has none, no valid reply came within the status
   * timeout, or the device is quarantined (another unit's counter proves nothing). Absent on
   * runtimes that are not byte streams.
   */
  readLabelCounter?(): Promise<number | undefined>;
  /** Set while the device's identity does not match the registered one: no jobs go to it. */
  quarantine(): Quarantine | undefined;
  /**
   * Set while the identity of the current connection is unanswered (shown as the condition
   * `identity_pending` in the snapshot): no jobs go to it, and no alert is raised yet.
   */
  identityPending?(): IdentityPending | undefined;
  /** An operator hold (`pause` command): jobs wait as for a fault until it is released. */
  setHold(on: boolean): void;
  readonly onHold: boolean;
  /**
   * Counts lost connections. A print is confirmed only on the connection that carried its bytes:
   * after a reconnect the device's buffer may be empty because the bytes were lost on the way.
   */
  readonly connectionLosses: number;
  /**
   * The bytes of one label for this device, from its compiler session (which may leave out what
   * the device already holds, e.g. ZPL text graphics). The session is reset whenever the
   * connection drops or a write fails, since the device may have lost its memory.
   */
  compile(label: Label): Uint8Array;
  /**
   * Runs `fn` with the device to itself (a `test_print`): a job that comes to the device meanwhile
   * waits in `waitPrintable` (not held) until `fn` settles. Only one such run at a time.
   */
  exclusive?<T>(fn: () => Promise<T>): Promise<T>;
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

/** Consecutive unanswered status requests after which the connection is dropped and redialled. */
const NO_RESPONSE_RECONNECT = 3;
const MAX_BACKOFF_FACTOR = 8;
/** Default of `identityTimeoutMs` (config `identity_timeout_s`, 180 s). */
export const DEFAULT_IDENTITY_TIMEOUT_MS = 180_000;

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

  let connectionLosses = 0;
  let failures = 0;
  let noResponses = 0;
  /**
   * Label writes started, finished, and known to have arrived whole (a status reply on the same
   * connection came after them). A connection that drops with a write not known whole may have
   * left a partial format in the printer: the next connection cancels it first.
   */
  let writesStarted = 0;
  let writesDone = 0;
  let writesSettled = 0;
  let cancelOnOpen = false;
  const connectionDropped = () => {
    if (writesStarted > writesSettled) cancelOnOpen = true;
    writesSettled = writesStarted;
  };

  o.transport.onClose((reason) => {
    connectionLosses++;
    connectionDropped();
    log.warn({ reason }, "device connection lost");
    compiler.reset();
    update(disconnectedSnapshot());
  });

  /**
   * Opens the transport; after a drop mid-label, the driver's cancel-partial-format command
   * (ZPL `~JX`) goes first, before identity, status or the next label.
   */
  async function openTransport(): Promise<void> {
    await o.transport.open();
    const cancel = o.driver.cancelPartialFormat;
    if (cancelOnOpen && cancel !== undefined) {
      await o.transport.write(cancel);
      log.info("partial format cancelled after the connection dropped mid-label");
    }
    cancelOnOpen = false;
  }

  let quarantined: Quarantine | undefined;
  let pending: IdentityPending | undefined;
  const identityTimeoutMs = o.identityTimeoutMs ?? DEFAULT_IDENTITY_TIMEOUT_MS;
  /** The snapshot as published: the driver's, with `identity_pending` while the check waits. */
  const withIdentity = (s: DeviceSnapshot): DeviceSnapshot =>
    pending === undefined || quarantined !== undefined
      ? s
      : { ...s, conditions: [...s.conditions, "identity_pending" as const].sort() };
  let hold = false;
  /** Settles when the current {@link DeviceRuntime.exclusive} run ends. */
  let exclusiveRun: Promise<void> | undefined;

  async function ensureOpen(): Promise<boolean> {
    if (o.transport.isOpen) return true;
    try {
      await openTransport();
    } catch {
      return false;
    }
    await verifyIdentity();
    return true;
  }

  function readIdentity(): Promise<DeviceIdentity | undefined> {
    const q = o.driver.identity;
    if (q === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const reader = q.createReader();
      let done = false;
      const finish = (id: DeviceIdentity | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(t);
        unsubscribe();
        resolve(id);
      };
      const t = setTimeout(() => finish(reader.end?.()), o.statusTimeoutMs);
      const unsubscribe = o.transport.onData((chunk) => {
        const id = reader.push(chunk);
        if (id) finish(id);
      });
      o.transport.write(q.request).catch(() => finish(undefined));
    });
  }

  /**
   * Set once the device showed it has no label counter: it answered the query with something
   * else than a count (a ZPL printer's `"?"` for an unknown setting), or twice in a row not at
   * all (an emulation that ignores SGD). It is not asked again until the gateway restarts, so
   * such a printer costs no time per job.
   */
  let counterUnsupported = false;
  let counterTimeouts = 0;

  function readCounter(): Promise<number | undefined> {
    const q = o.driver.labelCounter;
    if (q === undefined || counterUnsupported) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const reader = q.createReader();
      let done = false;
      const finish = (n: number | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(t);
        unsubscribe();
        resolve(n);
      };
      const t = setTimeout(() => {
        finish(undefined);
        if (++counterTimeouts >= 2) {
          counterUnsupported = true;
          log.warn("the device does not answer its label count; not asked again");
        }
        // A count that arrives after this would be read as the answer to the next request (a
        // count from before a print, taken for one after it): the connection is dropped and
        // dialled again, and any late reply goes with it.
        log.warn({ transport: o.transport.describe }, "no label count reply; reconnecting");
        connectionLosses++;
        compiler.reset();
        void o.transport.close().catch(() => undefined);
      }, o.statusTimeoutMs);
      const unsubscribe = o.transport.onData((chunk) => {
        const n = reader.push(chunk);
        if (n === undefined) return;
        if (n === "unsupported") {
          counterUnsupported = true;
          log.warn("the device has no label counter; not asked again");
          return finish(undefined);
        }
        counterTimeouts = 0;
        finish(n);
      });
      o.transport.write(q.request).catch(() => finish(undefined));
    });
  }

  const checksIdentity = o.expectedIdentity !== undefined && o.driver.identity !== undefined;

  function quarantine(reason: IdentityMismatch, reported: DeviceIdentity | undefined): void {
    const first = quarantined === undefined || quarantined.reason !== reason;
    quarantined = { reason, reported, since: quarantined?.since ?? o.clock() };
    pending = undefined;
    if (first) {
      log.warn({ reason }, "device identity differs from the registered one; quarantined");
      o.onQuarantine?.(quarantined);
    }
  }

  /**
   * On every new connection, and again while the check is pending or the device quarantined:
   * is this the registered unit? (Art. 17) A reply that differs quarantines at once. No reply
   * at all is not proof of another unit: a TSPL printer answers `~` commands only when ready
   * (TSPL PM, "Document Conventions") and an ESC/POS printer answers `GS I` only when it works
   * through its receive buffer (Epson ESC/POS references, GS I notes), which it does not while
   * offline for paper end: a genuine printer out of paper at connect stays silent. The
   * connection is then `identity_pending` (jobs held, no alert); an existing quarantine stays.
   */
  async function verifyIdentity(): Promise<void> {
    if (o.expectedIdentity === undefined || o.driver.identity === undefined) return;
    const reported = await readIdentity();
    const mismatch = compareIdentity(o.expectedIdentity, reported);
    if (mismatch === undefined) {
      if (pending) log.info("device identity read; the pending check passed");
      pending = undefined;
      if (quarantined) {
        quarantined = undefined;
        log.info("registered unit is back; quarantine lifted");
        o.onQuarantineLifted?.();
      }
      return;
    }
    if (mismatch !== "identity_unreadable") return quarantine(mismatch, reported);
    if (quarantined || pending) return;
    pending = { since: o.clock(), readySince: undefined };
    log.info("device identity unanswered; jobs held until it is read");
  }

  /**
   * After a status reply on a connection whose identity is pending: a device whose status says
   * ready is asked again; once it has been ready for `identityTimeoutMs` without answering, it is
   * quarantined `identity_unreadable` (alerted and audited by the owner). A status that is not
   * ready (a fault, no reply) restarts the clock: the silence may be the fault's.
   */
  async function retryIdentity(s: DeviceSnapshot, connectedNow: boolean): Promise<void> {
    if (!checksIdentity || (pending === undefined && quarantined === undefined)) return;
    if (!isPrintable(s)) {
      if (pending) pending.readySince = undefined;
      return;
    }
    // Asked once on this connection already (verifyIdentity on open), unless it is older.
    if (!connectedNow) await verifyIdentity();
    if (pending === undefined) return;
    const now = o.clock();
    pending.readySince ??= now;
    if (now - pending.readySince >= identityTimeoutMs) quarantine("identity_unreadable", undefined);
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
      const wasOpen = o.transport.isOpen;
      const open = await ensureOpen();
      const done = writesDone;
      const s = open ? await exchange() : disconnectedSnapshot();
      // A quarantined or pending device is asked again after every ready status: an identity
      // reply lost on a line that was still settling, paper loaded into a printer that stayed
      // silent while out, or the registered unit plugged back in ends the quarantine or the wait.
      // Not while a fault lasts: the query would only pile up in the printer's buffer.
      if (open) await retryIdentity(s, !wasOpen);
      // The reply came after those writes on this connection: they arrived whole.
      if (s.reachability === "online") writesSettled = Math.max(writesSettled, done);
      failures = s.reachability === "online" ? 0 : failures + 1;
      noResponses = s.reachability === "no-response" ? noResponses + 1 : 0;
      if (noResponses >= NO_RESPONSE_RECONNECT) {
        // A peer that stopped answering on an open connection (a TCP peer gone without a FIN, a
        // line that lost sync) is dropped and dialled again on the next poll.
        noResponses = 0;
        log.warn({ transport: o.transport.describe }, "no status replies; reconnecting");
        connectionLosses++;
        connectionDropped();
        compiler.reset();
        await o.transport.close();
      }
      const shown = withIdentity(s);
      update(shown);
      return shown;
    });
    chain = p.catch(() => undefined);
    return p;
  }

  function schedule() {
    if (!running) return;
    // ±10 % jitter keeps many devices from polling in lockstep; an unreachable device is tried
    // with exponential backoff (×2 per failed poll, at most ×8). A job waiting for the device
    // polls on its own (waitPrintable), so backoff never delays printing after recovery.
    const backoff = Math.min(2 ** failures, MAX_BACKOFF_FACTOR);
    const delay = o.statusPollMs * backoff * (0.9 + Math.random() * 0.2);
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
    identify() {
      const p = chain.then(async () => ((await ensureOpen()) ? readIdentity() : undefined));
      chain = p.catch(() => undefined);
      return p;
    },
    readLabelCounter() {
      const p = chain.then(async () =>
        (await ensureOpen()) && !quarantined && !pending ? readCounter() : undefined,
      );
      chain = p.catch(() => undefined);
      return p;
    },
    quarantine: () => quarantined,
    identityPending: () => (quarantined ? undefined : pending),
    setHold(on) {
      hold = on;
    },
    get onHold() {
      return hold;
    },
    get connectionLosses() {
      return connectionLosses;
    },
    compile: (label) => compiler.compile(label),
    async write(bytes) {
      try {
        if (!o.transport.isOpen) await openTransport();
        const n = ++writesStarted;
        await o.transport.write(bytes);
        writesDone = Math.max(writesDone, n);
      } catch (e) {
        compiler.reset();
        throw e;
      }
    },
    exclusive(fn) {
      if (exclusiveRun !== undefined)
        return Promise.reject(new CodedError("busy", "the device is running another command"));
      const p = fn();
      exclusiveRun = p.then(
        () => undefined,
        () => undefined,
      );
      void exclusiveRun.then(() => (exclusiveRun = undefined));
      return p;
    },
    async waitPrintable(onHeld, stopped) {
      let held = false;
      const retryMs = Math.min(o.statusPollMs, 1000);
      for (;;) {
        while (exclusiveRun !== undefined) await exclusiveRun;
        if (stopped()) return undefined;
        const s = await queryStatus();
        if (isPrintable(s) && !quarantined && !hold) return s;
        if (!held) {
          held = true;
          onHeld(s);
        }
        await new Promise((r) => setTimeout(r, retryMs));
      }
    },
  };
}
