import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { PrinterProcess } from "../faults/helpers/harness.ts";
import { Mosquitto } from "../faults/helpers/mosquitto.ts";
import { RetryingProducer, tally } from "../faults/helpers/producer.ts";
import { makeTestPki } from "./certs.ts";
import { clusterAcl, GatewayProcess, writeClusterConfig } from "./gateway-process.ts";
import { certListener, deviceState } from "./scenario.ts";

const JOBS = 40;

/**
 * Three gateway processes on Debian's Mosquitto (MQTT 5, TLS client certificates), network
 * printers in processes of their own. gw1 owns zpl-1, gw2 stands by for it, gw3 owns zpl-2 and
 * keeps printing through the failover. gw1 is SIGKILLed mid-stream; gw2
 * claims the printer with a higher epoch after the grace period; the producer's retries (same
 * job_id) complete every job; nothing is printed twice. gw1, restarted, stands down.
 */
describe("standby failover with fencing on Mosquitto", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-cluster-"));
  let broker: Mosquitto | undefined;
  let printer: PrinterProcess | undefined;
  const gws: GatewayProcess[] = [];
  let producer: RetryingProducer | undefined;
  const producers: RetryingProducer[] = [];
  const printers: PrinterProcess[] = [];

  afterAll(async () => {
    await producer?.close();
    for (const p of producers) await p.close();
    for (const g of gws) await g.kill("SIGTERM");
    await printer?.stop();
    for (const p of printers) await p.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "SIGKILL of the owner: the standby claims, every job prints once, the old owner stands down",
    { timeout: 120_000 },
    async () => {
      // Gateways log in with client certificates (CN = gateway id = broker username, checked by
      // the ACL); the test's producer uses the plain loopback listener.
      chmodSync(dir, 0o755); // Mosquitto reads the certificates as the `mosquitto` user
      const pki = makeTestPki(join(dir, "pki"));
      const acl = join(dir, "pki", "acl");
      writeFileSync(acl, clusterAcl(["gw1", "gw2", "gw3"]), { mode: 0o644 });
      const tlsPort = await freePort();
      broker = new Mosquitto(await freePort(), certListener(tlsPort, pki, acl));
      await broker.start();
      const url = `mqtt://127.0.0.1:${broker.port}`;
      const tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
      printer = await PrinterProcess.start(join(dir, "printed.log"));
      const base = { url: tlsUrl, printerPort: printer.port, graceS: 1 };
      writeClusterConfig(join(dir, "gw1.yaml"), {
        ...base,
        tls: { ca: pki.ca, ...pki.client("gw1") },
        gateway: "gw1",
        dataDir: join(dir, "gw1"),
        role: "owner",
      });
      writeClusterConfig(join(dir, "gw2.yaml"), {
        ...base,
        tls: { ca: pki.ca, ...pki.client("gw2") },
        gateway: "gw2",
        dataDir: join(dir, "gw2"),
        role: "standby",
        standbyFor: "gw1",
      });
      const gw1 = new GatewayProcess(join(dir, "gw1.yaml"));
      const gw2 = new GatewayProcess(join(dir, "gw2.yaml"));
      // A third gateway owns another printer; the failover of gw1 must not disturb it.
      const printer3 = await PrinterProcess.start(join(dir, "printed-3.log"));
      printers.push(printer3);
      writeClusterConfig(join(dir, "gw3.yaml"), {
        ...base,
        printerPort: printer3.port,
        device: "zpl-2",
        tls: { ca: pki.ca, ...pki.client("gw3") },
        gateway: "gw3",
        dataDir: join(dir, "gw3"),
        role: "owner",
      });
      const gw3 = new GatewayProcess(join(dir, "gw3.yaml"));
      gws.push(gw1, gw2, gw3);
      gw3.start();
      gw1.start();
      await gw1.waitFor('"gateway started"');
      await gw3.waitFor('"gateway started"');
      gw2.start();
      await gw2.waitFor('"standby watching"');
      expect((await deviceState(url, "zpl-1")).owner).toBe("gw1");

      producer = new RetryingProducer(url, "producer-1", 1000);
      await producer.connect();
      const producer2 = new RetryingProducer(
        url,
        "producer-2",
        1000,
        "labelgate/demo/device/zpl-2/job",
      );
      producers.push(producer2);
      await producer2.connect();
      for (let i = 0; i < JOBS; i++) producer.submit(i, "01JCLUSTERFAILOVER");
      for (let i = 0; i < JOBS; i++) producer2.submit(JOBS + i, "01JCLUSTERGW3");
      // Mid-stream: some labels are on paper, most are not.
      while (printer.printed().length < 8) await new Promise((r) => setTimeout(r, 20));
      await gw1.kill("SIGKILL");

      await gw2.waitFor("claiming its devices");
      await gw2.waitFor('"gateway started"');
      await producer.settle(60_000);
      await producer2.settle(60_000);
      const t3 = tally(producer2.jobs.values(), printer3.printed());
      expect(t3.printedOnce).toBe(JOBS);
      expect(t3.ok).toBe(JOBS);
      const t = tally(producer.jobs.values(), printer.printed());
      expect(t.sent).toBe(JOBS);
      expect(t.printedTwice).toBe(0);
      expect(t.lost).toBe(0);
      expect(t.printedButRefused).toBe(0);
      expect(t.ok + t.inDoubt).toBe(JOBS);
      const claimed = await deviceState(url, "zpl-1");
      expect(claimed.owner).toBe("gw2");

      // The old owner comes back: it sees gw2's claim and stands by instead of serving zpl-1.
      gw1.start();
      await gw1.waitFor("standing down");
      await gw1.waitFor('"standby watching"');
      expect(gw1.log).not.toContain('"gateway started"');
      expect((await deviceState(url, "zpl-1")).owner).toBe("gw2");

      // The TLS listener: no client certificate, no connection; an identity without ACL
      // entries (CN gw9) may not claim a device.
      await expect(
        mqtt.connectAsync(tlsUrl, { ca: readFileSync(pki.ca), reconnectPeriod: 0 }),
      ).rejects.toBeDefined();
      const gw9 = pki.client("gw9");
      const stranger = await mqtt.connectAsync(tlsUrl, {
        protocolVersion: 5,
        ca: readFileSync(pki.ca),
        cert: readFileSync(gw9.cert),
        key: readFileSync(gw9.key),
        reconnectPeriod: 0,
      });
      // A forged ownership claim is refused by the broker (MQTT 5 PUBACK 0x87, Not authorized).
      const refused = await stranger
        .publishAsync("labelgate/demo/device/zpl-1/state", '{"owner":"gw9","epoch":99}', {
          qos: 1,
          retain: true,
        })
        .then(
          () => undefined,
          (e: unknown) => e as { code?: number },
        );
      await stranger.endAsync();
      expect(refused?.code).toBe(0x87);
      expect((await deviceState(url, "zpl-1")).owner).toBe("gw2");

      // Fencing of a running owner: a claim with a higher epoch (here published by a trusted
      // client) makes gw2 stop dispatching and exit with code 3, for its service manager.
      const admin = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "admin-claim" });
      const gw2Exit = gw2.exited();
      await admin.publishAsync(
        "labelgate/demo/device/zpl-1/state",
        JSON.stringify({ owner: "gw4", epoch: 1_000_000 }),
        { qos: 1, retain: true },
      );
      await admin.endAsync();
      expect(await gw2Exit).toBe(3);
      expect(gw2.log).toContain("fenced: another gateway claimed the device");
    },
  );
});
