import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyExtract, type Extract } from "../../../src/audit/export.ts";
import { loadOrCreateSigningKey } from "../../../src/crypto/keys.ts";
import { normalizeWaybillNo } from "../../../src/crypto/seal.ts";
import { exampleJob } from "../../helpers/jobs.ts";
import { parsePrometheus, value } from "../../helpers/prom.ts";
import { Session, startWebTestGateway, type WebTestGateway } from "../../helpers/web.ts";

const REPLY = "labelgate/demo/reply/web-test";
let waybills = 0;
/** The example job with a waybill number of its own (a repeated number is a reprint). */
function job(): ReturnType<typeof exampleJob> {
  const env = exampleJob({ replyTo: REPLY });
  waybills++;
  env.payload.data["waybill_no"] =
    `SF${String(Date.now() % 1e9).padStart(9, "0")}${String(waybills).padStart(4, "0")}`;
  return env;
}
const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";

describe("HTTP API against a running gateway", () => {
  let g: WebTestGateway;
  let op: Session;
  let s1: Session;
  let s2: Session;
  let printedWaybill = "";

  beforeAll(async () => {
    g = await startWebTestGateway();
    await g.addOperator("E10001", "operator", "op-pass-1");
    await g.addOperator("S0001", "supervisor", "sup-pass-1");
    await g.addOperator("S0002", "supervisor", "sup-pass-2");
    await g.addClient("pda-07", "scanner", "scanner-pass-1");
    op = new Session(g.web);
    s1 = new Session(g.web);
    s2 = new Session(g.web);
    expect((await op.login("E10001", "op-pass-1")).status).toBe(200);
    expect((await s1.login("S0001", "sup-pass-1")).status).toBe(200);
    expect((await s2.login("S0002", "sup-pass-2")).status).toBe(200);
  });
  afterAll(async () => {
    await g?.stop();
  });

  it("refuses a wrong password, sets a strict HttpOnly cookie, and audits both", async () => {
    const bad = await new Session(g.web).login("S0001", "wrong");
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("not_authorized");
    const ok = await new Session(g.web).login("S0001", "sup-pass-1");
    const cookie = ok.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^lg_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    const actions = g.auditRows().map((r) => `${r.action}:${r.reason ?? ""}`);
    expect(actions).toContain("operator.login_failed:bad_password");
    expect(actions).toContain("operator.login:");
  });

  it("locks an operator id out for a while after five failed logins", async () => {
    await g.addOperator("E30003", "operator", "right-pass-3");
    for (let i = 0; i < 5; i++)
      expect((await new Session(g.web).login("E30003", `wrong-${i}`)).status).toBe(401);
    // Even the right password is refused now; other ids are not affected.
    expect((await new Session(g.web).login("E30003", "right-pass-3")).status).toBe(429);
    expect((await new Session(g.web).login("S0001", "sup-pass-1")).status).toBe(200);
    const reasons = g.auditRows().filter((r) => r.action === "operator.login_failed");
    expect(reasons.at(-1)?.reason).toBe("locked_out");
  });

  it("an operator sees devices and jobs but not audit search, approvals or alerts", async () => {
    expect((await op.get("/api/v1/devices")).status).toBe(200);
    expect((await op.get("/api/v1/jobs")).status).toBe(200);
    expect((await op.get("/api/v1/audit")).status).toBe(403);
    expect((await op.get("/api/v1/approvals")).status).toBe(403);
    expect((await op.get("/api/v1/alerts")).status).toBe(403);
    expect((await op.get("/console/audit")).status).toBe(403);
    expect((await s1.get("/api/v1/audit")).status).toBe(200);
    expect((await new Session(g.web).get("/api/v1/devices")).status).toBe(401);
  });

  it("an admin manages operators; disabling one ends their session at once", async () => {
    await g.addOperator("A0001", "admin", "admin-pass-1");
    const admin = new Session(g.web);
    await admin.login("A0001", "admin-pass-1");
    expect((await s1.get("/api/v1/operators")).status).toBe(403);
    const add = await admin.post("/api/v1/operators", {
      id: "E20002",
      role: "operator",
      password: "op-pass-2",
    });
    expect(add.status).toBe(200);
    const e2 = new Session(g.web);
    expect((await e2.login("E20002", "op-pass-2")).status).toBe(200);
    expect((await e2.get("/api/v1/devices")).status).toBe(200);
    expect((await admin.post("/api/v1/operators/E20002/disable", {})).status).toBe(200);
    expect((await e2.get("/api/v1/devices")).status).toBe(401);
    const actions = g.auditRows().map((r) => r.action);
    expect(actions).toContain("operator.added");
    expect(actions).toContain("operator.disabled");
  });

  it("a scanner client can submit jobs and nothing else", async () => {
    const basic = `Basic ${Buffer.from("pda-07:scanner-pass-1").toString("base64")}`;
    const env = job();
    const res = await fetch(`${g.web}/api/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic },
      body: JSON.stringify(env),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: "accepted", job_id: env.job_id });
    for (const path of ["/api/v1/devices", "/api/v1/jobs", "/api/v1/audit"]) {
      const r = await fetch(g.web + path, { headers: { authorization: basic } });
      expect(r.status).toBe(401);
    }
    const wrong = await fetch(`${g.web}/api/v1/jobs`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from("pda-07:nope").toString("base64")}`,
      },
      body: JSON.stringify(job()),
    });
    expect(wrong.status).toBe(401);
  });

  it("POST /api/v1/jobs answers exactly what the MQTT intake answers", async () => {
    // The same refused envelope (a phone with only 4 digits hidden) over both ways in.
    const viaMqtt = job();
    viaMqtt.payload.data.recipient["phone"] = "138****5678";
    const viaHttp = { ...viaMqtt, job_id: `${viaMqtt.job_id}H` };
    await g.probe.publish(JOB_TOPIC, JSON.stringify(viaMqtt));
    const mqttReply = await g.probe.waitFor(
      (m) => m.topic === REPLY && m.json["job_id"] === viaMqtt.job_id,
    );
    const httpRes = await op.post("/api/v1/jobs", viaHttp);
    const httpReply = (await httpRes.json()) as Record<string, unknown>;
    expect(httpRes.status).toBe(400);
    expect({ ...httpReply, job_id: viaMqtt.job_id }).toEqual(mqttReply.json);
    expect(httpReply).toMatchObject({
      status: "rejected",
      error: { code: "privacy_rejected", path: "payload.data.recipient.phone" },
    });
    // The HTTP job's replies also went to its reply_to, as on MQTT.
    await g.probe.waitFor((m) => m.topic === REPLY && m.json["job_id"] === viaHttp.job_id);

    // Accepted, printed (waiting for the outcome), then a repeat is a duplicate, never a reprint.
    const good = job();
    printedWaybill = good.payload.data["waybill_no"] as string;
    const first = await op.post("/api/v1/jobs?wait_ms=15000", good);
    expect(first.status).toBe(202);
    const body = (await first.json()) as { status: string; replies: Array<{ status: string }> };
    expect(body.replies.map((r) => r.status)).toEqual(["accepted", "ok"]);
    const again = await op.post("/api/v1/jobs", good);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate", data: { state: "done" } });
    const conflict = await op.post("/api/v1/jobs", { ...good, transaction: "other" });
    expect(conflict.status).toBe(409);
    const garbage = await op.post("/api/v1/jobs?device=zpl-1", "{not json");
    expect(((await garbage.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_envelope",
    );
  });

  it("an export is refused until a second supervisor approves it, then gives the CLI's extract (checkpoint and proof); all audited", async () => {
    const none = await s1.post("/api/v1/audit/export", {});
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({ error: { code: "approval_required" } });
    const req = await s1.post("/api/v1/approvals", { action: "audit.export", reason: "监管抽查" });
    const { data: approval } = (await req.json()) as { data: { id: string; status: string } };
    expect(approval.status).toBe("pending");
    const early = await s1.post("/api/v1/audit/export", { approval: approval.id });
    expect(early.status).toBe(403);
    expect(await early.json()).toMatchObject({
      error: { code: "approval_required", reason: "not_granted" },
    });
    expect((await s1.post(`/api/v1/approvals/${approval.id}/grant`, {})).status).toBe(403);
    expect((await op.post(`/api/v1/approvals/${approval.id}/grant`, {})).status).toBe(403);
    expect((await s2.post(`/api/v1/approvals/${approval.id}/grant`, {})).status).toBe(200);
    const ok = await s1.post("/api/v1/audit/export", { approval: approval.id });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("application/json");
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const x = (await ok.json()) as Extract;
    expect(x.format).toBe("labelgate.audit.extract.v1");
    expect(x.exported_by).toBe("S0001");
    // The signed checkpoint and the proof verify offline with the gateway's public key alone.
    const publicRaw = loadOrCreateSigningKey(g.dataDir).publicRaw;
    const check = verifyExtract(x, publicRaw);
    expect(check).toMatchObject({ ok: true });
    // The checkpoint covers the export's own record, the last of the proof chain.
    const last = x.proof.chain.at(-1);
    expect(last?.[6]).toBe("export.performed");
    expect(check.ok && check.size).toBe(last?.[0]);
    // An approved extract carries the waybill numbers, decrypted (as the CLI's does).
    expect(x.records.map((r) => r.waybill_no)).toContain(normalizeWaybillNo(printedWaybill));
    const edited = { ...x, records: x.records.map((r) => ({ ...r, outcome: "error" })) };
    expect(verifyExtract(edited, publicRaw)).toMatchObject({ reason: "record_not_in_chain" });
    const used = await s1.post("/api/v1/audit/export", { approval: approval.id });
    expect(await used.json()).toMatchObject({ error: { reason: "used" } });
    const rows = g.auditRows();
    const actions = rows.map((r) => r.action);
    expect(actions).toContain("approval.requested");
    expect(actions).toContain("approval.granted");
    expect(
      rows.filter((r) => r.action === "export.performed").map((r) => [r.outcome, r.reason]),
    ).toEqual([
      ["rejected", "approval_required:unknown"],
      ["rejected", "approval_required:not_granted"],
      ["ok", `approval:${approval.id}`],
      ["rejected", "approval_required:used"],
    ]);
  });

  it("exports what the approval's scope names, whatever the request asks", async () => {
    const req = await s1.post("/api/v1/approvals", {
      action: "audit.export",
      reason: "登录记录抽查",
      scope: { action: "operator.login" },
    });
    const { data: approval } = (await req.json()) as { data: { id: string } };
    await s2.post(`/api/v1/approvals/${approval.id}/grant`, {});
    const res = await s1.post("/api/v1/audit/export", {
      approval: approval.id,
      action: "job.accepted",
    });
    const { records } = (await res.json()) as Extract;
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.action === "operator.login")).toBe(true);
  });

  it("finds a printed job by waybill number through waybill_ref", async () => {
    // The number is never stored; its keyed HMAC is, on job.accepted and print.dispatched.
    const res = await s1.get(`/api/v1/audit?waybill=${printedWaybill}`);
    const { data } = (await res.json()) as {
      data: Array<{ action: string; target: { job_id: string; waybill_ref: string } }>;
    };
    const actions = data.map((r) => r.action);
    expect(actions).toContain("print.dispatched");
    expect(actions).toContain("job.accepted");
    expect(new Set(data.map((r) => r.target.job_id)).size).toBe(1);
    expect(data[0]!.target.waybill_ref).toMatch(/^[0-9a-f]{64}$/);
    const jobId = data[0]!.target.job_id;
    // The simulator renders its PNG off the print path (a worker thread): wait until it is there.
    const url = `/api/v1/jobs/${jobId}/preview.png`;
    await expect.poll(async () => (await s1.get(url)).status, { timeout: 20_000 }).toBe(200);
    const png = await s1.get(url);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
    const other = await s1.get("/api/v1/audit?waybill=SF9999999999999");
    expect(((await other.json()) as { data: unknown[] }).data).toEqual([]);
    const verify = await s1.get("/api/v1/audit/verify");
    expect(await verify.json()).toMatchObject({ data: { result: { ok: true } } });
  });

  it("/metrics parses strictly and moves as jobs run", async () => {
    const before = parsePrometheus(await (await fetch(`${g.web}/metrics`)).text());
    const ok0 = value(before, "labelgate_jobs_total", { kind: "label.print", outcome: "ok" });
    const rej0 = value(before, "labelgate_privacy_rejections_total");
    const bad = job();
    bad.payload.data.recipient["phone"] = "138****5678";
    await op.post("/api/v1/jobs", bad);
    await op.post("/api/v1/jobs?wait_ms=15000", job());
    const after = parsePrometheus(await (await fetch(`${g.web}/metrics`)).text());
    expect(value(after, "labelgate_jobs_total", { kind: "label.print", outcome: "ok" })).toBe(
      ok0 + 1,
    );
    expect(value(after, "labelgate_privacy_rejections_total")).toBe(rej0 + 1);
    expect(after.get("labelgate_job_confirmed_seconds")?.type).toBe("histogram");
    expect(
      value(after, "labelgate_job_confirmed_seconds_count", { device: "zpl-1" }),
    ).toBeGreaterThan(0);
    expect(value(after, "labelgate_device_up", { device: "zpl-1" })).toBe(1);
    expect(after.has("labelgate_queue_length")).toBe(true);
    expect(after.get("labelgate_audit_checkpoint_lag_records")?.type).toBe("gauge");
  });

  it("a supervisor resolves an in-doubt job; an operator cannot", async () => {
    const sim = g.gateway.simulators.get("zpl-1")!;
    const rt = g.gateway.devices.get("zpl-1")! as { write: (b: Uint8Array) => Promise<void> };
    const write = rt.write;
    // The printer goes silent right after it took the bytes: the confirmation read-back fails.
    rt.write = async (b) => {
      await write(b);
      sim.faults.silent(true);
    };
    const env = job();
    try {
      const res = await op.post("/api/v1/jobs?wait_ms=20000", env);
      expect(((await res.json()) as { status: string }).status).toBe("in_doubt");
    } finally {
      rt.write = write;
      sim.faults.silent(false);
    }
    const path = `/api/v1/jobs/${env.job_id}/resolve`;
    expect((await op.post(path, { resolution: "printed" })).status).toBe(403);
    expect((await s1.post(path, { resolution: "maybe" })).status).toBe(400);
    const ok = await s1.post(path, { resolution: "printed" });
    expect(await ok.json()).toMatchObject({ data: { state: "done", outcome: { status: "ok" } } });
    expect((await s1.post(path, { resolution: "printed" })).status).toBe(400);
    const rows = g.auditRows().filter((r) => r.job_id === env.job_id);
    expect(rows.map((r) => r.action)).toContain("print.in_doubt");
    expect(rows.at(-1)).toMatchObject({ action: "job.resolved", reason: "printed" });
  });

  it("streams events over SSE; alerts only to supervisors", async () => {
    const open = async (who: Session) => {
      const ctl = new AbortController();
      const res = await fetch(`${g.web}/api/v1/events`, {
        headers: { cookie: who.cookie },
        signal: ctl.signal,
      });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const reader = res.body!.getReader();
      const seen: string[] = [];
      let buf = "";
      /** Reads until an event of `type` arrives; returns every event type seen so far. */
      const until = async (type: string) => {
        while (!seen.includes(type)) {
          const { value, done } = await reader.read();
          if (done) throw new Error("stream ended");
          buf += new TextDecoder().decode(value);
          for (const m of buf.matchAll(/^event: (\S+)$/gm)) seen.push(m[1]!);
          buf = buf.slice(buf.lastIndexOf("\n\n") + 2);
        }
        return seen;
      };
      return { until, close: () => ctl.abort() };
    };
    const sup = await open(s1);
    const opr = await open(op);
    // A job: both see it; an alert (the monitor's lockdown alert): only the supervisor.
    expect((await op.post("/api/v1/jobs", job())).status).toBe(202);
    await sup.until("job.accepted");
    await opr.until("job.accepted");
    expect((await s1.post("/api/v1/lockdown", { active: true, reason: "演练" })).status).toBe(200);
    expect(await sup.until("lockdown")).toContain("alert");
    expect(await opr.until("lockdown")).not.toContain("alert");
    expect((await s1.post("/api/v1/lockdown", { active: false, reason: "演练结束" })).status).toBe(
      200,
    );
    sup.close();
    opr.close();
  });

  it("lockdown refuses new jobs until lifted; both switches audited and alerted", async () => {
    expect((await op.post("/api/v1/lockdown", { active: true, reason: "x" })).status).toBe(403);
    expect((await s1.post("/api/v1/lockdown", { active: true, reason: "事件响应" })).status).toBe(
      200,
    );
    const refused = await op.post("/api/v1/jobs", job());
    expect(refused.status).toBe(423);
    expect(await refused.json()).toMatchObject({ status: "rejected", error: { code: "lockdown" } });
    expect((await s2.post("/api/v1/lockdown", { active: false, reason: "已处理" })).status).toBe(
      200,
    );
    expect((await op.post("/api/v1/jobs", job())).status).toBe(202);
    const alerts = (await (await s1.get("/api/v1/alerts")).json()) as {
      data: Array<{ type: string }>;
    };
    expect(alerts.data.filter((a) => a.type === "lockdown")).toHaveLength(4);
    // …and went out on gateway/{gw}/alert.
    const published = await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/gateway/gw1/alert" && m.json["type"] === "lockdown",
    );
    expect(published.json).toMatchObject({ severity: "critical", detail: { state: "on" } });
  });
});
