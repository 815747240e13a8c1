import type { Db } from "../db/open.ts";
import { migrate } from "../db/open.ts";
import type { Logger } from "../log.ts";
import type { Mqtt5Properties } from "./connection.ts";

/**
 * The durable outbox (DESIGN.md §2, issue "nothing lost"): replies, job events, alerts and
 * checkpoints are stored before they are published, drained in order with a bounded in-flight
 * window whenever the broker is connected, and deleted once the broker acknowledged them (PUBACK).
 * A broker outage therefore loses none of them; after a reconnect the backlog goes out in order.
 * Delivery is at-least-once: a message in flight when the connection broke is sent again, so
 * consumers treat replies as idempotent (keyed by `job_id` and `status`).
 */
export interface Outbox {
  /**
   * Stores one message (durably, through `commit` when given) and publishes it once stored.
   * Messages are published in the order they were enqueued.
   */
  enqueue(topic: string, payload: string, retain?: boolean, properties?: Mqtt5Properties): void;
  /** Starts draining now (e.g. after a reconnect); also runs after every enqueue. */
  kick(): void;
  /** Messages stored and not yet acknowledged. */
  pending(): number;
  /** Waits until the backlog is empty or `timeoutMs` passed; resolves with what is left. */
  flush(timeoutMs: number): Promise<number>;
  stop(): void;
}

export interface OutboxOptions {
  db: Db;
  /**
   * Runs database writes durably (the gateway's group commit): inserts and deletes share the
   * batch fsync of the job's other writes instead of paying one each. Without it, each write is
   * its own autocommit transaction.
   */
  commit?: <T>(fn: () => T) => Promise<T>;
  publish(
    topic: string,
    payload: string,
    retain: boolean,
    properties?: Mqtt5Properties,
  ): Promise<void>;
  isConnected(): boolean;
  logger: Logger;
  /** Unacknowledged publishes at once (default 64). */
  window?: number;
  /** Acknowledged rows are deleted in batches every this many ms (default 20). */
  deleteEveryMs?: number;
}

const MIGRATIONS = [
  `CREATE TABLE outbox (
     id      INTEGER PRIMARY KEY AUTOINCREMENT,
     topic   TEXT NOT NULL,
     payload TEXT NOT NULL,
     retain  INTEGER NOT NULL
   ) STRICT;`,
  // MQTT 5 properties of a reply (Correlation Data, User Properties), as JSON (issue #11).
  `ALTER TABLE outbox ADD COLUMN props TEXT;`,
];

interface Row {
  id: number;
  topic: string;
  payload: string;
  retain: number;
  props: string | null;
}

export function createOutbox(o: OutboxOptions): Outbox {
  migrate(o.db, "outbox", MIGRATIONS);
  const window = o.window ?? 64;
  const insert = o.db.prepare(
    "INSERT INTO outbox (topic, payload, retain, props) VALUES (?, ?, ?, ?)",
  );
  const next = o.db.prepare<[number, number], Row>(
    "SELECT id, topic, payload, retain, props FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
  );
  const count = o.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox");
  const log = o.logger.child({ component: "outbox" });
  const write = o.commit ?? (<T>(fn: () => T): Promise<T> => Promise.resolve().then(fn));

  /** Highest id handed to the client in this connection; rows above it are still to send. */
  let cursor = 0;
  let inFlight = 0;
  let acked: number[] = [];
  /** Acknowledged rows whose delete has not committed yet: never sent again. */
  const deleting = new Set<number>();
  let deleteTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let draining = false;
  let wasConnected = false;
  let generation = 0;
  const idleWaiters = new Set<() => void>();

  function flushDeletes() {
    deleteTimer = undefined;
    if (acked.length === 0) return;
    const ids = acked;
    acked = [];
    write(() => {
      // One statement per chunk; chunks stay under SQLite's bound-parameter limit.
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        o.db
          .prepare(`DELETE FROM outbox WHERE id IN (${chunk.map(() => "?").join(",")})`)
          .run(...chunk);
      }
    }).then(
      () => {
        for (const id of ids) deleting.delete(id);
        if (stopped) return;
        if (inFlight === 0 && pendingRows() === 0) for (const w of idleWaiters) w();
      },
      (e: unknown) => {
        // Left in the table, the rows go out again after the next reconnect: a duplicate, not a loss.
        for (const id of ids) deleting.delete(id);
        log.warn({ err: e, rows: ids.length }, "could not delete acknowledged outbox rows");
      },
    );
  }

  function pendingRows(): number {
    return count.get()?.n ?? 0;
  }

  function drain() {
    if (stopped || draining) return;
    const connected = o.isConnected();
    if (!connected) {
      wasConnected = false;
      return;
    }
    if (!wasConnected) {
      // A new connection: everything not acknowledged is sent again, in order. Publishes of the
      // old connection that still settle later belong to an old generation and are ignored.
      wasConnected = true;
      generation++;
      if (deleteTimer) clearTimeout(deleteTimer);
      flushDeletes();
      cursor = 0;
      inFlight = 0;
    }
    draining = true;
    try {
      while (inFlight < window && o.isConnected()) {
        const rows = next.all(cursor, window - inFlight);
        if (rows.length === 0) break;
        for (const r of rows) {
          cursor = r.id;
          if (deleting.has(r.id)) continue;
          inFlight++;
          const gen = generation;
          const props = r.props === null ? undefined : decodeProperties(r.props);
          o.publish(r.topic, r.payload, r.retain === 1, props).then(
            () => {
              acked.push(r.id);
              deleting.add(r.id);
              deleteTimer ??= setTimeout(flushDeletes, o.deleteEveryMs ?? 20);
              if (gen !== generation) return;
              inFlight--;
              drain();
            },
            () => {
              // The connection broke; the row is still stored and goes out after the reconnect.
              if (gen !== generation) return;
              inFlight--;
              wasConnected = false;
            },
          );
        }
      }
    } finally {
      draining = false;
    }
  }

  return {
    enqueue(topic, payload, retain = false, properties) {
      if (stopped) {
        // Only while the gateway shuts down; the state that made it is stored with the job.
        log.warn({ topic }, "outbox stopped; message not stored");
        return;
      }
      const props = properties === undefined ? null : encodeProperties(properties);
      write(() => insert.run(topic, payload, retain ? 1 : 0, props)).then(drain, (e: unknown) => {
        // The database failing is when the audit_unavailable alert and the refusals must still
        // go out: published without being stored (best effort, outside the stored order).
        log.error({ err: e, topic }, "could not store an outgoing message; publishing it unstored");
        if (o.isConnected())
          o.publish(topic, payload, retain, properties).catch((e2: unknown) =>
            log.warn({ err: e2, topic }, "unstored publish failed"),
          );
      });
    },
    kick() {
      wasConnected = false;
      drain();
    },
    pending: pendingRows,
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (deleteTimer) {
          clearTimeout(deleteTimer);
          flushDeletes();
        }
        if (pendingRows() === 0) return 0;
        drain();
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 20);
          idleWaiters.add(() => {
            clearTimeout(t);
            resolve();
          });
        });
        idleWaiters.clear();
      }
      return pendingRows();
    },
    stop() {
      stopped = true;
      if (deleteTimer) {
        clearTimeout(deleteTimer);
        flushDeletes();
      }
    },
  };
}

/** Stored form of the properties: Correlation Data (binary) as base64. */
function encodeProperties(p: Mqtt5Properties): string {
  const { correlationData, ...rest } = p;
  return JSON.stringify({
    ...rest,
    ...(correlationData !== undefined && { correlationData: correlationData.toString("base64") }),
  });
}

function decodeProperties(s: string): Mqtt5Properties {
  const v = JSON.parse(s) as Omit<Mqtt5Properties, "correlationData"> & {
    correlationData?: string;
  };
  const { correlationData, ...rest } = v;
  return {
    ...rest,
    ...(correlationData !== undefined && {
      correlationData: Buffer.from(correlationData, "base64"),
    }),
  };
}
