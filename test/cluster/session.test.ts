import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Mosquitto } from "../faults/helpers/mosquitto.ts";
import { startTestGateway } from "../helpers/gateway.ts";
import { exampleJob } from "../helpers/jobs.ts";
import { MqttProbe } from "../helpers/mqtt-probe.ts";
import { freePort } from "../helpers/net.ts";

/**
 * An owner with an MQTT 5 persistent session (Session Expiry > 0, fixed client id): a job
 * published while the gateway is stopped waits at the broker and prints after the restart.
 */
describe("persistent session of a device owner", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-session-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a job sent while the owner was down is delivered and printed after it restarts", async () => {
    const broker = new Mosquitto(await freePort());
    await broker.start();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const extra = {
      mqtt: {
        url,
        embedded: { enabled: false },
        client_id: "lg-gw1-session",
        session_expiry_s: 300,
      },
      cluster: { mode: "multi" as const },
    };
    const producer = await MqttProbe.connect(url, ["labelgate/demo/reply/ws-session"]);
    try {
      const first = await startTestGateway(extra, dir);
      await first.stop();
      const job = exampleJob({ replyTo: "labelgate/demo/reply/ws-session" });
      await producer.client.publishAsync("labelgate/demo/device/zpl-1/job", JSON.stringify(job), {
        qos: 1,
      });
      const again = await startTestGateway(extra, dir);
      try {
        const ok = await producer.waitFor(
          (m) => m.json["job_id"] === job.job_id && m.json["status"] === "ok",
          20_000,
          "ok for the job sent while the gateway was down",
        );
        expect(ok.json["status"]).toBe("ok");
        expect(
          again
            .auditRows()
            .filter((r) => r.action === "print.dispatched" && r.job_id === job.job_id),
        ).toHaveLength(1);
      } finally {
        await again.stop();
      }
    } finally {
      await producer.close();
      await broker.stop();
    }
  });
});
