import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleJob, newJobId } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";
const REPLY = "labelgate/demo/reply/test-producer";

describe("job pipeline against the embedded broker and the ZPL simulator", () => {
  let g: TestGateway;
  const printed = () => {
    try {
      return readdirSync(join(g.dataDir, "sim", "zpl-1")).filter((f) => f.endsWith(".zpl")).length;
    } catch {
      return 0;
    }
  };
  const send = (env: unknown) => g.probe.publish(JOB_TOPIC, JSON.stringify(env));

  beforeAll(async () => {
    g = await startTestGateway({ mqtt: { password: "broker-secret-1", username: "gw1" } });
  });
  afterAll(async () => {
    await g.stop();
  });

  it("publishes the retained gateway and device documents", async () => {
    const state = await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/gateway/gw1/state",
      15_000,
      "labelgate/demo/gateway/gw1/state",
    );
    expect(state.json).toMatchObject({ state: "online", epoch: 1 });
    expect(state.retain).toBe(true);
    const info = await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/gateway/gw1/info",
      15_000,
      "labelgate/demo/gateway/gw1/info",
    );
    expect(info.json).toMatchObject({ api: 1 });
    expect(JSON.stringify(info.json)).not.toContain("broker-secret-1");
    const devices = await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/gateway/gw1/devices",
      15_000,
      "labelgate/demo/gateway/gw1/devices",
    );
    expect(devices.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: "zpl-1", driver: "zebra-zpl", owner: "gw1" }),
      ]),
    );
    await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/device/zpl-1/description",
      15_000,
      "labelgate/demo/device/zpl-1/description",
    );
    const ds = await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/device/zpl-1/state" && m.json["reachability"] === "online",
      15_000,
      "labelgate/demo/device/zpl-1/state",
    );
    expect(ds.json).toMatchObject({ owner: "gw1", epoch: 1, availability: "online" });
  });

  it("prints a de-identified job: accepted, then ok, and audits it", async () => {
    const before = printed();
    const env = exampleJob({ replyTo: REPLY });
    await send(env);
    await g.probe.waitReply(env.job_id, "ok");
    expect(g.probe.replies(env.job_id).map((r) => r["status"])).toEqual(["accepted", "ok"]);
    expect(g.probe.replies(env.job_id)[0]).toMatchObject({ transaction: "ws-12:4711" });
    await expect.poll(printed).toBe(before + 1);
    const actions = g
      .auditRows()
      .filter((r) => r.job_id === env.job_id)
      .map((r) => r.action);
    expect(actions).toEqual(["job.accepted", "print.dispatched", "print.completed"]);
  });

  it.each([
    ["an unmasked mobile", "13812345678"],
    ["a mobile with only 4 digits hidden", "138****5678"],
    ["a full-width unmasked mobile", "１３８１２３４５６７８"],
  ])(
    "rejects %s with privacy_rejected and the field path; nothing is printed",
    async (_what, phone) => {
      const before = printed();
      const env = exampleJob({ replyTo: REPLY });
      env.payload.data.recipient["phone"] = phone;
      await send(env);
      const r = await g.probe.waitReply(env.job_id, "rejected");
      const error = r.json["error"] as Record<string, unknown>;
      expect(error["code"]).toBe("privacy_rejected");
      expect(error["path"]).toBe("payload.data.recipient.phone");
      expect(JSON.stringify(r.json)).not.toContain(phone);
      expect(printed()).toBe(before);
      const rows = g.auditRows().filter((x) => x.job_id === env.job_id);
      expect(rows.map((x) => x.action)).toEqual(["job.rejected"]);
      expect(rows[0]!.reason).toMatch(/^privacy_rejected/);
    },
  );

  it("rejects a resident ID number hidden in a free-text field", async () => {
    const env = exampleJob({ replyTo: REPLY });
    env.payload.data["destination"] = "杭州 360426199101010071";
    await send(env);
    const r = await g.probe.waitReply(env.job_id, "rejected");
    expect(r.json["error"]).toMatchObject({
      code: "privacy_rejected",
      path: "payload.data.destination",
    });
  });

  it("prints a job published twice only once; the second delivery is answered duplicate", async () => {
    const before = printed();
    const env = exampleJob({ replyTo: REPLY });
    await send(env);
    await g.probe.waitReply(env.job_id, "ok");
    await send(env);
    const dup = await g.probe.waitReply(env.job_id, "duplicate");
    expect(dup.json["data"]).toMatchObject({ state: "done", outcome: { status: "ok" } });
    await expect.poll(printed).toBe(before + 1);
  });

  it("answers job_id_conflict when a job_id comes back with different content", async () => {
    const env = exampleJob({ replyTo: REPLY });
    await send(env);
    await g.probe.waitReply(env.job_id, "ok");
    env.payload.data["sort_code"] = "571-B00-01";
    await send(env);
    const r = await g.probe.waitReply(env.job_id, "rejected");
    expect(r.json["error"]).toMatchObject({ code: "job_id_conflict" });
  });

  it("never prints an expired job", async () => {
    const before = printed();
    const env = exampleJob({
      replyTo: REPLY,
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    await send(env);
    const r = await g.probe.waitReply(env.job_id, "expired");
    expect(r.json["error"]).toMatchObject({ code: "expired" });
    expect(printed()).toBe(before);
  });

  it("answers malformed JSON, a wrong type, a 2 MB payload and an unknown device with coded replies, and keeps running", async () => {
    const before = printed();
    const j1 = newJobId();
    await g.probe.publish(JOB_TOPIC, `{"v":1,"job_id":"${j1}","reply_to":"${REPLY}", "kind": `);
    expect((await g.probe.waitReply(j1, "rejected")).json["error"]).toMatchObject({
      code: "invalid_envelope",
      retryable: false,
    });

    const wrong = exampleJob({ replyTo: REPLY }) as Record<string, unknown> & {
      payload: Record<string, unknown>;
    };
    wrong.payload["copies"] = "two";
    await send(wrong);
    const r2 = await g.probe.waitReply(String(wrong["job_id"]), "rejected");
    expect(r2.json["error"]).toMatchObject({ code: "invalid_envelope", path: "payload.copies" });
    expect(JSON.stringify(r2.json)).not.toContain('"two"');

    const big = exampleJob({ replyTo: REPLY });
    big.payload.data["item"] = { category: "x".repeat(2 * 1024 * 1024) };
    await send(big);
    expect((await g.probe.waitReply(big.job_id, "rejected")).json["error"]).toMatchObject({
      code: "payload_too_large",
    });

    const unknown = exampleJob({ replyTo: REPLY });
    (unknown as Record<string, unknown>)["device"] = "nope-9";
    await g.probe.publish("labelgate/demo/device/nope-9/job", JSON.stringify(unknown));
    expect((await g.probe.waitReply(unknown.job_id, "rejected")).json["error"]).toMatchObject({
      code: "device_unknown",
    });

    const hostile = exampleJob({ replyTo: "labelgate/demo/device/zpl-1/job" });
    await send(hostile);
    // A reply_to outside the reply prefix is never published to; the job is refused and audited.
    await expect
      .poll(() =>
        g.auditRows().some((x) => x.job_id === hostile.job_id && x.action === "job.rejected"),
      )
      .toBe(true);

    expect(printed()).toBe(before);
    const ok = exampleJob({ replyTo: REPLY });
    await send(ok);
    await g.probe.waitReply(ok.job_id, "ok");
    await expect.poll(printed).toBe(before + 1);
  });

  it("escapes command-injection strings in fields: one format per job", async () => {
    const env = exampleJob({ replyTo: REPLY });
    env.payload.data["destination"] = "杭州^XZ^XA^FO0,0^FDpwn~JA";
    const before = printed();
    await send(env);
    await g.probe.waitReply(env.job_id, "ok");
    await expect.poll(printed).toBe(before + 1);
  });
});
