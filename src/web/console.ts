/**
 * The supervisor console: server-rendered pages over the same data as the API, with one small
 * script (`assets/console.js`) for forms, SSE live updates and the language switch. No build
 * step, nothing from a CDN. Operators see devices and jobs; supervisors also audit, approvals,
 * alerts, lockdown and charts.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { OperatorRole } from "../access/operators.ts";
import { cookieValue, hasRole, type Guards, type Principal } from "./auth.ts";
import { deviceViews, jobView, lockdownView } from "./api-core.ts";
import { auditFilter, deviceLog, printsPerHour, uptime24h } from "./api-audit.ts";
import { h, page, raw, table, type Html } from "./html.ts";
import { langOf, t, type Lang } from "./i18n.ts";
import { str } from "./http.ts";
import { barChart, uptimeBars } from "./charts.ts";
import type { WebDeps } from "./types.ts";

const ASSETS = new URL("./assets/", import.meta.url);

export function deviceStatus(v: {
  availability?: string;
  reachability: string;
  state: string;
  conditions: readonly string[];
}): string {
  if (v.availability === "quarantined") return "quarantined";
  if (v.reachability !== "online") return v.reachability;
  if (v.conditions.length > 0) return v.conditions.join("+");
  return v.state;
}

export function registerConsole(app: FastifyInstance, d: WebDeps, g: Guards) {
  const css = readFileSync(new URL("console.css", ASSETS));
  const js = readFileSync(new URL("console.js", ASSETS));
  app.get("/console/assets/console.css", async (_q, r) =>
    r.type("text/css; charset=utf-8").send(css),
  );
  app.get("/console/assets/console.js", async (_q, r) =>
    r.type("text/javascript; charset=utf-8").send(js),
  );
  app.get("/", async (_q, r) => r.redirect("/console/devices"));
  app.get("/console", async (_q, r) => r.redirect("/console/devices"));

  const lang = (req: FastifyRequest): Lang =>
    langOf(cookieValue(req, "lg_lang"), str(req.query, "lang"));
  const send = (
    req: FastifyRequest,
    reply: FastifyReply,
    who: Principal | undefined,
    key: string,
    title: string,
    body: Html,
  ) => {
    const q = str(req.query, "lang");
    if (q === "zh" || q === "en")
      reply.header("set-cookie", `lg_lang=${q}; SameSite=Strict; Path=/; Max-Age=31536000`);
    return reply.type("text/html; charset=utf-8").send(
      page({
        lang: lang(req),
        title,
        who,
        page: key,
        body,
        lockdown: d.lockdown.current() !== undefined,
      }),
    );
  };
  /** Registers a console page needing `role`; without a session it redirects to the login page. */
  const pageRoute = <P extends Record<string, string>>(
    path: string,
    role: OperatorRole,
    key: string,
    render: (
      req: FastifyRequest<{ Params: P }>,
      l: Lang,
      who: Principal,
    ) => { title: string; body: Html } | Promise<{ title: string; body: Html }>,
  ) =>
    app.get<{ Params: P }>(path, async (req, reply) => {
      const who = g.peek(req);
      const l = lang(req);
      if (!who) return reply.redirect(`/console/login?next=${encodeURIComponent(req.url)}`);
      if (!hasRole(who, role))
        return send(
          req,
          reply.code(403),
          who,
          key,
          t(l, "forbidden"),
          h`<p class="error" id="forbidden">${t(l, "forbidden")}</p>`,
        );
      const p = await render(req, l, who);
      return send(req, reply, who, key, p.title, p.body);
    });

  app.get("/console/login", async (req, reply) => {
    const l = lang(req);
    const next = str(req.query, "next") ?? "/console/devices";
    const safeNext = next.startsWith("/console/") ? next : "/console/devices";
    return send(
      req,
      reply,
      undefined,
      "login",
      t(l, "login"),
      h`
<form class="card narrow" data-api="/api/v1/login" data-next="${safeNext}" id="login-form">
<label>${t(l, "operator_id")}<input name="operator" autocomplete="username" required></label>
<label>${t(l, "password")}<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">${t(l, "login")}</button><p class="form-error" role="alert"></p></form>`,
    );
  });

  pageRoute("/console/devices", "operator", "devices", (_req, l, who) => ({
    title: t(l, "devices"),
    body: h`<div class="wall" id="device-wall">${deviceViews(d).map((v) => deviceCard(v, l, hasRole(who, "supervisor")))}</div>`,
  }));

  pageRoute("/console/jobs", "operator", "jobs", (_req, l) => ({
    title: t(l, "jobs"),
    body: table(
      [t(l, "time"), t(l, "job"), t(l, "device"), t(l, "state"), t(l, "outcome")],
      d.jobs.list({ limit: 100 }).map((j) => jobRow(jobView(j))),
      'id="job-feed"',
    ),
  }));

  pageRoute<{ id: string }>("/console/jobs/:id", "operator", "jobs", (req, l) => {
    const j = d.jobs.get(req.params.id);
    if (!j) return { title: t(l, "job"), body: h`<p class="error">${req.params.id}?</p>` };
    const v = jobView(j);
    const hasPreview = d.preview(j.jobId) !== undefined;
    return {
      title: `${t(l, "job")} ${j.jobId}`,
      body: h`<dl class="card"><dt>${t(l, "device")}</dt><dd>${v.device}</dd><dt>${t(l, "state")}</dt><dd id="job-state">${v.state}</dd>
<dt>${t(l, "time")}</dt><dd>${v.received_at}</dd><dt>${t(l, "outcome")}</dt><dd>${v.outcome?.status ?? ""} ${v.outcome?.error?.code ?? ""}</dd></dl>
<h2>${t(l, "preview")}</h2>${hasPreview ? h`<img id="label-preview" class="preview" alt="${t(l, "preview")}" src="/api/v1/jobs/${encodeURIComponent(j.jobId)}/preview.png">` : h`<p>${t(l, "no_preview")}</p>`}`,
    };
  });

  pageRoute<{ id: string }>("/console/devices/:id", "supervisor", "devices", (req, l) => {
    const now = d.clock();
    // A time that does not parse falls back to the default range (last 24 h).
    const iso = (v: string | undefined, dflt: number) => {
      const ms = v === undefined ? NaN : Date.parse(v);
      return new Date(Number.isNaN(ms) ? dflt : ms).toISOString();
    };
    const log = deviceLog(
      d,
      req.params.id,
      iso(str(req.query, "from"), now - 86_400_000),
      iso(str(req.query, "to"), now),
    );
    const qs = `from=${encodeURIComponent(log.from)}&to=${encodeURIComponent(log.to)}`;
    return {
      title: `${t(l, "device_log")} ${req.params.id}`,
      body: h`<form class="filters" method="get"><label>${t(l, "from")}<input name="from" value="${log.from}"></label>
<label>${t(l, "to")}<input name="to" value="${log.to}"></label><button>${t(l, "search")}</button>
<a class="button" id="device-log-csv" href="/api/v1/devices/${encodeURIComponent(req.params.id)}/log.csv?${qs}" download>${t(l, "export_csv")}</a></form>
<h2>${t(l, "status_periods")}</h2>${table(
        [t(l, "from"), t(l, "to"), t(l, "state"), t(l, "duration_s")],
        log.periods.map(
          (p) =>
            h`<tr class="${p.outcome === "ok" ? "" : "bad"}"><td>${p.from}</td><td>${p.to ?? "…"}</td><td>${p.status}</td><td>${p.seconds}</td></tr>`,
        ),
        'id="status-periods"',
      )}
<h2>${t(l, "jobs")}</h2>${table(
        [t(l, "time"), t(l, "job"), t(l, "action"), t(l, "operator"), t(l, "outcome")],
        log.jobs.map(
          (j) =>
            h`<tr><td>${j.ts}</td><td><a href="/console/jobs/${encodeURIComponent(j.job_id)}">${j.job_id}</a></td><td>${j.action}</td><td>${j.operator}</td><td>${j.outcome} ${j.reason}</td></tr>`,
        ),
        'id="device-jobs"',
      )}`,
    };
  });

  pageRoute("/console/audit", "supervisor", "audit", async (req, l) => {
    const q = req.query;
    const rows = Object.keys(q as object).some((k) => k !== "lang")
      ? d.audit.query(auditFilter(d, q, 200))
      : d.audit.query({ limit: 50 });
    const v = await d.audit.verify(30_000);
    const field = (name: string, label: string) =>
      h`<label>${label}<input name="${name}" value="${str(q, name) ?? ""}"></label>`;
    return {
      title: t(l, "audit"),
      body: h`<p id="chain-status" class="${v.result.ok ? "ok" : "bad"}" data-ok="${String(v.result.ok)}">${t(l, "chain")}: ${v.result.ok ? t(l, "chain_ok") : t(l, "chain_bad")} · ${v.result.records} ${t(l, "records")} · ${v.at}</p>
<form class="filters" method="get" id="audit-search">${field("waybill", t(l, "waybill_no"))}${field("operator", t(l, "operator"))}${field("device", t(l, "device"))}${field("action", t(l, "action"))}${field("from", t(l, "from"))}${field("to", t(l, "to"))}<button type="submit">${t(l, "search")}</button></form>
${table(
  [
    "seq",
    t(l, "time"),
    t(l, "action"),
    t(l, "outcome"),
    t(l, "reason"),
    t(l, "operator"),
    t(l, "device"),
    t(l, "job"),
  ],
  rows.map(
    (r) =>
      h`<tr><td>${r.seq}</td><td>${r.ts}</td><td>${r.action}</td><td>${r.outcome}</td><td>${r.reason ?? ""}</td><td>${r.actor.operator ?? r.actor.client ?? ""}</td><td>${r.target.device ?? ""}</td><td>${r.target.job_id === undefined ? "" : h`<a href="/console/jobs/${encodeURIComponent(r.target.job_id)}" data-job="${r.target.job_id}">${r.target.job_id}</a>`}</td></tr>`,
  ),
  'id="audit-results"',
)}`,
    };
  });

  pageRoute("/console/approvals", "supervisor", "approvals", (_req, l, who) => ({
    title: t(l, "approvals"),
    body: h`<form class="card" data-api="/api/v1/approvals" id="approval-request"><input type="hidden" name="action" value="audit.export">
<label>${t(l, "reason")}<input name="reason" required></label>
<fieldset class="filters"><legend>${t(l, "scope")}</legend><label>${t(l, "from")}<input name="scope.since" placeholder="2026-11-01T00:00:00Z"></label><label>${t(l, "to")}<input name="scope.until"></label><label>${t(l, "device")}<input name="scope.device"></label><label>${t(l, "operator")}<input name="scope.operator"></label><label>${t(l, "waybill_no")}<input name="scope.waybill"></label></fieldset>
<button type="submit">${t(l, "request")}: ${t(l, "export_audit")}</button><p class="form-error" role="alert"></p></form>
<form class="card" data-api="/api/v1/audit/export" data-download="audit-extract.json" id="audit-export"><label>${t(l, "approval_id")}<input name="approval"></label>
<button type="submit">${t(l, "export")}</button><p class="form-error" role="alert"></p></form>
${table(
  ["id", t(l, "action"), t(l, "scope"), t(l, "requester"), t(l, "reason"), t(l, "status"), ""],
  d.approvals
    .list(d.clock())
    .map(
      (a) =>
        h`<tr data-approval="${a.id}" data-status="${a.status}"><td>${a.id}</td><td>${a.action}</td><td>${JSON.stringify(a.scope)}</td><td>${a.requester}</td><td>${a.reason}</td><td>${a.status}${a.decidedBy ? ` (${a.decidedBy})` : ""}</td><td>${
          a.status === "pending" && a.requester !== who.id
            ? h`<button data-post="/api/v1/approvals/${a.id}/grant" class="grant">${t(l, "grant")}</button> <button data-post="/api/v1/approvals/${a.id}/deny">${t(l, "deny")}</button>`
            : ""
        }</td></tr>`,
    ),
  'id="approvals"',
)}`,
  }));

  pageRoute("/console/alerts", "supervisor", "alerts", (_req, l) => ({
    title: t(l, "alerts"),
    body: table(
      [
        t(l, "time"),
        t(l, "type"),
        t(l, "severity"),
        t(l, "device"),
        t(l, "operator"),
        t(l, "detail"),
        "",
      ],
      d.alerts
        .list(200)
        .map(
          (a) =>
            h`<tr class="${a.severity}" data-alert="${a.type}"><td>${a.ts}</td><td>${a.type}</td><td>${a.severity}</td><td>${a.device ?? ""}</td><td>${a.operator ?? ""}</td><td>${JSON.stringify(a.detail)}</td><td>${a.acknowledged_by ?? h`<button data-post="/api/v1/alerts/${a.id}/ack">${t(l, "acknowledge")}</button>`}</td></tr>`,
        ),
      'id="alerts"',
    ),
  }));

  pageRoute("/console/lockdown", "supervisor", "lockdown", (_req, l) => {
    const s = lockdownView(d);
    return {
      title: t(l, "lockdown"),
      body: h`<p id="lockdown-state" data-active="${String(s.active)}" class="${s.active ? "bad" : "ok"}">${s.active ? t(l, "lockdown_active") : t(l, "lockdown_inactive")}${"by" in s ? ` · ${s.by} · ${s.since}` : ""}</p>
<form class="card" data-api="/api/v1/lockdown" id="lockdown-form"><input type="hidden" name="active" value="${s.active ? "false" : "true"}" data-bool>
<label>${t(l, "reason")}<input name="reason" required></label><button type="submit" class="${s.active ? "" : "danger"}">${s.active ? t(l, "lockdown_off") : t(l, "lockdown_on")}</button><p class="form-error" role="alert"></p></form>`,
    };
  });

  pageRoute("/console/charts", "supervisor", "charts", (_req, l) => ({
    title: t(l, "charts"),
    body: h`<h2>${t(l, "prints_per_hour")}</h2>${raw(barChart(printsPerHour(d)))}<h2>${t(l, "uptime")}</h2>${raw(uptimeBars(uptime24h(d)))}`,
  }));
}

function deviceCard(v: ReturnType<typeof deviceViews>[number], l: Lang, linkLog: boolean): Html {
  const status = deviceStatus(v);
  const name = linkLog
    ? h`<a href="/console/devices/${encodeURIComponent(v.id)}">${v.id}</a>`
    : v.id;
  return h`<section class="device ${status === "ready" || status === "busy" ? "ok" : "bad"}" data-device="${v.id}" data-status="${status}">
<h2>${name}</h2><p class="model">${v.driver} · ${v.model}</p><dl>
<dt>${t(l, "state")}</dt><dd data-field="status">${status}</dd>
<dt>${t(l, "conditions")}</dt><dd data-field="conditions">${v.conditions.join(", ") || "—"}</dd>
<dt>${t(l, "queue")}</dt><dd data-field="queue_length">${v.queue_length}</dd>
<dt>${t(l, "last_job")}</dt><dd data-field="last_job">${v.lastJob ? `${v.lastJob.job_id} ${v.lastJob.type}` : "—"}</dd>
<dt>${t(l, "last_error")}</dt><dd data-field="last_error">${v.lastError ? `${v.lastError.code} ${v.lastError.ts}` : "—"}</dd></dl></section>`;
}

function jobRow(j: ReturnType<typeof jobView>): Html {
  return h`<tr data-job="${j.job_id}"><td>${j.received_at}</td><td><a href="/console/jobs/${encodeURIComponent(j.job_id)}">${j.job_id}</a></td><td>${j.device}</td><td>${j.state}</td><td>${j.outcome?.status ?? ""} ${j.outcome?.error?.code ?? ""}</td></tr>`;
}
