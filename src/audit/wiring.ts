/**
 * Adapters between the audit log and the rest of the daemon, used by `main.ts`: opening the log
 * from the configuration, and the flat `AuditAppend` port of the job pipeline
 * (`src/jobs/ports.ts`) on top of {@link AuditLog.append}.
 */
import type { Keys } from "../crypto/keys.ts";
import type { Db } from "../db/open.ts";
import type { AuditAppend, AuditEvent } from "../jobs/ports.ts";
import { createAuditLog, type AuditLog } from "./log.ts";
import type { AuditAction } from "./types.ts";

/** The parts of the configuration the audit log reads (`Config` satisfies it). */
export interface AuditConfig {
  readonly site: string;
  readonly gateway: string;
  /** Where the gateway stands; `""` for none. */
  readonly area: string;
  /** Devices with where each stands, which overrides the gateway's area in their records. */
  readonly devices: readonly { readonly id: string; readonly area?: string | undefined }[];
}

/** Opens the audit log of `db` for this site and gateway (see `createAuditLog`). */
export function openAuditLog(o: {
  db: Db;
  keys: Keys;
  config: AuditConfig;
  clock: () => number;
}): AuditLog {
  return createAuditLog({
    db: o.db,
    keys: o.keys,
    site: o.config.site,
    gateway: o.config.gateway,
    clock: o.clock,
  });
}

/**
 * The job pipeline's `AuditAppend`: maps a flat event onto an audit record, filling `place.area`
 * from the event, else the device's configured area, else the gateway's. Throws what
 * `AuditLog.append` throws: CodedError `audit_unavailable` when the record could not be made
 * durable (printing must stop), or `internal` for an action, outcome or field the log refuses.
 */
export function createAuditAppend(audit: AuditLog, config: AuditConfig): AuditAppend {
  const deviceArea = new Map<string, string>();
  for (const d of config.devices)
    if (d.area !== undefined && d.area !== "") deviceArea.set(d.id, d.area);
  const gatewayArea = config.area === "" ? undefined : config.area;

  return (e: AuditEvent): void => {
    const area =
      e.area ?? (e.device === undefined ? undefined : deviceArea.get(e.device)) ?? gatewayArea;
    audit.append({
      // Unchecked here: append refuses an action outside AUDIT_ACTIONS.
      action: e.action as AuditAction,
      outcome: e.outcome,
      ...(e.reason !== undefined && { reason: e.reason }),
      place: {
        ...(area !== undefined && { area }),
        ...(e.workstation !== undefined && { workstation: e.workstation }),
      },
      actor: {
        ...(e.operator !== undefined && { operator: e.operator }),
        ...(e.client !== undefined && { client: e.client }),
      },
      target: {
        ...(e.device !== undefined && { device: e.device }),
        ...(e.jobId !== undefined && { jobId: e.jobId }),
      },
      ...(e.digest !== undefined && { digest: e.digest }),
      ...(e.waybillNo !== undefined && { waybillNo: e.waybillNo }),
    });
  };
}
