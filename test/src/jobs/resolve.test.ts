import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessLayer } from "../../../src/access/wiring.ts";
import { createAuditAppend, openAuditLog } from "../../../src/audit/wiring.ts";
import { validateConfig } from "../../../src/config/load.ts";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { exampleJob } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";
const REPLY = "labelgate/demo/reply/resolve-producer";
const REQUEST = "labelgate/demo/gateway/gw1/request/job.resolve";
const RESPONSE = "labelgate/demo/gateway/gw1/response/job.resolve";

/**
 * In-doubt jobs are resolved only by an explicit request of a supervisor (issue #9 §2): confirm
 * (it printed), or reprint with a reason (the same job goes back on its queue). Never automatic.
 */
describe("job.resolve over MQTT management requests", () => {
  let g: TestGateway;
  let db: Db;
  let waybill = 0;

  beforeAll(async () => {
    g = await startTestGateway();
    await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/device/zpl-1/state" && m.json["reachability"] === "online",
      15_000,
      "device online",
    );
    db = openDatabase(join(g.dataDir, "labelgate.db"));
    const config = validateConfig({ data_dir: g.dataDir }, "side");
    const keys = loadOrCreateKeys(g.dataDir);
    const audit = createAuditAppend(openAuditLog({ db, keys, config, clock: Date.now }), config);
    const side = createAccessLayer({ db, keys, config, audit });
    await side.service.addOperator("S9", "supervisor", Date.now(), "pw-S9-synthetic");
    await side.service.addOperator("E9", "operator", Date.now(), "pw-E9-synthetic");
  });
  afterAll(async () => {
    db.close();
    await g.stop();
  });

  /** A job whose printer goes silent right after taking the bytes: it ends in doubt. */
  async function inDoubtJob() {
    const sim = g.gateway.simulators.get("zpl-1")!;
    const rt = g.gateway.devices.get("zpl-1")! as { write: (b: Uint8Array) => Promise<void> };
    const write = rt.write;
    rt.write = async (b) => {
      await write(b);
      sim.faults.silent(true);
    };
    const env = exampleJob({ replyTo: REPLY });
    env.payload.data["waybill_no"] = `SF7000000000${String(++waybill).padStart(3, "0")}`;
    try {
      await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
      await g.probe.waitReply(env.job_id, "in_doubt", 20_000);
    } finally {
      rt.write = write;
      sim.faults.silent(false);
    }
    return env;
  }

  async function request(body: Record<string, unknown>) {
    const transaction = `t-${Math.random().toString(16).slice(2)}`;
    // The acting operator's own credential (README "Management requests").
    const credential = `pw-${String(body["operator"])}-synthetic`;
    await g.probe.publish(REQUEST, JSON.stringify({ ...body, credential, transaction }));
    return (
      await g.probe.waitFor(
        (m) => m.topic === RESPONSE && m.json["transaction"] === transaction,
        15_000,
        "response",
      )
    ).json;
  }

  it("refuses an operator who is not a supervisor, and a reprint without a reason", async () => {
    const env = await inDoubtJob();
    expect(
      await request({ job_id: env.job_id, resolution: "confirm", operator: "E9" }),
    ).toMatchObject({
      status: "error",
      error: { code: "not_authorized" },
    });
    expect(
      await request({ job_id: env.job_id, resolution: "reprint", operator: "S9" }),
    ).toMatchObject({
      status: "error",
      error: { code: "reprint_reason_required" },
    });
    // Still in doubt: nothing was decided for it.
    expect(
      await request({ job_id: env.job_id, resolution: "confirm", operator: "S9" }),
    ).toMatchObject({
      status: "ok",
      data: { state: "done" },
    });
    await g.probe.waitReply(env.job_id, "ok");
    expect(
      g
        .auditRows()
        .filter((r) => r.job_id === env.job_id)
        .map((r) => r.action),
    ).toEqual(["job.accepted", "print.dispatched", "print.in_doubt", "job.resolved"]);
  });

  it("reprint with a reason puts the same job back on its queue; it prints and ends ok; a second resolve is refused", async () => {
    const env = await inDoubtJob();
    const before = g
      .auditRows()
      .filter((r) => r.job_id === env.job_id && r.action === "print.dispatched").length;
    expect(
      await request({
        job_id: env.job_id,
        resolution: "reprint",
        reason: "label not on the parcel",
        operator: "S9",
      }),
    ).toMatchObject({
      status: "ok",
      data: { state: "queued" },
    });
    await g.probe.waitReply(env.job_id, "ok");
    const dispatched = g
      .auditRows()
      .filter((r) => r.job_id === env.job_id && r.action === "print.dispatched").length;
    expect(dispatched).toBe(before + 1);
    expect(
      await request({ job_id: env.job_id, resolution: "confirm", operator: "S9" }),
    ).toMatchObject({
      status: "error",
      error: { code: "invalid_request" },
    });
  });
});
