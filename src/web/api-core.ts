/**
 * HTTP API v1, part 1: sessions, devices, jobs (list, detail, submit, preview), the live event
 * stream, lockdown and alerts. Every route names the least role it needs; every change is audited.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { CodedError } from "../errors.ts";
import type { Reply } from "../jobs/ports.ts";
import { TERMINAL_STATES } from "../jobs/inbox.ts";
import {
  hasRole,
  operatorOf,
  principal,
  sessionCookie,
  COOKIE,
  cookieValue,
  type Guards,
  type Sessions,
} from "./auth.ts";
import type { WebEvent } from "./bus.ts";
import { auditBy, handle, requireStr, sendError, str } from "./http.ts";
import type { WebDeps } from "./types.ts";

export function deviceViews(d: WebDeps) {
  return d.devices().map((v) => ({
    id: v.id,
    driver: v.driver,
    model: v.model,
    availability: v.availability,
    reachability: v.snapshot.reachability,
    state: v.snapshot.state,
    conditions: v.snapshot.conditions,
    counters: v.snapshot.counters,
    queue_length: v.queueLength,
    ...d.bus.activity(v.id),
  }));
}

export function jobView(j: NonNullable<ReturnType<WebDeps["jobs"]["get"]>>) {
  return {
    job_id: j.jobId,
    device: j.device,
    kind: j.kind,
    state: j.state,
    received_at: new Date(j.receivedAt).toISOString(),
    outcome: j.outcome,
  };
}

export function registerCoreApi(app: FastifyInstance, d: WebDeps, g: Guards, sessions: Sessions) {
  const ttlS = d.http.session_ttl_s;

  // Password guessing: after LOGIN_FAILURES failed logins of one id, that id is refused for
  // LOGIN_LOCK_MS (the scrypt cost already slows each attempt; this bounds the number).
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  app.post("/api/v1/login", async (req, reply) => {
    const id = str(req.body, "operator") ?? "";
    const password = str(req.body, "password") ?? "";
    const now = d.clock();
    const f = failures.get(id);
    if (f && f.lockedUntil > now) {
      d.audit.append({
        action: "operator.login_failed",
        outcome: "rejected",
        reason: "locked_out",
        ...(d.operators.get(id) !== undefined && { operator: id }),
        workstation: "console",
      });
      return reply.code(429).send({
        status: "error",
        error: new CodedError(
          "not_authorized",
          "too many failed logins; try again later",
        ).toReply(),
      });
    }
    const ok = id !== "" && (await d.operators.verifyPassword(id, password));
    const known = d.operators.get(id) !== undefined;
    if (ok) failures.delete(id);
    else if (failures.size < 10_000 || f) {
      const count = (f?.count ?? 0) + 1;
      failures.set(id, {
        count: count >= LOGIN_FAILURES ? 0 : count,
        lockedUntil: count >= LOGIN_FAILURES ? now + LOGIN_LOCK_MS : 0,
      });
    }
    if (!ok) {
      // An unknown id is not recorded as an actor: it may be a mistyped password.
      d.audit.append({
        action: "operator.login_failed",
        outcome: "rejected",
        reason: known ? "bad_password" : "unknown_operator",
        ...(known && { operator: id }),
        workstation: "console",
      });
      return reply.code(401).send({
        status: "error",
        error: new CodedError("not_authorized", "wrong operator id or password").toReply(),
      });
    }
    const op = d.operators.get(id)!;
    const token = sessions.create(op.id, op.role);
    d.audit.append({
      action: "operator.login",
      outcome: "ok",
      operator: op.id,
      workstation: "console",
    });
    return reply
      .header("set-cookie", sessionCookie(token, ttlS))
      .send({ status: "ok", data: { operator: op.id, role: op.role } });
  });

  app.post("/api/v1/logout", { preHandler: g.operator("operator") }, async (req, reply) => {
    const t = cookieValue(req, COOKIE);
    if (t !== undefined) sessions.end(t);
    auditBy(d, req, { action: "operator.logout", outcome: "ok" });
    return reply.header("set-cookie", sessionCookie("", 0)).send({ status: "ok" });
  });

  app.get("/api/v1/me", { preHandler: g.operator("operator") }, async (req, reply) =>
    reply.send({ status: "ok", data: operatorOf(req) }),
  );

  app.get("/api/v1/devices", { preHandler: g.operator("operator") }, async (_req, reply) =>
    reply.send({ status: "ok", data: deviceViews(d) }),
  );

  app.get("/api/v1/jobs", { preHandler: g.operator("operator") }, async (req, reply) => {
    const q = req.query;
    const limit = Math.min(Number(str(q, "limit") ?? 100) || 100, 1000);
    const device = str(q, "device");
    const state = str(q, "state");
    const jobs = d.jobs.list({
      limit,
      ...(device !== undefined && { device }),
      ...(state !== undefined && { state }),
    });
    return reply.send({ status: "ok", data: jobs.map(jobView) });
  });

  app.get<{ Params: { id: string } }>(
    "/api/v1/jobs/:id",
    { preHandler: g.operator("operator") },
    async (req, reply) =>
      handle(reply, () => {
        const j = d.jobs.get(req.params.id);
        if (!j) throw new CodedError("invalid_request", "no such job", { path: "job_id" });
        return { ...jobView(j), preview: d.preview(j.jobId) !== undefined };
      }),
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/jobs/:id/preview.png",
    { preHandler: g.operator("operator") },
    async (req, reply) => {
      const path = d.preview(req.params.id);
      if (path === undefined)
        return sendError(
          reply.code(404),
          new CodedError("invalid_request", "no preview for this job"),
        );
      return reply
        .type("image/png")
        .header("cache-control", "private, no-store")
        .send(readFileSync(path));
    },
  );

  // An in-doubt job (bytes left, print not confirmed) is never reprinted automatically: a
  // supervisor looks at the printer and records what happened. A reprint is a new job with
  // `reprint.reason`; this only closes the doubt.
  app.post<{ Params: { id: string } }>(
    "/api/v1/jobs/:id/resolve",
    { preHandler: g.operator("supervisor") },
    async (req, reply) =>
      handle(reply, () => {
        const j = d.jobs.get(req.params.id);
        if (!j) throw new CodedError("invalid_request", "no such job", { path: "job_id" });
        if (j.state !== "in_doubt")
          throw new CodedError("invalid_request", `job is ${j.state}, not in_doubt`, {
            path: "job_id",
          });
        const resolution = str(req.body, "resolution");
        if (resolution !== "printed" && resolution !== "not_printed")
          throw new CodedError("invalid_request", "resolution: printed or not_printed", {
            path: "resolution",
          });
        const me = operatorOf(req).id;
        if (resolution === "printed")
          d.jobs.resolve(j.jobId, "done", { status: "ok", data: { resolved_by: me } });
        else
          d.jobs.resolve(j.jobId, "failed", {
            status: "error",
            error: { code: "in_doubt", message: "resolved as not printed", retryable: false },
            data: { resolved_by: me },
          });
        auditBy(d, req, {
          action: "job.resolved",
          outcome: "ok",
          reason: resolution,
          jobId: j.jobId,
          device: j.device,
        });
        d.bus.emit({
          type: "job.resolved",
          ts: new Date(d.clock()).toISOString(),
          device: j.device,
          job_id: j.jobId,
        });
        return jobView(d.jobs.get(j.jobId)!);
      }),
  );

  // The same intake as MQTT (`createIntake(...).submit`): the body is the envelope's bytes,
  // untouched, so validation, guard, idempotency and replies are those of the MQTT path.
  app.register(async (scoped) => {
    scoped.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) =>
      done(null, body),
    );
    scoped.post(
      "/api/v1/jobs",
      {
        preHandler: g.operatorOrClient(["scanner", "workstation"]),
        bodyLimit: 16 * 1024 * 1024,
      },
      async (req, reply) => {
        const body = req.body;
        if (!Buffer.isBuffer(body))
          return sendError(reply, new CodedError("invalid_request", "expected a JSON body"));
        const device = str(req.query, "device") ?? sniffDevice(body);
        if (device === undefined)
          return sendError(
            reply,
            new CodedError("invalid_request", "device: give it in the envelope or as ?device=", {
              path: "device",
            }),
          );
        const replies: Reply[] = [];
        await d.submit(device, new Uint8Array(body), (r) => replies.push(r));
        const first = replies[0];
        if (!first) return sendError(reply, new CodedError("internal", "the intake gave no reply"));
        const waitMs = Math.min(Number(str(req.query, "wait_ms") ?? 0) || 0, 30_000);
        if (first.status === "accepted" && waitMs > 0 && first.job_id !== undefined) {
          const final = await waitFinal(d, first.job_id, waitMs);
          if (final) replies.push(final);
        }
        const last = replies[replies.length - 1]!;
        return reply.code(httpStatus(first)).send(waitMs > 0 ? { ...last, replies } : first);
      },
    );
  });

  app.get("/api/v1/events", { preHandler: g.operator("operator") }, async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    // Alerts and approvals are for supervisors (Art. 16 monitoring); operators see devices and jobs.
    const supervisor = hasRole(principal(req), "supervisor");
    const send = (e: WebEvent) => {
      if (!supervisor && (e.type.startsWith("alert") || e.type.startsWith("approval."))) return;
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    res.write(": connected\n\n");
    const unsubscribe = d.bus.subscribe(send);
    sse.open++;
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), 15_000);
    keepalive.unref();
    req.raw.on("close", () => {
      sse.open--;
      clearInterval(keepalive);
      unsubscribe();
    });
  });

  app.get("/api/v1/lockdown", { preHandler: g.operator("operator") }, async (_req, reply) =>
    reply.send({ status: "ok", data: lockdownView(d) }),
  );

  app.post("/api/v1/lockdown", { preHandler: g.operator("supervisor") }, async (req, reply) =>
    handle(reply, () => {
      const me = operatorOf(req);
      const reason = requireStr(req.body, "reason");
      const on = (req.body as { active?: unknown } | undefined)?.active;
      if (typeof on !== "boolean")
        throw new CodedError("invalid_request", "active: expected true or false", {
          path: "active",
        });
      if (on) d.lockdown.set(me.id, reason, d.clock());
      else d.lockdown.lift(me.id, reason, d.clock());
      auditBy(d, req, { action: on ? "lockdown.set" : "lockdown.lifted", outcome: "ok" });
      const view = lockdownView(d);
      d.bus.emit({ type: "lockdown", ts: new Date(d.clock()).toISOString(), ...view });
      return view;
    }),
  );

  app.get("/api/v1/alerts", { preHandler: g.operator("supervisor") }, async (_req, reply) =>
    reply.send({ status: "ok", data: d.alerts.list(200) }),
  );

  app.post<{ Params: { id: string } }>(
    "/api/v1/alerts/:id/ack",
    { preHandler: g.operator("supervisor") },
    async (req, reply) =>
      handle(reply, () => {
        const a = d.alerts.acknowledge(Number(req.params.id), operatorOf(req).id);
        if (!a) throw new CodedError("invalid_request", "no such alert", { path: "id" });
        auditBy(d, req, { action: "alert.acknowledged", outcome: "ok", reason: a.type });
        return a;
      }),
  );
}

/** Failed logins of one operator id before it is locked out for {@link LOGIN_LOCK_MS}. */
export const LOGIN_FAILURES = 5;
export const LOGIN_LOCK_MS = 5 * 60_000;

/** Open SSE streams (a metric). */
export const sse = { open: 0 };

export function lockdownView(d: WebDeps) {
  const s = d.lockdown.current();
  return s
    ? { active: true, reason: s.reason, by: s.by, since: new Date(s.since).toISOString() }
    : { active: false };
}

function sniffDevice(body: Buffer): string | undefined {
  try {
    const v: unknown = JSON.parse(body.toString("utf8"));
    return str(v, "device");
  } catch {
    return undefined;
  }
}

function httpStatus(r: Reply): number {
  switch (r.status) {
    case "accepted":
      return 202;
    case "duplicate":
    case "ok":
      return 200;
    case "error":
    case "expired":
    case "in_doubt":
    case "rejected": {
      const code = r.error?.code;
      if (code === "not_authorized" || code === "operator_disabled" || code === "approval_required")
        return 403;
      if (code === "lockdown") return 423;
      if (code === "payload_too_large") return 413;
      if (code === "job_id_conflict") return 409;
      if (r.status === "expired") return 410;
      return r.error?.retryable ? 503 : 400;
    }
  }
}

/** Waits for a job's final outcome (from the bus), up to `ms`. */
async function waitFinal(d: WebDeps, jobId: string, ms: number): Promise<Reply | undefined> {
  const final = (): Reply | undefined => {
    const j = d.jobs.get(jobId);
    if (!j || !TERMINAL_STATES.has(j.state) || !j.outcome) return undefined;
    return { job_id: jobId, ...j.outcome, status: j.outcome.status };
  };
  const now = final();
  if (now) return now;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(undefined);
    }, ms);
    const off = d.bus.subscribe((e) => {
      if (e.job_id !== jobId) return;
      const r = final();
      if (!r) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
  });
}
