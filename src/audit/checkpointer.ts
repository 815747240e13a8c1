/**
 * The checkpoint service of a running gateway: signs a checkpoint of the audit log at least every
 * `intervalMs` (default 10 s) while records arrive, as soon as `maxRecords` (default 1,000) records
 * have been added since the last one, as a heartbeat every `heartbeatMs` (default 60 s) when idle,
 * and on shutdown (reference A.5 T3). Each one is stored in `audit_checkpoints` and handed to
 * `publish` (retained on `{base}/{site}/gateway/{gw}/audit/checkpoint`).
 *
 * A checkpoint must never commit to records that could still vanish in a power cut (it would
 * later make an intact log look truncated), so the head is read, and the checkpoint row written,
 * inside a group-commit batch, and the note is published only after that batch is durable.
 */
import type { SigningKey } from "../crypto/keys.ts";
import type { Db } from "../db/open.ts";
import type { Logger } from "../log.ts";
import { signCheckpoint } from "./checkpoint.ts";
import { GENESIS_HASH } from "./encoding.ts";

export interface CheckpointerOptions {
  readonly db: Db;
  /** Group commit of the gateway database (`GroupCommit.commit`). */
  readonly commit: <T>(fn: () => T) => Promise<T>;
  readonly key: SigningKey;
  /** `checkpointOrigin(site, gateway)`. */
  readonly origin: string;
  readonly clock: () => number;
  readonly publish: (note: string) => void;
  /**
   * Appends the `checkpoint.published` record (DESIGN.md §5 matters); it runs in the checkpoint's
   * batch, before the head is read, so the checkpoint covers its own record.
   */
  readonly record?: () => void;
  readonly logger: Logger;
  readonly intervalMs?: number;
  readonly maxRecords?: number;
  readonly heartbeatMs?: number;
}

export interface Checkpointer {
  /** Starts the timer. */
  start(): void;
  /** Tells it records became durable (wire to `GroupCommit.onDurable`). */
  recordsAdded(): void;
  /** Signs, stores and publishes a checkpoint of the current head now; returns the note. */
  checkpointNow(): Promise<string>;
  /** The latest signed note (to publish again after a reconnect), if any. */
  latest(): string | undefined;
  /** Stops the timer and signs a final checkpoint. */
  stop(): Promise<void>;
}

export function createCheckpointer(o: CheckpointerOptions): Checkpointer {
  const intervalMs = o.intervalMs ?? 10_000;
  const maxRecords = o.maxRecords ?? 1_000;
  const heartbeatMs = o.heartbeatMs ?? 60_000;
  const log = o.logger.child({ component: "audit-checkpoint" });
  const headStmt = o.db
    .prepare<[], [number, string]>("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    .raw(true);
  const lastStmt = o.db.prepare<[], { size: number; ts: string; note: string }>(
    "SELECT size, ts, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1",
  );
  const storeStmt = o.db.prepare<[number, string, string, string]>(
    "INSERT OR REPLACE INTO audit_checkpoints (size, hash, ts, note) VALUES (?, ?, ?, ?)",
  );
  const last = lastStmt.get();
  let lastSize = last?.size ?? -1;
  let lastAt = last === undefined ? 0 : Date.parse(last.ts);
  let latestNote = last?.note;
  let running: Promise<string> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const head = (): [number, string] => headStmt.get() ?? [0, GENESIS_HASH];

  function checkpointNow(): Promise<string> {
    // One at a time; a request during a running one gets that one's result, then a fresh one.
    const run = (running ?? Promise.resolve(""))
      .catch(() => "")
      .then(() =>
        o.commit(() => {
          o.record?.();
          const [size, hash] = head();
          const ms = o.clock();
          const time = new Date(ms).toISOString();
          const note = signCheckpoint({ origin: o.origin, size, hash, time }, o.key);
          storeStmt.run(size, hash, time, note);
          return { note, size, ms };
        }),
      )
      .then(({ note, size, ms }) => {
        lastSize = size;
        lastAt = ms;
        latestNote = note;
        o.publish(note);
        return note;
      });
    running = run;
    const clear = () => {
      if (running === run) running = undefined;
    };
    // Both branches handled here; the caller handles the rejection of `run` itself.
    run.then(clear, clear);
    return run;
  }

  function tryCheckpoint(): void {
    checkpointNow().catch((e: unknown) => log.error({ err: e }, "checkpoint failed"));
  }

  return {
    start() {
      timer = setInterval(() => {
        const [size] = head();
        if (size !== lastSize || o.clock() - lastAt >= heartbeatMs) tryCheckpoint();
      }, intervalMs);
      timer.unref();
    },
    recordsAdded() {
      if (running !== undefined) return;
      if (head()[0] - lastSize >= maxRecords) tryCheckpoint();
    },
    checkpointNow,
    latest: () => latestNote,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await checkpointNow().catch((e: unknown) => log.error({ err: e }, "final checkpoint failed"));
    },
  };
}
