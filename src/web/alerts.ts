/**
 * Monitoring alerts (Art. 16): kept in SQLite, published on `gateway/{gw}/alert`, pushed to the
 * console. The monitor watches audit events (rejection spikes, reprint / export volume per
 * operator, prints outside shift hours, lockdown) and device status (faults lasting longer than a
 * threshold, quarantine); the daemon raises `audit_unavailable` itself. Alerts carry ids and codes,
 * never job content.
 */
import type { AlertsConfig } from "../config/web-schema.ts";
import { migrate, type Db } from "../db/open.ts";
import type { AuditEvent } from "../jobs/ports.ts";

export const ALERT_TYPES = [
  "device_fault",
  "device_quarantined",
  "audit_unavailable",
  "audit_verify_failed",
  "privacy_rejection_spike",
  "operator_reprint_volume",
  "operator_export_volume",
  "outside_shift",
  "lockdown",
  "tag_missed_checkin",
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export interface Alert {
  id: number;
  ts: string;
  type: AlertType;
  severity: "warning" | "critical";
  device?: string;
  operator?: string;
  /** Codes and counts only. */
  detail: Record<string, string | number>;
  acknowledged_by?: string;
}

export interface AlertStore {
  raise(a: Omit<Alert, "id" | "ts">): Alert;
  list(limit: number): Alert[];
  acknowledge(id: number, by: string): Alert | undefined;
}

const MIGRATIONS = [
  `CREATE TABLE alerts (
     id        INTEGER PRIMARY KEY AUTOINCREMENT,
     ts        TEXT NOT NULL,
     type      TEXT NOT NULL,
     severity  TEXT NOT NULL,
     device    TEXT,
     operator  TEXT,
     detail    TEXT NOT NULL,
     acked_by  TEXT
   ) STRICT;`,
];

interface Row {
  id: number;
  ts: string;
  type: AlertType;
  severity: Alert["severity"];
  device: string | null;
  operator: string | null;
  detail: string;
  acked_by: string | null;
}

const toAlert = (r: Row): Alert => ({
  id: r.id,
  ts: r.ts,
  type: r.type,
  severity: r.severity,
  ...(r.device !== null && { device: r.device }),
  ...(r.operator !== null && { operator: r.operator }),
  detail: JSON.parse(r.detail) as Alert["detail"],
  ...(r.acked_by !== null && { acknowledged_by: r.acked_by }),
});

/** `onRaised` publishes the alert (MQTT, console). */
export function createAlertStore(
  db: Db,
  clock: () => number,
  onRaised: (a: Alert) => void,
): AlertStore {
  migrate(db, "alerts", MIGRATIONS);
  const get = db.prepare<[number], Row>("SELECT * FROM alerts WHERE id = ?");
  return {
    raise(a) {
      const ts = new Date(clock()).toISOString();
      let alert: Alert;
      try {
        const info = db
          .prepare(
            "INSERT INTO alerts (ts, type, severity, device, operator, detail) VALUES (?, ?, ?, ?, ?, ?)",
          )
          .run(
            ts,
            a.type,
            a.severity,
            a.device ?? null,
            a.operator ?? null,
            JSON.stringify(a.detail),
          );
        alert = toAlert(get.get(Number(info.lastInsertRowid))!);
      } catch {
        // The database may be what failed (audit_unavailable): the alert still goes out, id 0.
        alert = { id: 0, ts, ...a };
      }
      onRaised(alert);
      return alert;
    },
    list(limit) {
      return db
        .prepare<[number], Row>("SELECT * FROM alerts ORDER BY id DESC LIMIT ?")
        .all(limit)
        .map(toAlert);
    },
    acknowledge(id, by) {
      db.prepare("UPDATE alerts SET acked_by = ? WHERE id = ? AND acked_by IS NULL").run(by, id);
      const r = get.get(id);
      return r ? toAlert(r) : undefined;
    },
  };
}

export interface AlertMonitor {
  /** Every audit event after it was appended. */
  audit(e: AuditEvent): void;
  /** A device's status: `faulty` when it cannot print (offline, media out …). */
  device(id: string, faulty: boolean, reason: string): void;
  /** Checks how long faults have lasted; called every second by the daemon, by tests directly. */
  tick(now: number): void;
}

/**
 * `localMinutes` gives the minutes since local midnight of a time (injected so shift tests do
 * not depend on the machine's time zone).
 */
export function createAlertMonitor(
  cfg: AlertsConfig,
  store: AlertStore,
  clock: () => number,
  localMinutes: (ms: number) => number = (ms) => {
    const d = new Date(ms);
    return d.getHours() * 60 + d.getMinutes();
  },
): AlertMonitor {
  const windowMs = cfg.window_s * 1000;
  const rejections: number[] = [];
  const perOp = new Map<string, number[]>();
  const faultSince = new Map<string, { since: number; reason: string; alerted: boolean }>();
  let spikeAlertedAt = -Infinity;
  const opAlertedAt = new Map<string, number>();

  /** Pushes `now` into a sliding window and returns its length. */
  const count = (arr: number[], now: number) => {
    arr.push(now);
    while (arr.length > 0 && arr[0]! <= now - windowMs) arr.shift();
    return arr.length;
  };
  const shift = cfg.shift;
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const inShift = (now: number) => {
    if (!shift) return true;
    const m = localMinutes(now);
    const a = toMin(shift.start);
    const b = toMin(shift.end);
    return a <= b ? m >= a && m < b : m >= a || m < b; // a night shift spans midnight
  };

  return {
    audit(e) {
      const now = clock();
      if (e.action === "job.rejected" && e.reason?.startsWith("privacy_rejected")) {
        const n = count(rejections, now);
        // One alert per window, not one per rejection past the threshold.
        if (n >= cfg.rejection_spike && now - spikeAlertedAt > windowMs) {
          spikeAlertedAt = now;
          store.raise({
            type: "privacy_rejection_spike",
            severity: "warning",
            detail: { count: n, window_s: cfg.window_s },
          });
        }
      }
      const volumeType =
        e.action === "waybill.reprinted"
          ? "operator_reprint_volume"
          : e.action === "export.performed"
            ? "operator_export_volume"
            : undefined;
      if (volumeType !== undefined && e.operator !== undefined) {
        const k = `${volumeType}:${e.operator}`;
        const n = count(perOp.get(k) ?? (perOp.set(k, []), perOp.get(k)!), now);
        if (n >= cfg.operator_volume && now - (opAlertedAt.get(k) ?? -Infinity) > windowMs) {
          opAlertedAt.set(k, now);
          store.raise({
            type: volumeType,
            severity: "warning",
            operator: e.operator,
            detail: { count: n, window_s: cfg.window_s },
          });
        }
      }
      if (e.action === "print.dispatched" && !inShift(now)) {
        store.raise({
          type: "outside_shift",
          severity: "warning",
          ...(e.device !== undefined && { device: e.device }),
          ...(e.operator !== undefined && { operator: e.operator }),
          detail: { job_id: e.jobId ?? "" },
        });
      }
      if (e.action === "lockdown.set" || e.action === "lockdown.lifted") {
        store.raise({
          type: "lockdown",
          severity: e.action === "lockdown.set" ? "critical" : "warning",
          ...(e.operator !== undefined && { operator: e.operator }),
          detail: { state: e.action === "lockdown.set" ? "on" : "off" },
        });
      }
      // An e-paper tag did not show its update in time (src/epaper/run.ts): out of range, flat.
      if (e.action === "print.failed" && e.reason === "tag_missed_checkin") {
        store.raise({
          type: "tag_missed_checkin",
          severity: "warning",
          ...(e.device !== undefined && { device: e.device }),
          detail: { job_id: e.jobId ?? "" },
        });
      }
      if (e.action === "device.quarantined") {
        store.raise({
          type: "device_quarantined",
          severity: "critical",
          ...(e.device !== undefined && { device: e.device }),
          detail: { reason: e.reason ?? "" },
        });
      }
    },
    device(id, faulty, reason) {
      if (!faulty) faultSince.delete(id);
      else if (!faultSince.has(id)) faultSince.set(id, { since: clock(), reason, alerted: false });
      else faultSince.get(id)!.reason = reason;
    },
    tick(now) {
      for (const [id, f] of faultSince) {
        if (!f.alerted && now - f.since >= cfg.device_fault_s * 1000) {
          f.alerted = true;
          store.raise({
            type: "device_fault",
            severity: "critical",
            device: id,
            detail: { reason: f.reason, seconds: Math.round((now - f.since) / 1000) },
          });
        }
      }
    },
  };
}
