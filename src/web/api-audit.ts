/**
 * HTTP API v1, part 2: audit search and chain verification, the approved audit export (Art. 15:
 * a granted approval by a second supervisor, consumed by the export), the device log with its CSV
 * export, and the chart data. Supervisor role and above.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { CodedError } from "../errors.ts";
import { operatorOf, type Guards } from "./auth.ts";
import type { AuditFilter } from "./audit-query.ts";
import { auditBy, handle, sendError, str } from "./http.ts";
import type { WebDeps } from "./types.ts";

const HOUR = 3_600_000;

export function auditFilter(d: WebDeps, q: unknown, limit = 200): AuditFilter {
  const waybill = str(q, "waybill");
  const f: AuditFilter = { limit };
  const set = <K extends keyof AuditFilter>(k: K, v: AuditFilter[K] | undefined) => {
    if (v !== undefined) f[k] = v;
  };
  set("waybillRefs", waybill === undefined ? undefined : d.audit.waybillRefs(waybill));
  set("operator", str(q, "operator"));
  set("device", str(q, "device"));
  set("action", str(q, "action"));
  set("jobId", str(q, "job_id"));
  // `since` / `until` are the names of an approval's scope (as `labelgate audit export` uses them).
  set("from", isoOrUndefined(str(q, "from") ?? str(q, "since")));
  set("to", isoOrUndefined(str(q, "to") ?? str(q, "until")));
  return f;
}

function isoOrUndefined(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new CodedError("invalid_request", "expected an ISO 8601 time", { path: "from/to" });
  return new Date(t).toISOString();
}

/** One device's log: status periods with durations, and its jobs. */
export function deviceLog(d: WebDeps, device: string, fromIso: string, toIso: string) {
  const rows = d.audit.query({ device, from: fromIso, to: toIso, limit: 5000 }).slice().reverse();
  const periods: Array<{
    from: string;
    to: string | null;
    seconds: number;
    status: string;
    outcome: string;
  }> = [];
  const jobs: Array<{
    ts: string;
    job_id: string;
    action: string;
    operator: string;
    outcome: string;
    reason: string;
  }> = [];
  const now = d.clock();
  for (const r of rows) {
    if (r.action === "device.status" || r.action === "device.quarantined") {
      const prev = periods[periods.length - 1];
      if (prev) {
        prev.to = r.ts;
        prev.seconds = Math.round((Date.parse(r.ts) - Date.parse(prev.from)) / 1000);
      }
      periods.push({
        from: r.ts,
        to: null,
        seconds: 0,
        // A quarantine is a period of its own; reconnects show as reachability changes.
        status:
          r.action === "device.quarantined" ? `quarantined:${r.reason ?? ""}` : (r.reason ?? ""),
        outcome: r.outcome,
      });
    } else if (r.target.job_id !== undefined && /^(print|rfid|epaper|job)\./.test(r.action)) {
      jobs.push({
        ts: r.ts,
        job_id: r.target.job_id,
        action: r.action,
        operator: r.actor.operator ?? "",
        outcome: r.outcome,
        reason: r.reason ?? "",
      });
    }
  }
  const open = periods[periods.length - 1];
  if (open)
    open.seconds = Math.round((Math.min(now, Date.parse(toIso)) - Date.parse(open.from)) / 1000);
  return { device, from: fromIso, to: toIso, periods, jobs };
}

/** Uptime share per device over the last 24 h, from its `device.status` records. */
export function uptime24h(d: WebDeps) {
  const now = d.clock();
  const from = now - 24 * HOUR;
  return d.devices().map((v) => {
    const changes = d.audit.statusChanges(v.id, new Date(from).toISOString());
    let up = 0;
    let known = 0;
    changes.forEach((c, i) => {
      const start = Date.parse(c.ts);
      const end = i + 1 < changes.length ? Date.parse(changes[i + 1]!.ts) : now;
      known += end - start;
      if (c.outcome === "ok") up += end - start;
    });
    return {
      device: v.id,
      uptime: known > 0 ? up / known : null,
      observed_s: Math.round(known / 1000),
    };
  });
}

export function printsPerHour(d: WebDeps) {
  const now = d.clock();
  const first = Math.floor((now - 23 * HOUR) / HOUR) * HOUR;
  const hours = Array.from({ length: 24 }, (_, i) =>
    new Date(first + i * HOUR).toISOString().slice(0, 13),
  );
  const rows = d.audit.printsPerHour(new Date(first).toISOString());
  const devices = d.devices().map((v) => v.id);
  return {
    hours,
    series: devices.map((dev) => ({
      device: dev,
      counts: hours.map((h) => rows.find((r) => r.device === dev && r.hour === h)?.n ?? 0),
    })),
  };
}

const csvCell = (v: string | number) => {
  const s = String(v);
  // A leading = + - @ would make a spreadsheet evaluate the cell (CSV injection).
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};
export const toCsv = (header: string[], rows: Array<Array<string | number>>) =>
  [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";

export function registerAuditApi(app: FastifyInstance, d: WebDeps, g: Guards) {
  const sup = { preHandler: g.operator("supervisor") };

  app.get("/api/v1/audit", sup, async (req, reply) =>
    handle(reply, () =>
      d.audit.query(
        auditFilter(d, req.query, Math.min(Number(str(req.query, "limit") ?? 200) || 200, 1000)),
      ),
    ),
  );

  app.get("/api/v1/audit/verify", sup, async (_req, reply) =>
    handle(reply, () => d.audit.verify()),
  );

  // Export (Art. 15): the CLI's `exportAudit` — needs an approval granted by a second supervisor
  // for exactly this requester, consumes it, and answers with the extract: the records of the
  // approval's scope (not the request's filters) with their waybill numbers, a signed checkpoint
  // and the proof that they belong to the log (`verifyExtract`). The export and every refusal
  // are audited (`export.performed`, outcome ok / rejected).
  app.post("/api/v1/audit/export", sup, async (req, reply) => {
    try {
      const x = d.exportAudit(str(req.body, "approval") ?? "", operatorOf(req).id);
      return reply
        .type("application/json; charset=utf-8")
        .header("cache-control", "no-store")
        .header("content-disposition", `attachment; filename="audit-${x.approval}.json"`)
        .send(`${JSON.stringify(x, null, 1)}\n`);
    } catch (e) {
      return sendError(reply, e);
    }
  });

  const range = (req: FastifyRequest) => {
    const now = d.clock();
    return {
      from: isoOrUndefined(str(req.query, "from")) ?? new Date(now - 24 * HOUR).toISOString(),
      to: isoOrUndefined(str(req.query, "to")) ?? new Date(now).toISOString(),
    };
  };
  const knownDevice = (id: string) => {
    if (!d.devices().some((v) => v.id === id))
      throw new CodedError("device_unknown", `no device '${id}' on this gateway`, { device: id });
  };

  app.get<{ Params: { id: string } }>("/api/v1/devices/:id/log", sup, async (req, reply) =>
    handle(reply, () => {
      knownDevice(req.params.id);
      const r = range(req);
      return deviceLog(d, req.params.id, r.from, r.to);
    }),
  );

  app.get<{ Params: { id: string } }>("/api/v1/devices/:id/log.csv", sup, async (req, reply) => {
    try {
      d.lockdown.assertOpen(); // a lockdown freezes exports too (Art. 10)
      knownDevice(req.params.id);
      const r = range(req);
      const log = deviceLog(d, req.params.id, r.from, r.to);
      auditBy(d, req, {
        action: "export.performed",
        outcome: "ok",
        reason: "device_log",
        device: req.params.id,
      });
      const rows: Array<Array<string | number>> = [
        ...log.periods.map((p) => [p.from, "status", p.status, p.outcome, p.seconds, "", ""]),
        ...log.jobs.map((j) => [j.ts, j.action, j.reason, j.outcome, "", j.job_id, j.operator]),
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="device-${req.params.id}.csv"`)
        .send(toCsv(["ts", "event", "reason", "outcome", "seconds", "job_id", "operator"], rows));
    } catch (e) {
      return sendError(reply, e);
    }
  });

  app.get("/api/v1/charts", sup, async (_req, reply) =>
    reply.send({
      status: "ok",
      data: { prints_per_hour: printsPerHour(d), uptime_24h: uptime24h(d) },
    }),
  );
}
