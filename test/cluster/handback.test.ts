import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { createOperatorStore } from "../../src/access/operators.ts";
import { openDatabase } from "../../src/db/open.ts";
import { RetryingProducer, tally } from "../faults/helpers/producer.ts";
import { GatewayProcess, writeClusterConfig } from "./gateway-process.ts";
import {
  deviceState,
  startBrokerAndPrinter,
  startOwnerAndStandby,
  until,
  type Cleanup,
} from "./scenario.ts";

const BIN = fileURLToPath(new URL("../../bin/labelgate.js", import.meta.url));

interface Response {
  status?: string;
  transaction?: string;
  data?: { epoch?: number; from?: string };
  error?: { code?: string; reason?: string };
}

/** A supervisor's management client: publishes a request, returns the response with its transaction. */
async function supervisor(url: string) {
  const c: MqttClient = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "sup-1" });
  const got: Response[] = [];
  c.on("message", (_t, p) => got.push(JSON.parse(p.toString()) as Response));
  await c.subscribeAsync("labelgate/demo/gateway/+/response/cluster.handback", { qos: 1 });
  let n = 0;
  return {
    async request(gw: string, body: Record<string, unknown>): Promise<Response> {
      const transaction = `t${++n}`;
      await c.publishAsync(
        `labelgate/demo/gateway/${gw}/request/cluster.handback`,
        JSON.stringify({ ...body, transaction }),
        { qos: 1 },
      );
      await until(() => got.some((r) => r.transaction === transaction), "handback response");
      return got.find((r) => r.transaction === transaction)!;
    },
    end: () => c.endAsync(),
  };
}

/**
 * Handback: gw1 owns zpl-1, gw2 stands by; gw1 is SIGKILLed and gw2 takes over; gw1 restarted
 * stands down and stays a standby until a supervisor's `cluster.handback` request. Then gw1
 * claims with a higher epoch, gw2 is fenced (exit 3), gw1 serves zpl-1 again. Jobs printed by
 * gw2 and sent again afterwards are answered `duplicate` by gw1 (it watched gw2's job events
 * while standing by); nothing prints twice.
 */
describe("handback to a recovered owner", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-handback-"));
  const cleanup: Cleanup = [];

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "takes the devices back only on a supervisor's request, fencing the standby",
    { timeout: 150_000 },
    async () => {
      const { url, printer, gw1, gw2 } = await startOwnerAndStandby(dir, cleanup);

      // gw1 dies with jobs it accepted and holds (printer paused); the producer's retries bring
      // them to gw2, which prints them. gw1 must never print them again once it is back.
      const producer = new RetryingProducer(url, "producer-hb", 1000);
      cleanup.push(() => producer.close());
      await producer.connect();
      await printer.command("fault paused on");
      for (;;) {
        const doc = JSON.stringify(await deviceState(url, "zpl-1"));
        if (doc.includes("paused")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const held = [100, 101, 102, 103, 104].map((i) => producer.submit(i, "01JHANDBACK").jobId);
      await until(
        () => held.every((id) => producer.jobs.get(id)!.statuses.includes("accepted")),
        "held jobs accepted by gw1",
      );
      await gw1.kill("SIGKILL");
      await gw2.waitFor('"gateway started"');
      const taken = await deviceState(url, "zpl-1");
      expect(taken.owner).toBe("gw2");
      await printer.command("fault paused off");
      for (const id of held) producer.resend(id);
      await producer.settle(30_000);

      // A supervisor registered in gw1's database, added while gw1 is down.
      const db = openDatabase(join(dir, "gw1", "labelgate.db"));
      await createOperatorStore(db).add("S0001", "supervisor", Date.now(), "s0001-secret-pw");
      await createOperatorStore(db).add("E0002", "operator", Date.now(), "e0002-secret-pw");
      db.close();
      gw1.start();
      await gw1.waitFor("standing down");
      await gw1.waitFor('"standby watching"');

      for (let i = 0; i < 10; i++) producer.submit(i, "01JHANDBACK");
      await producer.settle(30_000);
      // No automatic handback: gw1 is online, gw2 keeps the device.
      expect(gw1.log).not.toContain('"gateway started"');
      expect((await deviceState(url, "zpl-1")).owner).toBe("gw2");

      const sup = await supervisor(url);
      cleanup.push(() => sup.end());
      // Only an active supervisor (or admin) of gw1 may ask, with their own credential.
      const operatorAsks = await sup.request("gw1", {
        operator: "E0002",
        credential: "e0002-secret-pw",
      });
      expect(operatorAsks.error?.code).toBe("not_authorized");
      const noCredential = await sup.request("gw1", { operator: "S0001" });
      expect(noCredential.error).toMatchObject({
        code: "not_authorized",
        reason: "credential_missing",
      });
      const wrongCredential = await sup.request("gw1", {
        operator: "S0001",
        credential: "not-the-password",
      });
      expect(wrongCredential.error).toMatchObject({
        code: "not_authorized",
        reason: "credential_invalid",
      });
      expect((await sup.request("gw1", {})).error?.code).toBe("invalid_request");
      expect(gw1.log).not.toContain('"gateway started"');

      const gw2Exit = gw2.exited();
      const ok = await sup.request("gw1", { operator: "S0001", credential: "s0001-secret-pw" });
      expect(ok.status).toBe("ok");
      expect(ok.data?.from).toBe("gw2");
      expect(ok.data?.epoch).toBeGreaterThan(taken.epoch!);
      expect(await gw2Exit).toBe(3);
      expect(gw2.log).toContain("fenced: another gateway claimed the device");
      await gw1.waitFor('"gateway started"');
      // The held jobs gw2 printed are closed in gw1's inbox, not recovered onto the printer.
      expect(gw1.log).toContain('"closed":5,');
      const back = await deviceState(url, "zpl-1");
      expect(back.owner).toBe("gw1");
      expect(back.epoch).toBeGreaterThanOrEqual(ok.data!.epoch!);

      // gw1 serves zpl-1 again; the jobs gw2 printed, sent again, are not printed again.
      for (let i = 10; i < 20; i++) producer.submit(i, "01JHANDBACK");
      await producer.settle(30_000);
      const before = new Map([...producer.jobs.values()].map((r) => [r.jobId, r.statuses.length]));
      const printedByGw2 = [
        ...held,
        ...[...Array(10).keys()].map((i) => `01JHANDBACK${String(i).padStart(6, "0")}`),
      ];
      for (const id of printedByGw2) producer.resend(id);
      await until(
        () => printedByGw2.every((id) => producer.jobs.get(id)!.statuses.length > before.get(id)!),
        "answers to the resent jobs",
      );
      for (const id of printedByGw2)
        expect(producer.jobs.get(id)!.statuses.slice(before.get(id)!)).toEqual(["duplicate"]);
      const t = tally(producer.jobs.values(), printer.printed());
      expect(t.sent).toBe(25);
      expect(t.ok).toBe(25);
      expect(t.printedOnce).toBe(25);
      expect(t.printedTwice).toBe(0);

      // gw2, restarted as its service manager would, stands by for gw1 and may not take back.
      gw2.start();
      await gw2.waitFor('"standby watching"');
      // A configured standby never hands back to itself. Asked while gw1 is still online: once gw1
      // stops, gw2 takes over after grace_s and no longer answers handback requests.
      expect((await sup.request("gw2", { operator: "S0001" })).error?.code).toBe("invalid_request");
      // gw1's audit log: the handback and the two refused credentials, chain intact across the
      // standby phase and the gateway that followed.
      await gw1.kill("SIGTERM");
      const cli = (args: string[]) =>
        spawnSync(process.execPath, [BIN, ...args, "--data-dir", join(dir, "gw1")], {
          encoding: "utf8",
        });
      expect(cli(["audit", "verify"]).status).toBe(0);
      const handbacks = cli(["audit", "search", "--action", "cluster.handback", "--json"]);
      expect(handbacks.stdout.trim().split("\n")).toHaveLength(1);
      expect(handbacks.stdout).toContain("S0001");
      const refused = cli(["audit", "search", "--action", "management.refused", "--json"]);
      expect(refused.stdout.trim().split("\n")).toHaveLength(2);
    },
  );

  it(
    "does not serve while the current owner stays online after the claim; takes over once it is offline",
    { timeout: 90_000 },
    async () => {
      const { url, printer } = await startBrokerAndPrinter(dir, cleanup, "printed-b.log");
      // An owner that never stands down (its watch connection is gone, say): gw8, online.
      const gw8 = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "gw8-stuck" });
      cleanup.push(() => gw8.endAsync());
      await gw8.publishAsync(
        "labelgate/demo/gateway/gw8/state",
        JSON.stringify({ state: "online", epoch: 5 }),
        { qos: 1, retain: true },
      );
      await gw8.publishAsync(
        "labelgate/demo/device/zpl-1/state",
        JSON.stringify({ owner: "gw8", epoch: 5 }),
        { qos: 1, retain: true },
      );
      const db = openDatabase(join(dir, "gw1b", "labelgate.db"));
      await createOperatorStore(db).add("S0001", "supervisor", Date.now(), "s0001-secret-pw");
      db.close();
      writeClusterConfig(join(dir, "gw1b.yaml"), {
        url,
        printerPort: printer.port,
        graceS: 1,
        gateway: "gw1",
        dataDir: join(dir, "gw1b"),
        role: "owner",
      });
      const gw1 = new GatewayProcess(join(dir, "gw1b.yaml"));
      cleanup.push(() => gw1.kill("SIGTERM"));
      gw1.start();
      await gw1.waitFor("standing down");
      await gw1.waitFor('"standby watching"');
      const sup = await supervisor(url);
      cleanup.push(() => sup.end());
      const r = await sup.request("gw1", { operator: "S0001", credential: "s0001-secret-pw" });
      expect(r.error?.code).toBe("handback_incomplete");
      expect(gw1.log).toContain("still standing by");
      expect(gw1.log).not.toContain('"gateway started"');
      // The stuck owner goes away: after the grace period gw1 takes over.
      await gw8.publishAsync(
        "labelgate/demo/gateway/gw8/state",
        JSON.stringify({ state: "offline", epoch: 5 }),
        { qos: 1, retain: true },
      );
      await gw1.waitFor("claiming its devices");
      await gw1.waitFor('"gateway started"');
      expect((await deviceState(url, "zpl-1")).owner).toBe("gw1");
    },
  );
});
