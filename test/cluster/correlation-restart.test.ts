import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { GatewayProcess, writeClusterConfig } from "./gateway-process.ts";
import { startBrokerAndPrinter, type Cleanup } from "./scenario.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/jobs/label-print.json", import.meta.url));

interface Got {
  status?: string;
  job_id?: string;
  correlation?: string;
}

/**
 * MQTT 5 Correlation Data kept across a gateway restart: a job accepted while its printer is
 * paused, the gateway stopped and started again, the printer resumed; the final reply, sent by
 * the restarted process, carries the request's Correlation Data like the `accepted` before it.
 */
describe("Correlation Data across a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-correlation-"));
  const cleanup: Cleanup = [];

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "the final reply after a restart carries the request's Correlation Data",
    { timeout: 90_000 },
    async () => {
      const { url, printer } = await startBrokerAndPrinter(dir, cleanup);
      await printer.command("fault paused on");
      writeClusterConfig(join(dir, "gw1.yaml"), {
        url,
        gateway: "gw1",
        dataDir: join(dir, "gw1"),
        role: "owner",
        graceS: 5,
        printerPort: printer.port,
      });
      const gw1 = new GatewayProcess(join(dir, "gw1.yaml"));
      cleanup.push(() => gw1.kill("SIGTERM"));
      gw1.start();
      await gw1.waitFor('"gateway started"');

      const got: Got[] = [];
      const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "ws-corr" });
      cleanup.push(() => client.endAsync());
      client.on("message", (_t, p, packet) => {
        const cd = packet.properties?.correlationData;
        got.push({
          ...(JSON.parse(p.toString()) as Got),
          ...(cd !== undefined && { correlation: Buffer.from(cd).toString("hex") }),
        });
      });
      await client.subscribeAsync("labelgate/demo/reply/ws-corr/#", { qos: 1 });
      const env = JSON.parse(readFileSync(EXAMPLE, "utf8")) as Record<string, unknown>;
      env["job_id"] = "01JCORRELATIONRESTART00001";
      delete env["reply_to"];
      await client.publishAsync("labelgate/demo/device/zpl-1/job", JSON.stringify(env), {
        qos: 1,
        properties: {
          responseTopic: "labelgate/demo/reply/ws-corr/r1",
          correlationData: Buffer.from("5eed0001", "hex"),
        },
      });
      const waitFor = async (status: string) => {
        const deadline = Date.now() + 30_000;
        while (!got.some((g) => g.status === status)) {
          if (Date.now() > deadline) throw new Error(`no ${status} reply: ${JSON.stringify(got)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitFor("accepted");

      // Held on the paused printer; the gateway goes down and comes back.
      await gw1.kill("SIGTERM");
      gw1.start();
      await gw1.waitFor('"gateway started"');
      await printer.command("fault paused off");
      await waitFor("ok");
      expect(got.map((g) => [g.status, g.correlation])).toEqual([
        ["accepted", "5eed0001"],
        ["ok", "5eed0001"],
      ]);
      expect(printer.printed()).toHaveLength(1);
    },
  );
});
