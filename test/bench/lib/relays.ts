/**
 * Starting the parts of an end-to-end benchmark, each in its own process on loopback: the broker
 * (aedes, or Debian's Mosquitto), the simulated printers, and the relay under test — labelgate
 * (`bin/labelgate.js start`, exactly as a site runs it), the bare mqtt.js relay, or Node-RED.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import mqtt from "mqtt";
import { BASE, RELAY_ZPL_FUNCTION_BODY, SITE, deviceId } from "./jobs.ts";
import { REPO_ROOT, forkProc, spawnProc, type Child } from "./procs.ts";
import { monoMs } from "./stats.ts";

export interface Broker {
  name: string;
  url: string;
  child: Child;
}

export async function startAedes(): Promise<Broker> {
  const child = forkProc("aedes.ts");
  const ready = await child.next("ready");
  return { name: "aedes", url: `mqtt://127.0.0.1:${String(ready["port"])}`, child };
}

export const MOSQUITTO = "/usr/sbin/mosquitto";

/**
 * Mosquitto 2 tuned as reference/peer-measurements.md says a site must run it: TCP_NODELAY, and
 * no queue limit (with defaults it acknowledges QoS 1 messages and then drops them).
 */
export async function startMosquitto(dir: string): Promise<Broker> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      "set_tcp_nodelay true",
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "log_dest none",
    ].join("\n") + "\n",
  );
  const child = spawnProc(MOSQUITTO, ["-c", conf]);
  await waitForPort(port, 10_000);
  return { name: "mosquitto", url: `mqtt://127.0.0.1:${port}`, child };
}

export interface Sink {
  child: Child;
  ports: number[];
}

export async function startSink(devices: number): Promise<Sink> {
  const child = forkProc("printer-sink.ts", ["--devices", String(devices)]);
  const ready = await child.next("ready");
  return { child, ports: ready["ports"] as number[] };
}

export interface Relay {
  name: string;
  child: Child;
  /** Whether the relay answers `ok` (only labelgate, or the bare relay with `--reply`). */
  replies: boolean;
  /** Spawn → ready (subscribed; `online` for labelgate), in ms; unknown for Node-RED. */
  startupMs?: number;
}

export async function startBareRelay(url: string, ports: number[], reply = false): Promise<Relay> {
  const args = ["--url", url, "--ports", ports.join(",")];
  if (reply) args.push("--reply");
  const t0 = monoMs();
  const child = forkProc("bare-relay.ts", args);
  await child.next("ready");
  return {
    name: reply ? "bare mqtt.js relay + reply" : "bare mqtt.js relay",
    child,
    replies: reply,
    startupMs: monoMs() - t0,
  };
}

export interface LabelgateRelay extends Relay {
  /** Spawn → retained `online` state on the broker, in ms. */
  startupMs: number;
  dataDir: string;
}

export interface LabelgateOptions {
  /** Status polling interval (default 5000, the product default). */
  statusPollMs?: number;
  logLevel?: string;
  /** Where the data dir goes (default `dir`); `/dev/shm/…` makes fsync nearly free (not durable). */
  dataDirRoot?: string;
  /** Environment of the daemon (default: the runner's), e.g. `LABELGATE_TSX=1` (bin/labelgate.js). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `labelgate start --config …` with one device per sink port (`zpl-1` … on 127.0.0.1), a
 * fresh data dir (durable inbox and audit log on the scratch disk) and the given broker. Resolves
 * when the gateway's retained state says `online`.
 */
export async function startLabelgate(
  dir: string,
  url: string,
  ports: number[],
  o: LabelgateOptions = {},
): Promise<LabelgateRelay> {
  const dataDir = join(o.dataDirRoot ?? dir, "data");
  mkdirSync(dir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const config = {
    site: SITE,
    gateway: "gw1",
    data_dir: dataDir,
    mqtt: { base_topic: BASE, url },
    log: { level: o.logLevel ?? "info" },
    devices: ports.map((port, i) => ({
      id: deviceId(i),
      driver: "zebra-zpl",
      transport: { type: "tcp", host: "127.0.0.1", port },
      // A printer with a resident CJK font: text stays text (label bytes are another case's job).
      profile: { cjk_font: "E:SIMSUN.TTF" },
      status_poll_ms: o.statusPollMs ?? 5000,
    })),
  };
  const file = join(dir, "labelgate.yaml");
  writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const watcher = await mqtt.connectAsync(url, { clientId: `bench-watch-${process.pid}` });
  const online = new Promise<void>((resolve) => {
    watcher.on("message", (_t, payload) => {
      const s = JSON.parse(payload.toString("utf8")) as { state?: string };
      if (s.state === "online") resolve();
    });
  });
  await watcher.subscribeAsync(`${BASE}/${SITE}/gateway/gw1/state`, { qos: 1 });
  const t0 = monoMs();
  // BENCH_CPU_PROF_DIR=dir: the daemon writes a V8 CPU profile there when it stops.
  const prof = process.env["BENCH_CPU_PROF_DIR"];
  const flags = prof !== undefined ? ["--cpu-prof", "--cpu-prof-dir", prof] : [];
  const child = spawnProc(
    process.execPath,
    [...flags, join(REPO_ROOT, "bin/labelgate.js"), "start", "--config", file],
    o.env !== undefined ? { env: o.env } : {},
  );
  try {
    await Promise.race([
      online,
      child.next("never", 60_000), // rejects when the daemon exits or does not come up
    ]);
  } finally {
    await watcher.endAsync(true);
  }
  return { name: "labelgate", child, replies: true, startupMs: monoMs() - t0, dataDir };
}

/**
 * Node-RED 4.1 headless (no editor, no HTTP nodes) with the flow a site would build instead of
 * labelgate: `mqtt in` (QoS 1) → `json` → `function` (the baselines' 5-field ZPL) → one `tcp out`
 * client per printer, kept open.
 */
export async function startNodeRed(dir: string, url: string, ports: number[]): Promise<Relay> {
  const userDir = join(dir, "node-red");
  mkdirSync(userDir, { recursive: true });
  const u = new URL(url);
  const uiPort = await freePort();
  const flow = [
    { id: "tab1", type: "tab", label: "bench" },
    {
      id: "broker1",
      type: "mqtt-broker",
      name: "bench",
      broker: u.hostname,
      port: u.port,
      clientid: "node-red-bench",
      autoConnect: true,
      usetls: false,
      protocolVersion: "4",
      keepalive: "60",
      cleansession: true,
    },
    {
      id: "in1",
      type: "mqtt in",
      z: "tab1",
      topic: `${BASE}/${SITE}/device/+/job`,
      qos: "1",
      datatype: "utf8",
      broker: "broker1",
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [["json1"]],
    },
    { id: "json1", type: "json", z: "tab1", property: "payload", action: "obj", wires: [["fn1"]] },
    {
      id: "fn1",
      type: "function",
      z: "tab1",
      outputs: ports.length,
      func: [
        "const job = msg.payload;",
        `const zpl = (function (job) {${RELAY_ZPL_FUNCTION_BODY}})(job);`,
        "const device = msg.topic.split('/')[3];",
        "const out = new Array(" + String(ports.length) + ").fill(null);",
        "msg.payload = zpl;",
        "out[Number(device.slice(4)) - 1] = msg;",
        "return out;",
      ].join("\n"),
      wires: ports.map((_, i) => [`tcp${i}`]),
    },
    ...ports.map((port, i) => ({
      id: `tcp${i}`,
      type: "tcp out",
      z: "tab1",
      host: "127.0.0.1",
      port: String(port),
      beserver: "client",
      base64: false,
      end: false,
      tls: "",
      wires: [],
    })),
  ];
  writeFileSync(join(userDir, "flows.json"), JSON.stringify(flow, null, 2));
  writeFileSync(
    join(userDir, "settings.js"),
    `module.exports = ${JSON.stringify(
      {
        uiHost: "127.0.0.1",
        uiPort,
        httpAdminRoot: false,
        httpNodeRoot: false,
        userDir,
        flowFile: "flows.json",
        credentialSecret: false,
        logging: { console: { level: "warn", metrics: false, audit: false } },
        diagnostics: { enabled: false },
        telemetry: { enabled: false },
        externalModules: { autoInstall: false, palette: { allowInstall: false } },
      },
      null,
      2,
    )};\n`,
  );
  const redJs = join(REPO_ROOT, "node_modules/node-red/red.js");
  if (!existsSync(redJs)) throw new Error("node-red is not installed (npm ci)");
  const child = spawnProc(process.execPath, [
    redJs,
    "--settings",
    join(userDir, "settings.js"),
    "--userDir",
    userDir,
  ]);
  return { name: "Node-RED 4.1 flow", child, replies: false };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = monoMs() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (monoMs() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
