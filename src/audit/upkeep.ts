/**
 * Record upkeep for `main.ts`: signed audit checkpoints (issue #7) and the purge of finished jobs'
 * sealed payloads, both running on timers between {@link RecordUpkeep.start} and `stop`.
 */
import type { Config } from "../config/schema.ts";
import { loadOrCreateSigningKey } from "../crypto/keys.ts";
import type { Db } from "../db/open.ts";
import { createPayloadPurger } from "../jobs/payload-purge.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import { checkpointOrigin } from "./checkpoint.ts";
import { createCheckpointer, type Checkpointer } from "./checkpointer.ts";

export interface RecordUpkeepOptions {
  readonly config: Pick<Config, "site" | "gateway" | "audit">;
  readonly db: Db;
  /** Group commit of the gateway database (`GroupCommit.commit`). */
  readonly commit: <T>(fn: () => T) => Promise<T>;
  /** Holds the checkpoint signing key. */
  readonly dataDir: string;
  readonly audit: AuditAppend;
  /** Publishes a signed checkpoint note, retained (dropped while not connected). */
  readonly publishCheckpoint: (note: string) => void;
  readonly clock: () => number;
  readonly logger: Logger;
}

export interface RecordUpkeep {
  /**
   * The checkpointer: wire `recordsAdded` to `GroupCommit.onDurable`; `latest` is published
   * again on every connect.
   */
  readonly checkpointer: Checkpointer;
  /** Starts the checkpoint and purge timers. */
  start(): void;
  /** Stops the purge, then the checkpointer (which signs a final checkpoint). */
  stop(): Promise<void>;
}

export function createRecordUpkeep(o: RecordUpkeepOptions): RecordUpkeep {
  const { config } = o;
  // Signed audit checkpoints (issue #7): every 10 s / 1,000 records / on stop, published retained.
  const checkpointer = createCheckpointer({
    db: o.db,
    commit: o.commit,
    key: loadOrCreateSigningKey(o.dataDir),
    origin: checkpointOrigin(config.site, config.gateway),
    clock: o.clock,
    logger: o.logger,
    record: () => o.audit({ action: "checkpoint.published", outcome: "ok" }),
    intervalMs: config.audit.checkpoint_interval_s * 1000,
    maxRecords: config.audit.checkpoint_records,
    publish: o.publishCheckpoint,
  });
  // Finished jobs' sealed payloads leave the inbox after audit.payload_retention_h (audited).
  const payloadPurger = createPayloadPurger({
    db: o.db,
    audit: o.audit,
    retentionMs: config.audit.payload_retention_h * 3_600_000,
    clock: o.clock,
    logger: o.logger,
  });
  return {
    checkpointer,
    start() {
      checkpointer.start();
      payloadPurger.start();
    },
    async stop() {
      payloadPurger.stop();
      await checkpointer.stop();
    },
  };
}
