import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointOrigin, verifierKey } from "../../src/audit/checkpoint.ts";
import { loadOrCreateSigningKey } from "../../src/crypto/keys.ts";
import { Mosquitto } from "../faults/helpers/mosquitto.ts";
import { startTestGateway } from "../helpers/gateway.ts";
import { exampleJob } from "../helpers/jobs.ts";
import { freePort } from "../helpers/net.ts";

const BIN = join(fileURLToPath(new URL("../..", import.meta.url)), "bin", "labelgate.js");

function collect(args: string[]): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, [BIN, "audit", "collect", "--once", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code: code ?? -1, out })));
}

/**
 * `labelgate audit collect` on a supervisor's machine keeps every gateway's published checkpoints;
 * a gateway whose audit log is put back to an older copy (truncated behind a checkpoint it had
 * published) is detected off the gateway's box.
 */
describe("labelgate audit collect", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-collect-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "detects a gateway whose log was truncated behind a checkpoint it had published",
    { timeout: 60_000 },
    async () => {
      const broker = new Mosquitto(await freePort());
      await broker.start();
      const url = `mqtt://127.0.0.1:${broker.port}`;
      const dataDir = join(dir, "gw1");
      const backup = join(dir, "gw1-backup");
      const extra = { mqtt: { url, embedded: { enabled: false } } };
      try {
        // A first run, then a copy of the data directory as it was.
        await (await startTestGateway(extra, dataDir)).stop();
        cpSync(dataDir, backup, { recursive: true });
        // More records, and a checkpoint covering them, published retained.
        const tg = await startTestGateway(extra, dataDir);
        for (let i = 0; i < 3; i++) {
          const job = exampleJob({ replyTo: "labelgate/demo/reply/collect" });
          const reply = tg.probe.waitFor(
            (m) => m.json["job_id"] === job.job_id && m.json["status"] === "ok",
          );
          await tg.probe.client.publishAsync(
            "labelgate/demo/device/zpl-1/job",
            JSON.stringify(job),
            { qos: 1 },
          );
          await reply;
        }
        await tg.stop();

        const key = verifierKey(
          checkpointOrigin("demo", "gw1"),
          loadOrCreateSigningKey(dataDir).publicRaw,
        );
        const store = join(dir, "checkpoints.db");
        const args = ["--url", url, "--store", store, "--pubkey", key];
        const first = await collect(args);
        expect(first.out).toMatch(/^labelgate\/demo\/gw1: ok \(size \d+\)$/m);
        expect(first.code).toBe(0);

        // The log is put back to the older copy; the gateway runs again and publishes from it.
        rmSync(dataDir, { recursive: true, force: true });
        cpSync(backup, dataDir, { recursive: true });
        await (await startTestGateway(extra, dataDir)).stop();

        const second = await collect(args);
        expect(second.out).toMatch(
          /^labelgate\/demo\/gw1: truncated \(size \d+, stored before \d+\)$/m,
        );
        expect(second.code).toBe(2);

        // A key that is not the gateway's: the checkpoint is not accepted.
        const otherKey = verifierKey(
          checkpointOrigin("demo", "gw1"),
          loadOrCreateSigningKey(join(dir, "other")).publicRaw,
        );
        const third = await collect([
          "--url",
          url,
          "--store",
          join(dir, "other.db"),
          "--pubkey",
          otherKey,
        ]);
        expect(third.out).toMatch(/gw1: (bad_signature|unknown_key)/);
        expect(third.code).toBe(1);
      } finally {
        await broker.stop();
      }
    },
  );
});
