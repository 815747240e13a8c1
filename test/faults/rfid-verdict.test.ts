import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { JobRecord } from "./helpers/producer.ts";
import { settle, until, VerdictRig } from "./helpers/verdict.ts";

const BAG_JOB = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../examples/jobs/rfid-encode-bag.json", import.meta.url)),
    "utf8",
  ),
) as Record<string, unknown>;

/**
 * SIGKILL the daemon while an RFID encode is in flight on an encoder in its own process, then
 * let a read-back of the tag settle the job on restart (issue #9 §2):
 * - the encode completed (EPC written, locked) but its last reply was lost: the tag holds the
 *   job's EPC and refuses an unauthenticated read of its password → `ok`, audited
 *   `job.resolved` `confirm:by_device:epc_readback:<epc>:locked`;
 * - the encode stopped after its first write (EPC not written): the tag holds another EPC → the
 *   job stays `in_doubt`, audited `restart:epc_readback:other`.
 */
describe("in-doubt RFID encodes settled by reading the tag back", () => {
  const rig = new VerdictRig(mkdtempSync(join(tmpdir(), "lg-faults-rfid-")));

  afterAll(() => rig.close());

  it(
    "completed unseen → ok by device; stopped half-way → in_doubt",
    { timeout: 120_000 },
    async () => {
      await rig.startPrinter();
      const encoder = await rig.startDevice(
        join(rig.dir, "tags.log"),
        "test/faults/helpers/encoder-process.ts",
      );
      const { daemon, producer } = await rig.startDaemon("rfid-producer", {
        extraDevices: `  - id: uhf-1
    driver: uhf-r2000
    transport: { type: tcp, host: 127.0.0.1, port: ${encoder.port}, connect_timeout_ms: 1000 }
    status_poll_ms: 500
    status_timeout_ms: 500
    confirm_timeout_ms: 30000
`,
        extra: `rfid: { access_password: "5A17C0DE" }\n`,
      });
      const tag = `R${Date.now().toString(36).toUpperCase()}`;
      const encode = (bag: string): JobRecord =>
        producer.submitEnvelope(
          `${tag}${bag}`,
          bag,
          { ...BAG_JOB, payload: { rfid: { bag_no: bag } } },
          "labelgate/demo/device/uhf-1/job",
        );
      const muted = () => encoder.events().filter((e) => e === "muted").length;

      const j0 = encode("1001");
      await settle(j0);
      expect(j0.final).toBe("ok");

      // 1. The encode completes on the tag; the reply to its last lock is lost with the gateway.
      await encoder.command("mute-before-last-reply");
      const j1 = encode("1002");
      await until(() => muted() === 1, 30_000, "the lost last reply");
      await daemon.kill("SIGKILL");
      await encoder.command("unmute");
      await daemon.start();
      await settle(j1);
      expect(j1.final).toBe("ok");

      // 2. The encode stops after its first write: the tag still holds bag 1002's EPC.
      await encoder.command("mute-after-write");
      const j2 = encode("1003");
      await until(() => muted() === 2, 30_000, "the unanswered write");
      await daemon.kill("SIGKILL");
      await encoder.command("unmute");
      await daemon.start();
      await settle(j2);
      expect(j2.final).toBe("in_doubt");

      const { verifyCode, rows } = await rig.stopAndReadSettlements();
      expect(verifyCode).toBe(0);
      console.log(`rfid-verdict audit: ${JSON.stringify(rows)}`);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ action: "job.resolved", job: j1.jobId });
      expect(rows[0]?.reason).toMatch(/^confirm:by_device:epc_readback:[0-9a-f]{24}:locked$/);
      expect(rows[1]).toEqual({
        action: "print.in_doubt",
        reason: "restart:epc_readback:other",
        job: j2.jobId,
      });
    },
  );
});
