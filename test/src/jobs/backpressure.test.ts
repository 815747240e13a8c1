import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleJob } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";
const REPLY = "labelgate/demo/reply/bp-producer";

describe("back-pressure: bounded queues refuse with busy instead of dropping", () => {
  let g: TestGateway;

  beforeAll(async () => {
    g = await startTestGateway({ limits: { max_queue_per_device: 3 } });
    await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/device/zpl-1/state" && m.json["reachability"] === "online",
      15_000,
      "device online",
    );
  });
  afterAll(async () => {
    await g.stop();
  });

  it("accepts up to the bound while the printer is faulted, answers busy past it, and takes the job once there is room", async () => {
    const sim = g.gateway.simulators.get("zpl-1")!;
    sim.faults.set("head_open", true);
    await g.probe.waitFor(
      (m) =>
        m.topic === "labelgate/demo/device/zpl-1/state" &&
        (m.json["conditions"] as string[]).includes("head_open"),
      15_000,
      "head_open",
    );
    const jobs = [0, 1, 2, 3, 4].map((i) => {
      const env = exampleJob({ replyTo: REPLY });
      env.payload.data["waybill_no"] = `SF80000000000${i}0`;
      return env;
    });
    for (const env of jobs) {
      await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
      await g.probe.waitReply(env.job_id, (s) => s === "accepted" || s === "rejected");
    }
    const first = jobs.map((j) => g.probe.replies(j.job_id)[0]!);
    expect(first.map((r) => r["status"])).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "rejected",
      "rejected",
    ]);
    for (const r of first.slice(3)) {
      expect(r["error"]).toMatchObject({ code: "busy", retryable: true });
      expect((r["error"] as { retry_after_ms: number }).retry_after_ms).toBeGreaterThanOrEqual(500);
    }
    // Nothing refused was stored: the audit log has no job.accepted for them.
    const accepted = g
      .auditRows()
      .filter((x) => x.action === "job.accepted")
      .map((x) => x.job_id);
    expect(accepted).not.toContain(jobs[3]!.job_id);

    sim.faults.set("head_open", false);
    for (const env of jobs.slice(0, 3)) await g.probe.waitReply(env.job_id, "ok");
    // The producer retries with the same job_id: now there is room.
    await g.probe.publish(JOB_TOPIC, JSON.stringify(jobs[3]));
    await g.probe.waitReply(jobs[3]!.job_id, "ok");
  });
});
