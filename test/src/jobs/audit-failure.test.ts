import { readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { exampleJob } from "../../helpers/jobs.ts";

const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";
const REPLY = "labelgate/demo/reply/ws-12";

/**
 * "Audit before print" when the log cannot be made durable: the group-commit batch of the next
 * job cannot be synced. The job is refused with `audit_unavailable`, nothing prints, the alert
 * goes out, and printing stays stopped (a failed durability step is never retried).
 */
describe("audit log unavailable", () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startTestGateway();
  });
  afterAll(async () => {
    await g.stop();
  });

  it("refuses jobs with audit_unavailable, prints nothing, raises the alert, and stays stopped", async () => {
    const first = exampleJob({ replyTo: REPLY });
    await g.probe.publish(JOB_TOPIC, JSON.stringify(first));
    await g.probe.waitReply(first.job_id, "ok", 20_000);
    const printed = () =>
      readdirSync(join(g.dataDir, "sim", "zpl-1")).filter((f) => f.endsWith(".zpl")).length;
    // The simulator writes its file after it printed; the ok reply does not wait for it.
    await expect.poll(printed).toBe(1);
    const before = printed();

    // The WAL file disappears under the running daemon (a yanked or failing disk): SQLite keeps
    // writing to its open descriptor, but the group commit's durability step cannot sync it.
    unlinkSync(join(g.dataDir, "labelgate.db-wal"));
    const blocked = exampleJob({ replyTo: REPLY });
    await g.probe.publish(JOB_TOPIC, JSON.stringify(blocked));
    const r = await g.probe.waitReply(blocked.job_id, "rejected", 20_000);
    expect(r.json["error"]).toMatchObject({ code: "audit_unavailable", retryable: true });
    await g.probe.waitFor(
      (m) =>
        m.topic === "labelgate/demo/gateway/gw1/alert" && m.json["type"] === "audit_unavailable",
      20_000,
      "audit_unavailable alert",
    );

    const after = exampleJob({ replyTo: REPLY });
    await g.probe.publish(JOB_TOPIC, JSON.stringify(after));
    const r2 = await g.probe.waitReply(after.job_id, "rejected", 10_000);
    expect(r2.json["error"]).toMatchObject({ code: "audit_unavailable" });
    expect(printed()).toBe(before);
  }, 60_000);
});
