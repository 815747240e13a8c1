import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleJob } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const JOB_TOPIC = "labelgate/demo/device/zpl-1/job";
const REPLY = "labelgate/demo/reply/fault-producer";

describe("device faults hold the queue and resume it in order", () => {
  let g: TestGateway;
  const zplFiles = () =>
    readdirSync(join(g.dataDir, "sim", "zpl-1"))
      .filter((f) => f.endsWith(".zpl"))
      .sort((a, b) => parseInt(a) - parseInt(b));

  beforeAll(async () => {
    g = await startTestGateway();
    await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/device/zpl-1/state" && m.json["reachability"] === "online",
      15_000,
      "device online",
    );
  });
  afterAll(async () => {
    await g.stop();
  });

  it.each(["head_open", "media_out"])(
    "with %s: jobs are held (not failed), then print in arrival order once it clears",
    async (fault) => {
      const sim = g.gateway.simulators.get("zpl-1")!;
      const before = (() => {
        try {
          return zplFiles().length;
        } catch {
          return 0;
        }
      })();
      sim.faults.set(fault, true);
      await g.probe.waitFor(
        (m) =>
          m.topic === "labelgate/demo/device/zpl-1/state" &&
          (m.json["conditions"] as string[]).includes(fault),
        15_000,
        `state with ${fault}`,
      );

      const jobs = [0, 1, 2].map((i) => {
        const env = exampleJob({ replyTo: REPLY });
        env.payload.data["waybill_no"] = `SF90000000000${i}${fault === "head_open" ? 1 : 2}`;
        return env;
      });
      for (const env of jobs) await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
      for (const env of jobs) await g.probe.waitReply(env.job_id, "accepted");
      await g.probe.waitFor(
        (m) =>
          m.topic.endsWith("/event") &&
          m.json["type"] === "job.held" &&
          m.json["job_id"] === jobs[0]!.job_id,
        15_000,
        "job.held",
      );
      // Nothing reached the paper while the fault lasts, and nobody was told ok.
      expect(g.probe.replies(jobs[0]!.job_id).map((r) => r["status"])).toEqual(["accepted"]);

      sim.faults.set(fault, false);
      for (const env of jobs) await g.probe.waitReply(env.job_id, "ok");
      // The simulator writes its files asynchronously after it printed.
      await expect.poll(() => zplFiles().length - before).toBe(3);
      const files = zplFiles().slice(before);
      // Text is sent as graphics; the waybill number travels as barcode data, so it tells jobs apart.
      const order = files.map(
        (f) =>
          /SF90000000000(\d)\d/.exec(
            readFileSync(join(g.dataDir, "sim", "zpl-1", f), "latin1"),
          )?.[1],
      );
      expect(order).toEqual(["0", "1", "2"]);
    },
  );

  it("a printer that stops answering after the bytes left makes the job in_doubt, never ok and never reprinted", async () => {
    const sim = g.gateway.simulators.get("zpl-1")!;
    const rt = g.gateway.devices.get("zpl-1")! as { write: (b: Uint8Array) => Promise<void> };
    const write = rt.write;
    // The printer goes silent right after it took the bytes: the confirmation read-back fails.
    rt.write = async (b) => {
      await write(b);
      sim.faults.silent(true);
    };
    const env = exampleJob({ replyTo: REPLY });
    try {
      await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
      const r = await g.probe.waitReply(env.job_id, (s) => s !== "accepted", 20_000);
      expect(r.json["status"]).toBe("in_doubt");
      expect(r.json["error"]).toMatchObject({ code: "in_doubt", retryable: false });
      const rows = g
        .auditRows()
        .filter((x) => x.job_id === env.job_id)
        .map((x) => x.action);
      expect(rows).toEqual(["job.accepted", "print.dispatched", "print.in_doubt"]);
    } finally {
      rt.write = write;
      sim.faults.silent(false);
    }
    // Sent again by the producer: answered from the inbox, not printed again.
    await g.probe.publish(JOB_TOPIC, JSON.stringify(env));
    const dup = await g.probe.waitReply(env.job_id, "duplicate");
    expect(dup.json["data"]).toMatchObject({ state: "in_doubt" });
  });
});
