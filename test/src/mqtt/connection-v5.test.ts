import { createServer, type Server, type Socket } from "node:net";
import mqttPacket, { type Packet } from "mqtt-packet";
import { afterEach, describe, expect, it } from "vitest";
import { connectMqtt, type MqttConnection } from "../../../src/mqtt/connection.ts";
import { silentLogger } from "../../../src/log.ts";

/**
 * A broker side written with mqtt-packet (MQTT 5): it sends the gateway two QoS 1 publishes and
 * reports the PUBACKs the gateway sends back, reason code included (MQTT 5.0 §3.4.2.1).
 */
function fakeBroker(): Promise<{ server: Server; port: number; pubacks: Promise<Packet[]> }> {
  let resolvePubacks: (p: Packet[]) => void = () => undefined;
  const pubacks = new Promise<Packet[]>((r) => (resolvePubacks = r));
  const server = createServer((socket: Socket) => {
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const send = (p: Packet) => socket.write(mqttPacket.generate(p, { protocolVersion: 5 }));
    const seen: Packet[] = [];
    parser.on("packet", (p: Packet) => {
      if (p.cmd === "connect") {
        send({ cmd: "connack", returnCode: 0, reasonCode: 0, sessionPresent: false });
        send({
          cmd: "publish",
          topic: "labelgate/demo/device/zpl-1/job",
          payload: Buffer.from("{not json"),
          qos: 1,
          messageId: 1,
          retain: false,
          dup: false,
        });
        send({
          cmd: "publish",
          topic: "labelgate/demo/device/zpl-1/job",
          payload: Buffer.from('{"job_id":"J1"}'),
          qos: 1,
          messageId: 2,
          retain: false,
          dup: false,
        });
      } else if (p.cmd === "puback") {
        seen.push(p);
        if (seen.length === 2) resolvePubacks(seen);
      } else if (p.cmd === "pingreq") send({ cmd: "pingresp" });
    });
    socket.on("data", (b) => parser.parse(b));
    socket.on("error", () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve({ server, port: typeof a === "object" && a ? a.port : 0, pubacks });
    }),
  );
}

describe("MQTT 5 connection", () => {
  let conn: MqttConnection | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await conn?.close();
    server?.close();
  });

  it("answers a payload that is not JSON with PUBACK 0x99 and a job with 0x00, each after its handler ran", async () => {
    const b = await fakeBroker();
    server = b.server;
    const handled: string[] = [];
    conn = await connectMqtt({
      url: `mqtt://127.0.0.1:${b.port}`,
      clientId: "gw-v5",
      keepaliveS: 30,
      protocolVersion: 5,
      will: { topic: "labelgate/demo/gateway/gw-v5/state", payload: "offline" },
      onConnect: async () => undefined,
      malformed: (_t, payload) => {
        try {
          JSON.parse(Buffer.from(payload).toString());
          return false;
        } catch {
          return true;
        }
      },
      handle: (m) => {
        handled.push(Buffer.from(m.payload).toString());
      },
      logger: silentLogger(),
    });
    expect(conn.protocolVersion).toBe(5);
    const acks = (await b.pubacks) as Array<Packet & { messageId?: number; reasonCode?: number }>;
    expect(acks.map((a) => [a.messageId, a.reasonCode ?? 0])).toEqual([
      [1, 0x99],
      [2, 0],
    ]);
    expect(handled).toEqual(["{not json", '{"job_id":"J1"}']);
  });
});
