import { join } from "node:path";
import mqtt from "mqtt";
import { freePort } from "../helpers/net.ts";
import { PrinterProcess } from "../faults/helpers/harness.ts";
import type { TestPki } from "./certs.ts";
import { Mosquitto } from "../faults/helpers/mosquitto.ts";
import { GatewayProcess, writeClusterConfig } from "./gateway-process.ts";

/** What a cluster test undoes in `afterAll`, in reverse order. */
export type Cleanup = Array<() => Promise<unknown>>;

/** Polls `cond` every 50 ms until it holds, or fails after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The retained `device/{dev}/state` document, read by a fresh client. */
export async function deviceState(
  url: string,
  dev: string,
): Promise<{ owner?: string; epoch?: number }> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `check-${Date.now()}` });
  const doc = new Promise<{ owner?: string; epoch?: number }>((resolve) =>
    c.on("message", (_t, p) => resolve(JSON.parse(p.toString()) as { owner?: string })),
  );
  await c.subscribeAsync(`labelgate/demo/device/${dev}/state`, { qos: 1 });
  const d = await doc;
  await c.endAsync();
  return d;
}

/**
 * Mosquitto on a free loopback port and a network printer in a process of its own, logging
 * what it prints to `dir/printedLog`; both are stopped through `cleanup`.
 */
export async function startBrokerAndPrinter(
  dir: string,
  cleanup: Cleanup,
  printedLog = "printed.log",
): Promise<{ url: string; printer: PrinterProcess }> {
  const broker = new Mosquitto(await freePort());
  await broker.start();
  cleanup.push(() => broker.stop());
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const printer = await PrinterProcess.start(join(dir, printedLog));
  cleanup.push(() => printer.stop());
  return { url, printer };
}

/**
 * gw1 owning zpl-1 and gw2 standing by for it (grace 1 s) on a fresh broker and printer: gw1 has
 * started and gw2 is watching when this resolves. Both are SIGTERMed through `cleanup`.
 */
export async function startOwnerAndStandby(
  dir: string,
  cleanup: Cleanup,
): Promise<{ url: string; printer: PrinterProcess; gw1: GatewayProcess; gw2: GatewayProcess }> {
  const { url, printer } = await startBrokerAndPrinter(dir, cleanup);
  const base = { url, printerPort: printer.port, graceS: 1 };
  writeClusterConfig(join(dir, "gw1.yaml"), {
    ...base,
    gateway: "gw1",
    dataDir: join(dir, "gw1"),
    role: "owner",
  });
  writeClusterConfig(join(dir, "gw2.yaml"), {
    ...base,
    gateway: "gw2",
    dataDir: join(dir, "gw2"),
    role: "standby",
    standbyFor: "gw1",
  });
  const gw1 = new GatewayProcess(join(dir, "gw1.yaml"));
  const gw2 = new GatewayProcess(join(dir, "gw2.yaml"));
  cleanup.push(
    () => gw1.kill("SIGTERM"),
    () => gw2.kill("SIGTERM"),
  );
  gw1.start();
  await gw1.waitFor('"gateway started"');
  gw2.start();
  await gw2.waitFor('"standby watching"');
  return { url, printer, gw1, gw2 };
}

/**
 * Mosquitto configuration lines for a TLS listener on `port` where gateways log in with client
 * certificates: the CN is the username, checked against `aclFile` (see `clusterAcl`).
 */
export function certListener(port: number, pki: TestPki, aclFile: string): string[] {
  return [
    `listener ${port} 127.0.0.1`,
    `cafile ${pki.ca}`,
    `certfile ${pki.server.cert}`,
    `keyfile ${pki.server.key}`,
    "require_certificate true",
    "use_identity_as_username true",
    `acl_file ${aclFile}`,
  ];
}
