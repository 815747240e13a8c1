/**
 * Wiring of the console, HTTP API, metrics and alerts (issue #12) for `main.ts`, in two steps:
 * `createWebSupport` before the job pipeline (it watches every audit event and device event, so
 * metrics and alerts see them), and `start` once the intake and devices exist.
 */
import type { Statement } from "better-sqlite3";
import { resolve } from "node:path";
import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import { FAULT_CONDITIONS } from "../../drivers/snapshot.ts";
import type { ApprovalStore } from "../access/approvals.ts";
import type { ClientStore } from "../access/clients.ts";
import type { LockdownStore } from "../access/lockdown.ts";
import type { OperatorStore } from "../access/operators.ts";
import { checkpointOrigin } from "../audit/checkpoint.ts";
import { exportAudit } from "../audit/export.ts";
import type { AuditLog } from "../audit/log.ts";
import type { AuditInput } from "../audit/types.ts";
import { verifyAuditLogOffThread } from "../audit/verify.ts";
import type { Config } from "../config/schema.ts";
import type { Keys, SigningKey } from "../crypto/keys.ts";
import { waybillRefs } from "../crypto/seal.ts";
import type { Db } from "../db/open.ts";
import { JOB_COLUMNS, toJob, type JobRow, type StoredOutcome } from "../jobs/inbox.ts";
import type { AuditAppend, AuditEvent, Reply } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import { createAlertMonitor, createAlertStore, type Alert } from "./alerts.ts";
import { createAuditReader } from "./audit-query.ts";
import { createWebBus } from "./bus.ts";
import { createMetrics } from "./metrics.ts";
import { createPreviewIndex } from "./preview.ts";
import type { WebServer } from "./server.ts";
import type { DeviceView } from "./types.ts";
import { sse } from "./api-core.ts";

export interface WebSupportOptions {
  db: Db;
  config: Config;
  clock: () => number;
  logger: Logger;
  /** Publishes an alert on `gateway/{gw}/alert`. */
  publishAlert: (a: Alert) => void;
}

export interface WebStartOptions {
  keys: Keys;
  /** The audit log itself, for the approved export (its records and checkpoint are its own). */
  auditLog: AuditLog;
  /** The checkpoint signing key (`loadOrCreateSigningKey`), to sign the export's checkpoint. */
  signingKey: SigningKey;
  dataDir: string;
  operators: OperatorStore;
  approvals: ApprovalStore;
  lockdown: LockdownStore;
  clients?: ClientStore;
  /** Device runtimes and their retained state documents (queue length, availability). */
  devices: ReadonlyMap<string, { id: string; driver: { id: string }; snapshot(): DeviceSnapshot }>;
  stateDocument: (id: string) => Record<string, unknown> | undefined;
  submit: (device: string, payload: Uint8Array, direct: (r: Reply) => void) => Promise<void>;
  /** `payload.copies` of a stored job (for the preview numbering). */
  copiesOf: (jobId: string) => number;
  /** Records a supervisor's resolution of an in-doubt job (`Inbox.setState`). */
  resolveJob: (jobId: string, state: "done" | "failed", outcome: StoredOutcome) => void;
}

export function createWebSupport(o: WebSupportOptions) {
  const { db, config, clock } = o;
  const bus = createWebBus();
  const metrics = createMetrics();
  const alerts = createAlertStore(db, clock, (a) => {
    metrics.inc("labelgate_alerts_total", { type: a.type });
    o.publishAlert(a);
    bus.emit({ ...a, type: "alert", alert: a.type, ts: a.ts });
  });
  const monitor = createAlertMonitor(config.alerts, alerts, clock);
  const previews = createPreviewIndex(
    db,
    resolve(config.data_dir),
    new Set(config.devices.filter((dc) => dc.simulator).map((dc) => dc.id)),
  );
  let copiesOf: ((jobId: string) => number) | undefined;
  // Prepared on first use: the inbox creates its table after this module is wired.
  let kindStmt: Statement<[string], { kind: string; received_at: number }> | undefined;
  const jobInfo = (jobId: string | undefined) => {
    if (jobId === undefined) return undefined;
    kindStmt ??= db.prepare<[string], { kind: string; received_at: number }>(
      "SELECT kind, received_at FROM jobs WHERE job_id = ?",
    );
    return kindStmt.get(jobId);
  };

  /** Metrics and alerts of one audit event that was appended. */
  const observe = (e: AuditEvent) => {
    metrics.inc("labelgate_audit_appends_total");
    const job = jobInfo(e.jobId);
    const kind = job?.kind ?? "unknown";
    const jobOutcome: Record<string, string> = {
      "job.accepted": "accepted",
      "job.rejected": e.outcome,
      "job.duplicate": "duplicate",
      "print.completed": "ok",
      "print.failed": e.outcome === "rejected" ? "rejected" : "error",
      "print.in_doubt": "in_doubt",
    };
    const outcome = jobOutcome[e.action];
    if (outcome !== undefined) metrics.inc("labelgate_jobs_total", { kind, outcome });
    if (e.action === "job.rejected" && e.reason?.startsWith("privacy_rejected"))
      metrics.inc("labelgate_privacy_rejections_total", {
        rule: e.reason.split(":")[1] ?? "unknown",
      });
    if (e.action === "waybill.reprinted")
      metrics.inc("labelgate_reprints_total", { operator: e.operator ?? "" });
    if (e.action === "export.performed")
      metrics.inc("labelgate_exports_total", { operator: e.operator ?? "" });
    // Previews are only tracked for a console that can show them (no work on the print path else).
    if (
      copiesOf !== undefined &&
      e.action === "print.dispatched" &&
      e.jobId !== undefined &&
      e.device !== undefined
    )
      previews.dispatched(e.jobId, e.device, copiesOf(e.jobId));
    if (job && e.device !== undefined) {
      const s = (clock() - job.received_at) / 1000;
      if (e.action === "print.dispatched")
        metrics.observe("labelgate_job_first_byte_seconds", { device: e.device }, s);
      if (e.action === "print.completed")
        metrics.observe("labelgate_job_confirmed_seconds", { device: e.device }, s);
    }
    monitor.audit(e);
  };

  let observed: AuditAppend | undefined;
  const tick = setInterval(() => monitor.tick(clock()), 1000);
  tick.unref();

  return {
    bus,
    metrics,
    alerts,
    monitor,
    /** Wraps the pipeline's `AuditAppend`: each record that was appended is observed. */
    observeAudit(append: AuditAppend): AuditAppend {
      return (observed = (e) => {
        append(e);
        try {
          observe(e);
        } catch (err) {
          o.logger.error({ err }, "monitoring of an audit event failed");
        }
      });
    },
    /** Every device event (`device/{dev}/event`), for the console and the fault monitor. */
    event(device: string, e: Record<string, unknown>) {
      const ts = new Date(clock()).toISOString();
      bus.emit({ ...e, type: String(e["type"]), ts, device });
      if (e["type"] === "device.status") {
        const conditions = Array.isArray(e["conditions"]) ? (e["conditions"] as string[]) : [];
        const reach = String(e["reachability"]);
        const faults = conditions.filter((c) => FAULT_CONDITIONS.has(c as never));
        monitor.device(
          device,
          reach !== "online" || faults.length > 0,
          [reach, ...faults].join("+"),
        );
      }
    },
    /** The audit log cannot be written: recorded, published, shown. */
    auditFailure() {
      alerts.raise({ type: "audit_unavailable", severity: "critical", detail: {} });
    },
    /** Starts the HTTP server when `http.enabled`; resolves undefined otherwise. */
    stop() {
      clearInterval(tick);
    },
    async start(s: WebStartOptions): Promise<WebServer | undefined> {
      if (!config.http.enabled) return undefined;
      copiesOf = s.copiesOf;
      const models = new Map(config.devices.map((dc) => [dc.id, dc.model]));
      const devices = (): DeviceView[] =>
        [...s.devices.values()].map((rt) => {
          const doc = s.stateDocument(rt.id) ?? {};
          return {
            id: rt.id,
            driver: rt.driver.id,
            model: models.get(rt.id) ?? "",
            availability: String(doc["availability"] ?? "unknown"),
            snapshot: rt.snapshot(),
            queueLength: Number(doc["queue_length"] ?? 0),
          };
        });
      metrics.collect((set) => {
        for (const v of devices()) {
          set("labelgate_queue_length", { device: v.id }, v.queueLength);
          const up =
            v.snapshot.reachability === "online" &&
            !v.snapshot.conditions.some((c) => FAULT_CONDITIONS.has(c));
          set("labelgate_device_up", { device: v.id }, up ? 1 : 0);
          for (const st of ["ready", "busy", "paused", "error", "unknown"])
            set(
              "labelgate_device_state",
              { device: v.id, state: st },
              v.snapshot.state === st ? 1 : 0,
            );
        }
        set("labelgate_lockdown", {}, s.lockdown.current() ? 1 : 0);
        set("labelgate_sse_clients", {}, sse.open);
        const head = db.prepare<[], { seq: number }>("SELECT max(seq) AS seq FROM audit_log").get();
        set("labelgate_audit_head_seq", {}, head?.seq ?? 0);
        // Checkpoints (issue #7) live in `audit_checkpoints` (size = records covered).
        try {
          const cp = db
            .prepare<[], { size: number | null; ts: string | null }>(
              "SELECT size, ts FROM audit_checkpoints ORDER BY size DESC LIMIT 1",
            )
            .get();
          set("labelgate_audit_checkpoint_lag_records", {}, (head?.seq ?? 0) - (cp?.size ?? 0));
          if (cp?.ts)
            set("labelgate_audit_checkpoint_age_seconds", {}, (clock() - Date.parse(cp.ts)) / 1000);
        } catch {
          // no checkpoint table in this database version: the gauges stay absent
        }
      });
      // A failed verification raises one alert until the chain verifies again.
      let verifyFailing = false;
      const verify = async (d: Db) => {
        const r = await verifyAuditLogOffThread(d);
        if (!r.ok && !verifyFailing)
          alerts.raise({
            type: "audit_verify_failed",
            severity: "critical",
            detail: { seq: r.firstBad.seq, reason: r.firstBad.reason },
          });
        verifyFailing = !r.ok;
        return r;
      };
      const reader = createAuditReader({
        db,
        verify,
        waybillRefs: (no) => waybillRefs(s.keys, no),
        clock,
      });
      // Changes made through the console are audited through the observed append, like the rest.
      const appendRaw = (e: AuditEvent) => {
        if (!observed) throw new Error("observeAudit was not called");
        observed(e);
      };
      // The console's export is the CLI's (`exportAudit`): same extract, checkpoint and proof.
      // Its records go straight to the audit log (the checkpoint must name the record that
      // states the export) and are observed like every other record (metrics, alerts).
      const exportLog: AuditLog = {
        ...s.auditLog,
        append(input: AuditInput) {
          const record = s.auditLog.append(input);
          try {
            observe({
              action: input.action,
              outcome: input.outcome,
              ...(input.reason !== undefined && { reason: input.reason }),
              ...(input.actor?.operator !== undefined && { operator: input.actor.operator }),
              ...(input.place?.workstation !== undefined && {
                workstation: input.place.workstation,
              }),
            });
          } catch (err) {
            o.logger.error({ err }, "monitoring of an audit event failed");
          }
          return record;
        },
      };
      const origin = checkpointOrigin(config.site, config.gateway);
      // Fastify and the console load only when the console is enabled (README "Performance").
      const { createWebServer } = await import("./server.ts");
      const server = createWebServer({
        http: config.http,
        site: config.site,
        gateway: config.gateway,
        clock,
        logger: o.logger,
        operators: s.operators,
        approvals: s.approvals,
        approvalTtlMs: config.access.approval_ttl_s * 1000,
        lockdown: s.lockdown,
        clients: s.clients,
        devices,
        jobs: { ...createJobReader(db), resolve: s.resolveJob },
        submit: s.submit,
        audit: { ...reader, append: appendRaw },
        exportAudit: (approvalId, operator) =>
          exportAudit({
            db,
            audit: exportLog,
            approvals: s.approvals,
            key: s.signingKey,
            keys: s.keys,
            origin,
            approvalId,
            operator,
            now: clock(),
            assertOpen: () => s.lockdown.assertOpen(),
            place: {
              ...(config.area !== "" && { area: config.area }),
              workstation: "console",
            },
          }),
        preview: (jobId) => previews.find(jobId),
        bus,
        alerts,
        metrics,
      });
      await server.start();
      o.logger.info({ url: server.url }, "console and HTTP API listening");
      return server;
    },
  };
}

export type WebSupport = ReturnType<typeof createWebSupport>;

/** Read-only listing of the inbox (`jobs` table, see `src/jobs/inbox.ts`), newest first. */
function createJobReader(db: Db) {
  const cols = JOB_COLUMNS;
  return {
    get(jobId: string) {
      const r = db
        .prepare<[string], JobRow>(`SELECT ${cols} FROM jobs WHERE job_id = ?`)
        .get(jobId);
      return r ? toJob(r) : undefined;
    },
    list(q: { device?: string; state?: string; limit: number }) {
      const where: string[] = [];
      const args: Array<string | number> = [];
      if (q.device !== undefined) {
        where.push("device = ?");
        args.push(q.device);
      }
      if (q.state !== undefined) {
        where.push("state = ?");
        args.push(q.state);
      }
      const sql = `SELECT ${cols} FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
      return db
        .prepare<Array<string | number>, JobRow>(sql)
        .all(...args, q.limit)
        .map(toJob);
    },
  };
}
