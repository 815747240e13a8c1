/**
 * Payload retention (Art. 7 minimum retention, Art. 14 encrypted storage): the sealed envelope of
 * a finished job stays in the inbox for reprints during `payload_retention_h` (default 72 h), then
 * it is emptied; the job row (state, outcome, content hash for duplicate detection) stays. Each
 * purge that removed anything is audited in the same transaction (`payload.purged`, reason
 * `purged:<count>`), so the audit log shows when personal data left the gateway.
 */
import type { Db } from "../db/open.ts";
import type { Logger } from "../log.ts";
import type { AuditAppend } from "./ports.ts";

export interface PayloadPurgerOptions {
  readonly db: Db;
  readonly audit: AuditAppend;
  /** How long a finished job's payload is kept, in milliseconds. */
  readonly retentionMs: number;
  readonly clock: () => number;
  readonly logger: Logger;
  /** How often to purge, in milliseconds (default 10 minutes). */
  readonly intervalMs?: number;
}

export interface PayloadPurger {
  /** Empties the payloads of jobs finished before `now - retention`; returns how many. */
  purgeNow(): number;
  /** Purges now and then every `intervalMs`. */
  start(): void;
  stop(): void;
}

export function createPayloadPurger(o: PayloadPurgerOptions): PayloadPurger {
  const log = o.logger.child({ component: "payload-purge" });
  // Only finished jobs: a job still queued or held needs its payload to print.
  const purge = o.db.prepare<[number]>(
    `UPDATE jobs SET envelope = X'' WHERE length(envelope) > 0 AND updated_at < ?
       AND state IN ('done', 'failed', 'expired', 'in_doubt', 'cancelled')`,
  );
  const run = o.db.transaction((cutoff: number): number => {
    const n = purge.run(cutoff).changes;
    if (n > 0) o.audit({ action: "payload.purged", outcome: "ok", reason: `purged:${n}` });
    return n;
  });
  let timer: NodeJS.Timeout | undefined;

  function purgeNow(): number {
    const n = run.immediate(o.clock() - o.retentionMs);
    if (n > 0) log.info({ purged: n }, "job payloads purged after the retention window");
    return n;
  }

  return {
    purgeNow,
    start() {
      const tick = () => {
        try {
          purgeNow();
        } catch (e) {
          log.error({ err: e }, "payload purge failed");
        }
      };
      tick();
      timer = setInterval(tick, o.intervalMs ?? 600_000);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
