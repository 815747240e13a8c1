import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createZplSimulator } from "../../drivers/zebra-zpl/simulator.ts";
import { hostSimulatorOnTcp } from "../../src/simulators/tcp-host.ts";
import { exampleJob } from "../helpers/jobs.ts";
import { MqttProbe } from "../helpers/mqtt-probe.ts";
import { freePort } from "../helpers/net.ts";

const run = promisify(execFile);
const BIN = new URL("../../bin/labelgate.js", import.meta.url).pathname;

/** Runs the CLI; resolves with its exit code and output instead of throwing on a non-zero exit. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/**
 * The audit log under a crash, as a site would live it: the daemon in its own process prints to a
 * ZPL printer simulator hosted by this test (so bytes that reached the "printer" survive the
 * daemon), is killed with SIGKILL in the middle of a burst, and the log is then checked offline.
 */
describe("audit log across a SIGKILL (child process)", () => {
  const dir = mkdtempSync(join(tmpdir(), "labelgate-e2e-audit-"));
  const dataDir = join(dir, "data");
  const waybills: string[] = [];
  const jobIds: string[] = [];
  let daemon: ChildProcess | undefined;
  let stderr = "";
  afterAll(() => {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves a log that verifies, with print.dispatched for every job whose bytes reached the printer, and no plaintext personal data", async () => {
    const sim = await hostSimulatorOnTcp({
      deviceId: "zpl-1",
      dataDir: join(dir, "printer"),
      createSimulator: (sink) => createZplSimulator({ sink }),
      preview: false,
    });
    const port = await freePort();
    const configFile = join(dir, "site.yaml");
    writeFileSync(
      configFile,
      JSON.stringify({
        site: "demo",
        gateway: "gw1",
        data_dir: dataDir,
        mqtt: { embedded: { enabled: true, host: "127.0.0.1", port, allow_anonymous: true } },
        devices: [
          {
            id: "zpl-1",
            driver: "zebra-zpl",
            transport: { type: "tcp", host: "127.0.0.1", port: sim.port },
            status_poll_ms: 200,
            status_timeout_ms: 1000,
            confirm_timeout_ms: 5000,
          },
        ],
      }),
    );
    daemon = spawn(process.execPath, [BIN, "start", "--config", configFile], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    daemon.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    const url = `mqtt://127.0.0.1:${port}`;
    let probe: MqttProbe | undefined;
    const deadline = Date.now() + 30_000;
    while (probe === undefined) {
      try {
        probe = await MqttProbe.connect(url, [
          "labelgate/demo/reply/#",
          "labelgate/demo/gateway/gw1/audit/checkpoint",
        ]);
      } catch (e) {
        if (Date.now() > deadline || daemon.exitCode !== null)
          throw new Error(`daemon did not start: ${stderr.slice(-2000)}`, { cause: e });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // A checkpoint a supervisor saves from MQTT (retained: there is one from the start).
    const saved = await probe.waitFor((m) => m.topic.endsWith("/audit/checkpoint"), 20_000);
    const checkpointFile = join(dir, "checkpoint.txt");
    writeFileSync(checkpointFile, String(saved.json["_raw"]));

    // A burst of jobs, each with its own synthetic waybill number; SIGKILL once a few printed.
    for (let i = 0; i < 40; i++) {
      const env = exampleJob({ replyTo: "labelgate/demo/reply/ws-12" });
      const no = `SF${String(7000000000000 + i)}`;
      env.payload.data["waybill_no"] = no;
      waybills.push(no);
      jobIds.push(env.job_id);
      await probe.publish("labelgate/demo/device/zpl-1/job", JSON.stringify(env));
    }
    const printed = () => readdirSync(sim.outputDir).filter((f) => f.endsWith(".zpl"));
    await expect
      .poll(() => printed().length, { timeout: 30_000, interval: 20 })
      .toBeGreaterThanOrEqual(5);
    daemon.kill("SIGKILL");
    await new Promise((r) => daemon?.once("exit", r));
    await probe.close();
    await sim.close();

    // Every label the printer got has its durable print.dispatched record (the label carries its
    // waybill number in the Code 128 field, which names the job).
    const db = new Database(join(dataDir, "labelgate.db"), { readonly: true });
    const dispatched = new Set(
      db
        .prepare(
          "SELECT json_extract(target, '$.job_id') FROM audit_log WHERE action = 'print.dispatched'",
        )
        .pluck()
        .all() as string[],
    );
    db.close();
    const labels = printed();
    expect(labels.length).toBeGreaterThanOrEqual(5);
    for (const f of labels) {
      const zpl = readFileSync(join(sim.outputDir, f), "latin1");
      const i = waybills.findIndex((w) => zpl.includes(`^FD${w}^FS`));
      expect(i, `waybill of ${f}`).toBeGreaterThanOrEqual(0);
      expect(dispatched.has(jobIds[i] ?? ""), `print.dispatched for ${f}`).toBe(true);
    }
    expect(dispatched.size).toBeGreaterThanOrEqual(labels.length);

    // The log verifies, against its stored checkpoints and the one saved from MQTT.
    const ok = await cli([
      "audit",
      "verify",
      "--config",
      configFile,
      "--checkpoint",
      checkpointFile,
    ]);
    expect(ok.stdout).toMatch(/intact/);
    expect(ok.code).toBe(0);

    // No plaintext waybill number, name, phone or address in the database files or the logs.
    const needles = [
      ...waybills,
      "张*",
      "李**",
      "138******78",
      "*******5678",
      "浙江省杭州市余杭区",
      "广东省深圳市南山区",
    ].map((s) => Buffer.from(s, "utf8"));
    const haystacks = ["labelgate.db", "labelgate.db-wal", "labelgate.db-shm"]
      .map((f) => join(dataDir, f))
      .filter((p) => existsSync(p))
      .map((p) => ({ name: p, bytes: readFileSync(p) }));
    haystacks.push({ name: "daemon log", bytes: Buffer.from(stderr, "utf8") });
    expect(haystacks.length).toBeGreaterThanOrEqual(3);
    for (const h of haystacks)
      for (const n of needles)
        expect(h.bytes.includes(n), `${n.toString()} in ${h.name}`).toBe(false);

    // A restart and a clean stop: the stop signs a final checkpoint of the whole log. Then the
    // newest records are cut off, and their stored checkpoints with them: only the checkpoint
    // saved off the box shows it.
    const again = spawn(process.execPath, [BIN, "start", "--config", configFile], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let again2 = "";
    again.stderr?.on("data", (b: Buffer) => (again2 += b.toString()));
    await expect
      .poll(() => again2.includes("gateway started") || again.exitCode !== null, {
        timeout: 30_000,
      })
      .toBe(true);
    again.kill("SIGTERM");
    await new Promise((r) => again.once("exit", r));
    const later = join(dir, "later.txt");
    const rw = new Database(join(dataDir, "labelgate.db"));
    const newest = rw
      .prepare("SELECT note FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
      .pluck()
      .get() as string;
    writeFileSync(later, newest);
    const size = Number(newest.split("\n")[1]);
    rw.prepare("DELETE FROM audit_log WHERE seq > ?").run(Math.max(1, size - 3));
    rw.prepare("DELETE FROM audit_checkpoints WHERE size > ?").run(Math.max(1, size - 3));
    rw.close();
    const cut = await cli(["audit", "verify", "--config", configFile, "--checkpoint", later]);
    expect(cut.stdout).toMatch(/TRUNCATED/);
    expect(cut.code).toBe(2);
    const pub = await cli(["audit", "pubkey", "--config", configFile]);
    expect(pub.stdout.trim()).toMatch(/^labelgate\/demo\/gw1\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{44}$/);
    const withKey = await cli([
      "audit",
      "verify",
      "--config",
      configFile,
      "--checkpoint",
      later,
      "--pubkey",
      pub.stdout.trim(),
    ]);
    expect(withKey.code).toBe(2);
    const refused = await cli([
      "audit",
      "export",
      "--config",
      configFile,
      "--approval",
      "apr-20261130-00000000",
      "--operator",
      "E10293",
      "--out",
      join(dir, "x.json"),
    ]);
    expect(refused.stderr).toMatch(/approval_required/);
    expect(refused.code).toBe(1);
  });
});
