/**
 * What the console and HTTP API need from the rest of the daemon, as small interfaces. `main.ts`
 * wires the real parts (see `wiring.ts`); the other issues' work (lockdown, clients, checkpoints)
 * plugs in here without the web layer importing their internals.
 */
import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { ApprovalStore } from "../access/approvals.ts";
import type { ClientStore } from "../access/clients.ts";
import type { LockdownStore } from "../access/lockdown.ts";
import type { OperatorStore } from "../access/operators.ts";
import type { Extract } from "../audit/export.ts";
import type { HttpConfig } from "../config/web-schema.ts";
import type { InboxJob, StoredOutcome } from "../jobs/inbox.ts";
import type { AuditAppend, Reply } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import type { AlertStore } from "./alerts.ts";
import type { WebBus } from "./bus.ts";
import type { AuditReader } from "./audit-query.ts";
import type { Metrics } from "./metrics.ts";

/** One device as the console shows it. */
export interface DeviceView {
  id: string;
  driver: string;
  model: string;
  /** `online`, `offline` or `quarantined` (the retained state document's `availability`). */
  availability: string;
  snapshot: DeviceSnapshot;
  queueLength: number;
}

export interface WebDeps {
  http: HttpConfig;
  site: string;
  gateway: string;
  clock: () => number;
  logger: Logger;
  operators: OperatorStore;
  approvals: ApprovalStore;
  /** Approval lifetime in ms (`access.approval_ttl_s`). */
  approvalTtlMs: number;
  lockdown: LockdownStore;
  /** Scanner / workstation accounts (issue #8); used for `POST /api/v1/jobs` with basic auth. */
  clients: ClientStore | undefined;
  devices: () => DeviceView[];
  jobs: {
    get(jobId: string): InboxJob | undefined;
    /** Newest first. */
    list(q: { device?: string; state?: string; limit: number }): InboxJob[];
    /** Sets the final state of an in-doubt job (the inbox's `setState`). */
    resolve(jobId: string, state: "done" | "failed", outcome: StoredOutcome): void;
  };
  /** The MQTT intake, for a job that came over HTTP (`createIntake(...).submit`). */
  submit: (device: string, payload: Uint8Array, direct: (r: Reply) => void) => Promise<void>;
  audit: AuditReader & { append: AuditAppend };
  /**
   * The approved export of `src/audit/export.ts` (`exportAudit`), bound to this gateway: consumes
   * the approval, audits the export or its refusal, and returns the extract with its signed
   * checkpoint and proof. Throws CodedError `approval_required` or `lockdown`.
   */
  exportAudit: (approvalId: string, operator: string) => Extract;
  /** Path of the simulator PNG of a job, when there is one. */
  preview: (jobId: string) => string | undefined;
  bus: WebBus;
  alerts: AlertStore;
  metrics: Metrics;
}
