import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessLayer, type AccessLayer } from "../../../src/access/wiring.ts";
import { createAuditAppend, openAuditLog } from "../../../src/audit/wiring.ts";
import { validateConfig } from "../../../src/config/load.ts";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { createSealer } from "../../../src/crypto/wiring.ts";
import { createInbox } from "../../../src/jobs/inbox.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { exampleJob, newJobId } from "../../helpers/jobs.ts";

const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";
const REPLY = "labelgate/demo/reply/ws-12";
const REQ = "labelgate/demo/gateway/gw1/request/";
/** Each operator's own (synthetic) password, the credential of their management requests. */
const CREDENTIAL = (operator: string) => `pw-${operator}-synthetic`;
const RESP = "labelgate/demo/gateway/gw1/response/";

let waybillSeq = 0;
/** A fresh synthetic SF number inside the configured range SF10000000000000–SF19999999999999. */
function freshWaybill(): string {
  waybillSeq++;
  return `SF1${String(Date.now() % 1e9).padStart(9, "0")}${String(waybillSeq).padStart(3, "0")}`;
}

/**
 * The access rules end to end (issue #8): a real gateway (embedded broker, SQLite, ZPL
 * simulator), with the operators and approvals changed through a second database connection, as
 * the `labelgate operators|approvals` CLI does, or over MQTT management requests.
 */
describe("job access control", () => {
  let g: TestGateway;
  let db: Db;
  let side: AccessLayer;
  const now = () => Date.now();

  beforeAll(async () => {
    g = await startTestGateway({
      waybills: {
        life_cycle: true,
        carriers: [
          {
            carrier: "SF",
            prefixes: ["SF"],
            ranges: [{ from: "SF1000000000000", to: "SF1999999999999" }],
          },
          // A site-specific format the built-in shapes do not know (synthetic).
          { carrier: "KY", pattern: "KY\\d{12}" },
        ],
      },
      access: { bulk_print_copies: 5, max_reprints: 1 },
    });
    await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/device/zpl-1/state" && m.json["reachability"] === "online",
      15_000,
      "device online",
    );
    db = openDatabase(join(g.dataDir, "labelgate.db"));
    const config = validateConfig({ data_dir: g.dataDir }, "side");
    const keys = loadOrCreateKeys(g.dataDir);
    const audit = createAuditAppend(openAuditLog({ db, keys, config, clock: now }), config);
    side = createAccessLayer({ db, keys, config, audit });
    for (const [id, role] of [
      ["E1", "operator"],
      ["E2", "operator"],
      ["E3", "operator"],
      ["S1", "supervisor"],
    ] as const)
      await side.service.addOperator(id, role, now(), CREDENTIAL(id));
  });
  afterAll(async () => {
    db.close();
    await g.stop();
  });

  function job(o: { operator?: string; waybill?: string } = {}) {
    const env = exampleJob({ replyTo: REPLY });
    env.payload.data["waybill_no"] = o.waybill ?? freshWaybill();
    if (o.operator !== undefined) env["operator"] = o.operator;
    return env;
  }
  async function send(env: { job_id: string }): Promise<Record<string, unknown>> {
    await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
    const r = await g.probe.waitReply(env.job_id, () => true);
    return r.json;
  }
  const errorOf = (r: Record<string, unknown>) => r["error"] as Record<string, unknown>;
  /** A management request; the acting operator's own credential is added unless given. */
  async function request(action: string, body: Record<string, unknown>) {
    const transaction = newJobId("tx");
    const op = body["operator"];
    const credential = typeof op === "string" && !("credential" in body) && CREDENTIAL(op);
    await g.probe.publish(
      REQ + action,
      JSON.stringify({ ...body, ...(credential && { credential }), transaction }),
    );
    const r = await g.probe.waitFor(
      (m) => m.topic === RESP + action && m.json["transaction"] === transaction,
      15_000,
      `response to ${action}`,
    );
    return r.json;
  }
  const actions = () => g.auditRows().map((r) => `${r.action}:${r.outcome}:${r.reason ?? ""}`);

  it("an operator disabled while jobs wait: queued, unsent jobs are refused and audited; new jobs are refused", async () => {
    const sim = g.gateway.simulators.get("zpl-1")!;
    sim.faults.set("media_out", true);
    await g.probe.waitFor(
      (m) =>
        m.topic === "labelgate/demo/device/zpl-1/state" &&
        (m.json["conditions"] as string[]).includes("media_out"),
      15_000,
      "media_out",
    );
    const queued = [job({ operator: "E1" }), job({ operator: "E1" })];
    for (const env of queued) await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
    for (const env of queued) await g.probe.waitReply(env.job_id, "accepted");

    side.service.setOperatorStatus("E1", false, now());
    sim.faults.set("media_out", false);
    for (const env of queued) {
      const r = await g.probe.waitReply(env.job_id, "rejected");
      expect(errorOf(r.json)["code"]).toBe("operator_disabled");
    }
    const fresh = job({ operator: "E1" });
    expect(errorOf(await send(fresh))["code"]).toBe("operator_disabled");
    const rows = g.auditRows();
    for (const env of queued)
      expect(
        rows.some(
          (r) =>
            r.job_id === env.job_id &&
            r.action === "print.failed" &&
            r.reason === "operator_disabled",
        ),
      ).toBe(true);
    expect(rows.some((r) => r.job_id === fresh.job_id && r.reason === "operator_disabled")).toBe(
      true,
    );
    expect(actions()).toContain("operator.disabled:ok:");
    // Another operator still prints.
    const other = job({ operator: "E2" });
    await g.probe.publish(JOB_TOPIC, JSON.stringify(other));
    await g.probe.waitReply(other.job_id, "ok");
  });

  it("an exemption approved by an active supervisor prints unmasked data and is audited; any other approver does not", async () => {
    const ok = job({ operator: "E2" });
    ok.payload.data.recipient["phone"] = "13812345678";
    ok["deid_exemption"] = { basis: "user_request", ref: "ticket-88", approver: "S1" };
    await g.probe.publish(JOB_TOPIC, JSON.stringify(ok));
    await g.probe.waitReply(ok.job_id, "accepted");
    expect(g.auditRows().some((r) => r.job_id === ok.job_id && r.action === "deid.exempted")).toBe(
      true,
    );

    for (const approver of ["E3", "NOBODY", "E1"]) {
      const bad = job({ operator: "E2" });
      bad.payload.data.recipient["phone"] = "13812345678";
      bad["deid_exemption"] = { basis: "legal_requirement", ref: "case-7", approver };
      const r = errorOf(await send(bad));
      expect(r).toMatchObject({ code: "privacy_rejected", path: "payload.data.recipient.phone" });
      expect(JSON.stringify(r)).not.toContain("13812345678");
    }
  });

  it("lockdown over MQTT: only a supervisor sets it; jobs are refused with lockdown until it is lifted; both audited", async () => {
    const denied = await request("lockdown.set", { operator: "E2", reason: "suspected leak" });
    expect(denied).toMatchObject({ status: "error", error: { code: "not_authorized" } });
    const set = await request("lockdown.set", { operator: "S1", reason: "suspected leak" });
    expect(set).toMatchObject({ status: "ok", data: { lockdown: { active: true, by: "S1" } } });
    const refused = job({ operator: "E2" });
    const r = errorOf(await send(refused));
    expect(r).toMatchObject({ code: "lockdown", retryable: true });
    expect((await request("lockdown.status", {}))["data"]).toMatchObject({
      lockdown: { active: true },
    });
    expect(await request("lockdown.lift", { operator: "S1", reason: "resolved" })).toMatchObject({
      status: "ok",
    });
    const after = job({ operator: "E2" });
    await g.probe.publish(JOB_TOPIC, JSON.stringify(after));
    await g.probe.waitReply(after.job_id, "accepted");
    expect(actions()).toEqual(expect.arrayContaining(["lockdown.set:ok:", "lockdown.lifted:ok:"]));
    // Operators over MQTT too: only a supervisor disables one, and it applies at once.
    expect(await request("operator.disable", { operator: "E2", id: "E3" })).toMatchObject({
      status: "error",
      error: { code: "not_authorized" },
    });
    expect(await request("operator.disable", { operator: "S1", id: "E3" })).toMatchObject({
      status: "ok",
      data: { operator: { id: "E3", status: "disabled" } },
    });
    expect(errorOf(await send(job({ operator: "E3" })))["code"]).toBe("operator_disabled");
    await request("operator.enable", { operator: "S1", id: "E3" });
  });

  it("a number outside its carrier's range is refused with waybill_out_of_range", async () => {
    for (const waybill of ["SF2000000000000", "YT1000000000000", "SF100000000000"]) {
      const r = errorOf(await send(job({ operator: "E2", waybill })));
      expect(r).toMatchObject({ code: "waybill_out_of_range", path: "payload.data.waybill_no" });
    }
  });

  it("a waybill number in a text field is refused: a configured carrier's format, or the job's own number", async () => {
    const site = job({ operator: "E2" });
    site.payload.data["destination"] = "转 KY123456789012";
    expect(errorOf(await send(site))).toMatchObject({
      code: "privacy_rejected",
      path: "payload.data.destination",
      rule: "text.waybill_number",
    });
    const own = job({ operator: "E2" });
    (own.payload.data["item"] as Record<string, unknown>)["category"] =
      `补 ${String(own.payload.data["waybill_no"])}`;
    expect(errorOf(await send(own))).toMatchObject({
      code: "privacy_rejected",
      path: "payload.data.item.category",
      rule: "text.waybill_number",
    });
  });

  it("reprints: a second first print needs a reason; over the limit a second supervisor's approval; self-approval refused; all audited", async () => {
    const no = freshWaybill();
    const first = job({ operator: "E2", waybill: no });
    await g.probe.publish(JOB_TOPIC, JSON.stringify(first));
    await g.probe.waitReply(first.job_id, "accepted");

    const again = job({ operator: "E2", waybill: no });
    expect(errorOf(await send(again))).toMatchObject({
      code: "reprint_reason_required",
      path: "reprint.reason",
    });

    const reprint1 = job({ operator: "E2", waybill: no });
    reprint1["reprint"] = { of: first.job_id, reason: "label damaged" };
    await g.probe.publish(JOB_TOPIC, JSON.stringify(reprint1));
    await g.probe.waitReply(reprint1.job_id, "accepted");

    const reprint2 = job({ operator: "E2", waybill: no });
    reprint2["reprint"] = { of: first.job_id, reason: "label damaged again" };
    expect(errorOf(await send(reprint2))).toMatchObject({
      code: "approval_required",
      reason: "missing",
    });

    const asked = await request("approval.request", {
      operator: "E2",
      action: "print.reprint_over_limit",
      reason: "label torn in the sorter",
    });
    expect(asked["status"]).toBe("ok");
    const id = (asked["data"] as { approval: { id: string } }).approval.id;

    const pending = job({ operator: "E2", waybill: no });
    pending["reprint"] = { of: first.job_id, reason: "torn" };
    pending["approval"] = id;
    expect(errorOf(await send(pending))).toMatchObject({
      code: "approval_required",
      reason: "not_granted",
    });

    expect(await request("approval.grant", { operator: "E2", id })).toMatchObject({
      status: "error",
      error: { code: "approval_required", reason: "self_approval" },
    });
    expect(await request("approval.grant", { operator: "E3", id })).toMatchObject({
      status: "error",
      error: { code: "approval_required", reason: "not_supervisor" },
    });
    expect(await request("approval.grant", { operator: "S1", id })).toMatchObject({
      status: "ok",
      data: { approval: { status: "granted", decided_by: "S1" } },
    });
    const approved = job({ operator: "E2", waybill: no });
    approved["reprint"] = { of: first.job_id, reason: "torn" };
    approved["approval"] = id;
    await g.probe.publish(JOB_TOPIC, JSON.stringify(approved));
    await g.probe.waitReply(approved.job_id, "accepted");

    const reused = job({ operator: "E2", waybill: no });
    reused["reprint"] = { of: first.job_id, reason: "torn" };
    reused["approval"] = id;
    expect(errorOf(await send(reused))).toMatchObject({
      code: "approval_required",
      reason: "used",
    });

    const life = side.waybills.life(no);
    expect(life.events.map((e) => [e.kind, e.operator])).toEqual([
      ["print", "E2"],
      ["reprint", "E2"],
      ["reprint", "E2"],
    ]);
    expect(life.events[2]).toMatchObject({ reason: "torn", approval: id });
    expect(actions()).toEqual(
      expect.arrayContaining([
        `approval.requested:ok:print.reprint_over_limit:${id}`,
        "approval.refused:rejected:approval_required:self_approval",
        `approval.granted:ok:print.reprint_over_limit:${id}`,
        "approval.used:ok:print.reprint_over_limit",
        "waybill.printed:ok:",
        "waybill.reprinted:ok:within_limit",
        "waybill.reprinted:ok:approved_over_limit",
      ]),
    );
  });

  it("a management request acts only with the acting operator's own credential; refusals are audited", async () => {
    const lockdowns = () => g.auditRows().filter((r) => r.action === "lockdown.set").length;
    const before = lockdowns();
    const missing = await request("lockdown.set", {
      operator: "S1",
      reason: "drill",
      credential: undefined,
    });
    expect(missing).toMatchObject({
      status: "error",
      error: { code: "not_authorized", path: "credential", reason: "credential_missing" },
    });
    // E2 knows their own password, not the supervisor's: acting as S1 with it is refused.
    const forged = await request("lockdown.set", {
      operator: "S1",
      reason: "drill",
      credential: CREDENTIAL("E2"),
    });
    expect(forged).toMatchObject({
      status: "error",
      error: { code: "not_authorized", reason: "credential_invalid" },
    });
    expect(JSON.stringify(forged)).not.toContain(CREDENTIAL("E2"));
    expect(await request("lockdown.status", {})).toMatchObject({
      status: "ok",
      data: { lockdown: { active: false } },
    });
    expect(actions()).toEqual(
      expect.arrayContaining([
        "management.refused:rejected:not_authorized:credential_missing:lockdown.set",
        "management.refused:rejected:not_authorized:credential_invalid:lockdown.set",
      ]),
    );
    expect(lockdowns()).toBe(before);
    // A supervisor's own credential works; a disabled operator's no longer does.
    expect(await request("lockdown.set", { operator: "S1", reason: "drill" })).toMatchObject({
      status: "ok",
    });
    expect(await request("lockdown.lift", { operator: "S1", reason: "drill over" })).toMatchObject({
      status: "ok",
    });
    side.service.setOperatorStatus("E3", false, now());
    try {
      expect(
        await request("approval.request", {
          operator: "E3",
          action: "print.bulk",
          reason: "tote labels",
        }),
      ).toMatchObject({ status: "error", error: { code: "not_authorized" } });
    } finally {
      side.service.setOperatorStatus("E3", true, now());
    }
  });

  it("bulk print: over bulk_print_copies it needs a granted approval of another supervisor; denied ones do not count", async () => {
    const bulk = () => {
      const env = job({ operator: "E2" }) as ReturnType<typeof job> & {
        payload: { copies: number };
      };
      env.payload.copies = 6;
      return env;
    };
    expect(errorOf(await send(bulk()))).toMatchObject({
      code: "approval_required",
      reason: "missing",
    });
    const a1 = side.service.requestApproval(
      { operator: "E2", action: "print.bulk", scope: {}, reason: "tote labels" },
      now(),
    );
    side.service.decideApproval(a1.id, "S1", false, now());
    const denied = bulk();
    denied["approval"] = a1.id;
    expect(errorOf(await send(denied))).toMatchObject({
      code: "approval_required",
      reason: "not_granted",
    });

    const a2 = side.service.requestApproval(
      { operator: "S1", action: "print.bulk", scope: {}, reason: "tote labels" },
      now(),
    );
    expect(() => side.service.decideApproval(a2.id, "S1", true, now())).toThrow(/cannot decide/);
    const a3 = side.service.requestApproval(
      { operator: "E2", action: "print.bulk", scope: {}, reason: "tote labels" },
      now(),
    );
    side.service.decideApproval(a3.id, "S1", true, now());
    const granted = bulk();
    granted["approval"] = a3.id;
    await g.probe.publish(JOB_TOPIC, JSON.stringify(granted));
    await g.probe.waitReply(granted.job_id, "ok");
    expect(actions()).toContain("approval.denied:ok:print.bulk:" + a1.id);
  });
});

describe("privacy at intake: field allow-list and re-mask mode", () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startTestGateway({ privacy: { phone_min_hidden: 6, remask_phones: true } });
  });
  afterAll(async () => {
    await g.stop();
  });

  it("refuses an unknown field with privacy_rejected and its path", async () => {
    const env = exampleJob({ replyTo: REPLY });
    (env.payload.data.recipient as Record<string, unknown>)["id_number"] = "x";
    await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
    const r = await g.probe.waitReply(env.job_id, "rejected");
    expect(r.json["error"]).toMatchObject({
      code: "privacy_rejected",
      path: "payload.data.recipient.id_number",
      rule: "data.unknown_field",
    });
  });

  it("re-masks a 4-hidden mobile to 6 hidden, prints it so, and audits deid.tightened", async () => {
    const env = exampleJob({ replyTo: REPLY });
    env.payload.data.recipient["phone"] = "138****5678";
    await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
    const done = await g.probe.waitReply(env.job_id, (s) => s !== "accepted");
    expect(done.json["status"]).toBe("ok");
    expect(
      g
        .auditRows()
        .some(
          (r) =>
            r.job_id === env.job_id &&
            r.action === "deid.tightened" &&
            r.reason === "phone.too_few_hidden:recipient.phone",
        ),
    ).toBe(true);
    // What was stored (and printed) is the re-masked number; the original never reached disk.
    const db = openDatabase(join(g.dataDir, "labelgate.db"));
    try {
      const stored = createInbox(db, createSealer(loadOrCreateKeys(g.dataDir))).envelope(
        env.job_id,
      );
      expect(stored.payload.data["recipient"]).toMatchObject({ phone: "138******78" });
    } finally {
      db.close();
    }
  });
});
