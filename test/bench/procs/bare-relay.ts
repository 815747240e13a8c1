/**
 * The transport ceiling: a bare mqtt.js relay (subscribe with QoS 1, `JSON.parse`, a 5-field ZPL,
 * `socket.write` on one persistent connection per printer). No validation, no durability, no
 * audit, no status read-back. With `--reply` it also publishes `{status: "ok"}` on the job's
 * `reply_to` once the write is handed to the kernel (the request/reply ceiling for latency).
 *
 * Args: `--url mqtt://… --ports p1,p2,… [--reply]` (device `zpl-i` is port i). IPC: `ready`.
 */
import { connect, type Socket } from "node:net";
import mqtt from "mqtt";
import { BASE, RELAY_ZPL_FUNCTION_BODY, SITE, deviceId } from "../lib/jobs.ts";

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1] ?? "";
const url = arg("--url");
const ports = arg("--ports").split(",").map(Number);
const withReply = process.argv.includes("--reply");

interface Job {
  job_id: string;
  reply_to?: string;
  payload: { data: Record<string, unknown> };
}
// The same source text the Node-RED function node runs.
const buildZpl = new Function("job", RELAY_ZPL_FUNCTION_BODY) as (job: Job) => string;

const sockets = new Map<string, Socket>();
await Promise.all(
  ports.map(
    (port, i) =>
      new Promise<void>((resolve, reject) => {
        const s = connect({ host: "127.0.0.1", port, noDelay: true }, () => resolve());
        s.once("error", reject);
        s.on("data", () => undefined);
        sockets.set(deviceId(i), s);
      }),
  ),
);

const client = await mqtt.connectAsync(url, {
  clientId: `bare-relay-${process.pid}`,
  protocolVersion: 4,
  clean: true,
  reconnectPeriod: 0,
});
(client.stream as Socket).setNoDelay(true);
const prefix = `${BASE}/${SITE}/device/`;
client.on("message", (topic, payload) => {
  const device = topic.slice(prefix.length, topic.indexOf("/", prefix.length));
  const job = JSON.parse(payload.toString("utf8")) as Job;
  const socket = sockets.get(device);
  if (!socket) return;
  socket.write(buildZpl(job));
  if (withReply && job.reply_to !== undefined) {
    client.publish(job.reply_to, JSON.stringify({ status: "ok", job_id: job.job_id }), { qos: 1 });
  }
});
await client.subscribeAsync(`${prefix}+/job`, { qos: 1 });
process.send?.({ type: "ready" });
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
