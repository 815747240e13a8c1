import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { PrinterProcess } from "../faults/helpers/harness.ts";
import { Mosquitto } from "../faults/helpers/mosquitto.ts";
import { RetryingProducer, tally, type Tally } from "../faults/helpers/producer.ts";
import { makeTestPki } from "./certs.ts";
import { clusterAcl, GatewayProcess, writeClusterConfig } from "./gateway-process.ts";
import { certListener, until } from "./scenario.ts";

const JOBS = 24;

interface Run {
  tally: Tally;
  /** `accepted` replies per job. */
  accepted: number[];
  logs: string[];
}

/**
 * Three gateway processes on Debian's Mosquitto, pool `hall-a` on gw1 and gw3 (one printer each),
 * gw5 with no member. Both pool printers are paused, so every pool job is held by the gateway
 * that took it. The producer sends every job three times at once (two gateways may receive the
 * job_id at the same moment), then, once each job was accepted, twice more while it is held: the
 * shared subscription hands these retries to the other gateways in turn. Then the printers run.
 */
async function poolRetries(dir: string, poolClaims: boolean, cleanup: Array<() => Promise<void>>) {
  mkdirSync(dir, { recursive: true });
  // With claims, the gateways log in with client certificates under the site ACL (claims need
  // readwrite on pool/+/claim/#); the producer uses the plain loopback listener.
  chmodSync(dir, 0o755);
  const pki = makeTestPki(join(dir, "pki"));
  const acl = join(dir, "pki", "acl");
  writeFileSync(acl, clusterAcl(["gw1", "gw3", "gw5"]), { mode: 0o644 });
  const tlsPort = await freePort();
  const broker = new Mosquitto(await freePort(), poolClaims ? certListener(tlsPort, pki, acl) : []);
  await broker.start();
  cleanup.push(() => broker.stop());
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const printers: PrinterProcess[] = [];
  const gws: GatewayProcess[] = [];
  for (const [i, gw] of ["gw1", "gw3", "gw5"].entries()) {
    const printer = await PrinterProcess.start(join(dir, `printed-${gw}.log`));
    cleanup.push(() => printer.stop());
    printers.push(printer);
    if (gw !== "gw5") await printer.command("fault paused on");
    const file = join(dir, `${gw}.yaml`);
    writeClusterConfig(file, {
      url: poolClaims ? `mqtts://127.0.0.1:${tlsPort}` : url,
      ...(poolClaims && { tls: { ca: pki.ca, ...pki.client(gw) } }),
      gateway: gw,
      dataDir: join(dir, gw),
      role: "owner",
      graceS: 5,
      printerPort: printer.port,
      device: `zpl-${i + 1}`,
      poolClaims,
      ...(gw !== "gw5" && { pool: "hall-a" }),
    });
    const g = new GatewayProcess(file);
    cleanup.push(() => g.kill("SIGTERM"));
    gws.push(g);
    g.start();
    await g.waitFor('"gateway started"');
  }
  // The producer's own retry timer stays out of the way (60 s): the test sends the retries.
  const producer = new RetryingProducer(
    url,
    `producer-${poolClaims ? "on" : "off"}`,
    60_000,
    "labelgate/demo/pool/hall-a/job",
  );
  cleanup.push(() => producer.close());
  await producer.connect();
  await until(() => producer["client"]?.connected === true, "producer connected", 10_000);
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const rec = producer.submit(i, poolClaims ? "01JPOOLCLAIMON" : "01JPOOLCLAIMOFF");
    ids.push(rec.jobId);
    producer.resend(rec.jobId);
    producer.resend(rec.jobId);
  }
  await until(
    () => [...producer.jobs.values()].every((r) => r.statuses.includes("accepted")),
    "every job accepted",
  );
  // Retries while the holder still holds the job (its printer is paused).
  for (const id of ids) producer.resend(id);
  for (const id of ids) producer.resend(id);
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of printers.slice(0, 2)) await p.command("fault paused off");
  await producer.settle(90_000);
  const printed = printers.flatMap((p) => p.printed());
  return {
    tally: tally(producer.jobs.values(), printed),
    accepted: [...producer.jobs.values()].map(
      (r) => r.statuses.filter((s) => s === "accepted").length,
    ),
    logs: gws.map((g) => g.log),
  } satisfies Run;
}

describe("pool job retries across gateways", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-pool-retries-"));
  chmodSync(dir, 0o755); // Mosquitto reads the certificates and the ACL as the `mosquitto` user
  const cleanup: Array<() => Promise<void>> = [];

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "with claims: every retried pool job prints exactly once and is accepted once",
    { timeout: 180_000 },
    async () => {
      const run = await poolRetries(join(dir, "on"), true, cleanup);
      expect(run.tally.sent).toBe(JOBS);
      expect(run.tally.printedTwice).toBe(0);
      expect(run.tally.lost).toBe(0);
      expect(run.tally.ok).toBe(JOBS);
      expect(run.tally.printedOnce).toBe(JOBS);
      expect(run.accepted.every((n) => n === 1)).toBe(true);
      // Retries did reach other gateways, which forwarded them instead of printing.
      expect(run.logs.join("\n")).toContain("pool job claimed by another gateway first");
      expect(run.logs.join("\n")).not.toContain("pool claim conflict");
    },
  );

  it(
    "control, claims off: the same retries print jobs twice (what the claims prevent)",
    { timeout: 180_000 },
    async () => {
      const run = await poolRetries(join(dir, "off"), false, cleanup);
      expect(run.tally.sent).toBe(JOBS);
      expect(run.tally.printedTwice).toBeGreaterThan(0);
    },
  );
});
