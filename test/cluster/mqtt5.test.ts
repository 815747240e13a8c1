import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/log.ts";
import { startGateway } from "../../src/main.ts";
import { Mosquitto } from "../faults/helpers/mosquitto.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { exampleJob } from "../helpers/jobs.ts";
import { freePort } from "../helpers/net.ts";

interface Got {
  body: { status?: string; job_id?: string };
  correlation?: string;
  userJobId?: unknown;
}

/** MQTT 5 client mode against Debian's Mosquitto: properties on replies, PUBACK reason codes. */
describe("MQTT 5 client mode on Mosquitto", () => {
  let broker: Mosquitto;
  let tg: TestGateway;
  let client: MqttClient;
  const got: Got[] = [];

  beforeAll(async () => {
    broker = new Mosquitto(await freePort());
    await broker.start();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    tg = await startTestGateway({
      mqtt: { url, embedded: { enabled: false }, protocol_version: 5 },
    });
    client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "ws-mqtt5" });
    client.on("message", (_t, p, packet) => {
      const cd = packet.properties?.correlationData;
      got.push({
        body: JSON.parse(p.toString()) as Got["body"],
        ...(cd !== undefined && { correlation: Buffer.from(cd).toString("hex") }),
        userJobId: packet.properties?.userProperties?.["job_id"],
      });
    });
    await client.subscribeAsync("labelgate/demo/reply/ws-mqtt5/#", { qos: 1 });
  });

  afterAll(async () => {
    await client?.endAsync();
    await tg?.stop();
    await broker?.stop();
  });

  it("answers on the Response Topic with the request's Correlation Data and a job_id User Property", async () => {
    const env = exampleJob({ replyTo: "unused" });
    delete env["reply_to"];
    await client.publishAsync("labelgate/demo/device/zpl-1/job", JSON.stringify(env), {
      qos: 1,
      properties: {
        responseTopic: "labelgate/demo/reply/ws-mqtt5/r1",
        correlationData: Buffer.from("c0ffee", "hex"),
      },
    });
    while (!got.some((g) => g.body.job_id === env.job_id && g.body.status === "ok"))
      await new Promise((r) => setTimeout(r, 20));
    const mine = got.filter((g) => g.body.job_id === env.job_id);
    expect(mine.map((g) => g.body.status)).toEqual(["accepted", "ok"]);
    for (const g of mine) {
      expect(g.correlation).toBe("c0ffee");
      expect(g.userJobId).toBe(env.job_id);
    }
  });
});

describe("cluster.mode multi", () => {
  it("subscribes only the job topics of the gateway's own devices", async () => {
    const broker = new Mosquitto(await freePort());
    await broker.start();
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const tg = await startTestGateway({
      mqtt: { url, embedded: { enabled: false } },
      cluster: { mode: "multi" },
    });
    try {
      const replies: Array<{ job_id?: string; status?: string }> = [];
      const c = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "ws-multi" });
      c.on("message", (_t, p) => replies.push(JSON.parse(p.toString()) as (typeof replies)[0]));
      await c.subscribeAsync("labelgate/demo/reply/ws-multi", { qos: 1 });
      const other = exampleJob({ replyTo: "labelgate/demo/reply/ws-multi" });
      delete other["device"];
      const mine = exampleJob({ replyTo: "labelgate/demo/reply/ws-multi" });
      // Another gateway's device first: a gateway subscribed to it would answer before `mine`.
      await c.publishAsync("labelgate/demo/device/zpl-9/job", JSON.stringify(other), { qos: 1 });
      await c.publishAsync("labelgate/demo/device/zpl-1/job", JSON.stringify(mine), { qos: 1 });
      while (!replies.some((r) => r.job_id === mine.job_id))
        await new Promise((r) => setTimeout(r, 20));
      expect(replies.filter((r) => r.job_id === other.job_id)).toEqual([]);
      await c.endAsync();
      const state = tg.probe.messages.find((m) => m.topic === "labelgate/demo/device/zpl-1/state");
      expect(state?.json).toMatchObject({ owner: "gw1", epoch: 1 });
    } finally {
      await tg.stop();
      await broker.stop();
    }
  });

  it("is refused on the embedded broker with a clear message (no shared subscriptions)", async () => {
    const config = validateConfig(
      {
        site: "demo",
        gateway: "gw1",
        data_dir: "/nonexistent-not-used",
        cluster: { mode: "multi" },
      },
      "test config",
    );
    await expect(startGateway({ config, logger: silentLogger() })).rejects.toMatchObject({
      code: "config_invalid",
      message: expect.stringMatching(/external MQTT 5 broker.*shared subscriptions/) as unknown,
    });
  });

  it("needs standby_for on a standby", () => {
    expect(() =>
      validateConfig({ cluster: { mode: "multi", role: "standby" } }, "test config"),
    ).toThrow(/standby_for/);
  });
});
