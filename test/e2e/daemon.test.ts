import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleJob } from "../helpers/jobs.ts";
import { MqttProbe } from "../helpers/mqtt-probe.ts";
import { freePort } from "../helpers/net.ts";

const run = promisify(execFile);
const BIN = new URL("../../bin/labelgate.js", import.meta.url).pathname;

/**
 * The walking skeleton as a user runs it: the real CLI in its own process, the embedded broker,
 * the hosted ZPL simulator, `mosquitto_pub` and `labelgate submit` as producers, zbarimg reading
 * the barcode off the rendered PNG, and `labelgate audit verify` before and after tampering.
 */
describe("labelgate start (child process)", () => {
  let dataDir: string;
  let port: number;
  let daemon: ChildProcess;
  let probe: MqttProbe;
  let stderr = "";
  const simDir = () => join(dataDir, "sim", "zpl-1");
  const files = (ext: string) =>
    readdirSync(simDir())
      .filter((f) => f.endsWith(ext))
      .sort();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "labelgate-e2e-"));
    port = await freePort();
    // The demo console listens on 8080; a free port keeps parallel test files from colliding.
    const httpPort = await freePort();
    daemon = spawn(
      process.execPath,
      [
        BIN,
        "start",
        "--data-dir",
        dataDir,
        "--mqtt-port",
        String(port),
        "--http-port",
        String(httpPort),
      ],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    daemon.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    const url = `mqtt://127.0.0.1:${port}`;
    // The daemon needs a moment to bind the broker; retry the connection until it answers.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        probe = await MqttProbe.connect(url, [
          "labelgate/demo/reply/#",
          "labelgate/demo/gateway/gw1/state",
        ]);
        break;
      } catch (e) {
        if (Date.now() > deadline || daemon.exitCode !== null)
          throw new Error(`daemon did not start: ${stderr.slice(-2000)}`, { cause: e });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await probe.waitFor(
      (m) => m.topic.endsWith("/gateway/gw1/state") && m.json["state"] === "online",
      20_000,
      "gateway online",
    );
  });

  afterAll(async () => {
    await probe?.close();
    if (daemon && daemon.exitCode === null) {
      daemon.kill("SIGTERM");
      await new Promise((r) => daemon.once("exit", r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("prints the example job sent with mosquitto_pub: accepted, ok, one .zpl and one .png whose Code 128 decodes", async () => {
    const env = exampleJob({ replyTo: "labelgate/demo/reply/ws-12" });
    await run("mosquitto_pub", [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-q",
      "1",
      "-t",
      "labelgate/demo/device/zpl-1/job",
      "-m",
      JSON.stringify(env),
    ]);
    await probe.waitReply(env.job_id, "ok", 20_000);
    expect(probe.replies(env.job_id).map((r) => r["status"])).toEqual(["accepted", "ok"]);
    // The simulator writes its files after it printed; the reply does not wait for them.
    await expect.poll(() => files(".zpl").length, { timeout: 10_000 }).toBe(1);
    // The PNG is rendered after the .zpl is written; wait for it without sleeping blindly.
    const deadline = Date.now() + 20_000;
    while (files(".png").length < 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(files(".png")).toHaveLength(1);
    const png = join(simDir(), files(".png")[0]!);
    const { stdout } = await run("zbarimg", ["--raw", "-q", "-Scode128.enable", png]);
    expect(stdout.trim().split("\n")).toContain("SF1234567890123");
  });

  it("labelgate submit fills in job_id and reply_to and prints the replies", async () => {
    const file = join(dataDir, "job.json");
    const env = exampleJob({ replyTo: "labelgate/demo/reply/x" });
    delete (env as Record<string, unknown>)["job_id"];
    delete (env as Record<string, unknown>)["reply_to"];
    // Another waybill: printing the first one again would be a reprint, which needs a reason.
    env.payload.data["waybill_no"] = "SF1234567890124";
    writeFileSync(file, JSON.stringify(env));
    const { stdout } = await run(process.execPath, [
      BIN,
      "submit",
      file,
      "--mqtt-port",
      String(port),
      "--wait",
    ]);
    const statuses = stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { status: string }).status);
    expect(statuses).toEqual(["accepted", "ok"]);
    await expect.poll(() => files(".zpl").length, { timeout: 10_000 }).toBe(2);
  });

  it("audit verify exits 0, then 1 naming the first bad record after one byte of one record changes", async () => {
    const ok = await run(process.execPath, [BIN, "audit", "verify", "--data-dir", dataDir]);
    expect(ok.stdout).toMatch(/intact/);

    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
    const db = new Database(join(dataDir, "labelgate.db"));
    const row = db
      .prepare(
        "SELECT seq, outcome FROM audit_log WHERE action = 'print.dispatched' ORDER BY seq LIMIT 1",
      )
      .get() as { seq: number; outcome: string };
    // Change one byte of the outcome column: "ok" → "ol".
    db.prepare("UPDATE audit_log SET outcome = ? WHERE seq = ?").run(
      row.outcome.slice(0, -1) + "l",
      row.seq,
    );
    db.close();

    const bad = await run(process.execPath, [BIN, "audit", "verify", "--data-dir", dataDir]).then(
      () => ({ code: 0, stdout: "" }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`seq ${row.seq}`);
  });
});
