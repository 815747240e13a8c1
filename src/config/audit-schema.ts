import { z } from "zod";

/**
 * Configuration of the audit log and of retention (issue #7), kept apart from `schema.ts`.
 */
export const auditSchema = z
  .strictObject({
    /**
     * Hours a job's sealed payload stays in the inbox after the job finished, for reprints;
     * then it is purged and the purge audited (`payload.purged`). Default 72 (Art. 7: keep
     * personal information no longer than needed).
     */
    payload_retention_h: z.number().int().min(1).max(8760).default(72),
    /**
     * Days audit records are kept before `labelgate audit purge` (with an approval) may remove
     * them. At least 180 (Cybersecurity Law Art. 21: six months).
     */
    retention_days: z.number().int().min(180).max(36500).default(180),
    /** Longest time between signed checkpoints while records arrive, in seconds (1 … 10). */
    checkpoint_interval_s: z.number().int().min(1).max(10).default(10),
    /** Most records between signed checkpoints (1 … 1000). */
    checkpoint_records: z.number().int().min(1).max(1000).default(1000),
  })
  .default(() => ({
    payload_retention_h: 72,
    retention_days: 180,
    checkpoint_interval_s: 10,
    checkpoint_records: 1000,
  }));
