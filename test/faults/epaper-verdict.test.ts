import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { JobRecord } from "./helpers/producer.ts";
import { settle, until, VerdictRig } from "./helpers/verdict.ts";

const UPDATE = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../examples/jobs/epaper-update.json", import.meta.url)),
    "utf8",
  ),
) as Record<string, unknown> & { payload: { data: Record<string, unknown> } };

/**
 * SIGKILL the daemon while an e-paper update waits for its tag, with the OpenEPaperLink AP in a
 * process of its own, then let the AP's tag record settle the job on restart (issue #9 §2):
 * - the tag showed the image while the daemon could not see it: the record's hash is the job's
 *   image with nothing pending → `ok`, audited `confirm:by_device:tag_hash:…`;
 * - the AP still holds the image for a tag out of range: the update runs again (the same image
 *   once more is harmless on a display) and ends `ok` when the tag checks in, shown once;
 * - the AP does not answer at the restart: the job stays `in_doubt`.
 */
describe("in-doubt e-paper updates settled by the tag's content hash", () => {
  const rig = new VerdictRig(mkdtempSync(join(tmpdir(), "lg-faults-epaper-")));

  afterAll(() => rig.close());

  it(
    "shown unseen → ok by device; still pending → runs again, shown once; AP away → in_doubt",
    {
      timeout: 180_000,
    },
    async () => {
      await rig.startPrinter();
      const apDir = join(rig.dir, "ap");
      const ap = await rig.startDevice(apDir, "test/faults/helpers/ap-process.ts");
      const { daemon, producer } = await rig.startDaemon("epaper-producer", {
        extraDevices: `  - id: epaper-1
    driver: oepl-ap
    status_poll_ms: 500
    transport: { type: oepl, url: "http://127.0.0.1:${ap.port}", mac: "0000021EDE2A3B01", hw_type: 1, checkin_grace_ms: 60000 }
`,
      });
      const tag = `E${Date.now().toString(36).toUpperCase()}`;
      const update = (bag: string): JobRecord =>
        producer.submitEnvelope(
          `${tag}${bag}`,
          bag,
          {
            ...UPDATE,
            payload: { ...UPDATE.payload, data: { ...UPDATE.payload.data, bag_no: bag } },
          },
          "labelgate/demo/device/epaper-1/job",
        );
      // The AP holds the image: the second `accepted` (data.stage "ap") came.
      const atAp = (j: JobRecord) =>
        until(() => j.statuses.filter((s) => s === "accepted").length >= 2, 30_000, "stage ap");
      const shown = () => {
        try {
          return readdirSync(join(apDir, "epaper-1")).filter((f) => f.endsWith(".png")).length;
        } catch {
          return 0;
        }
      };

      const j0 = update("BAG5710000");
      await settle(j0);
      expect(j0.final).toBe("ok");
      expect(shown()).toBe(1);

      // 1. The tag shows the image while the daemon cannot see the AP; then the daemon dies.
      await ap.command("out-of-range on");
      const j1 = update("BAG5710001");
      await atAp(j1);
      await ap.command("reachable off");
      await ap.command("out-of-range off");
      await until(() => shown() === 2, 30_000, "the tag showing the image");
      await daemon.kill("SIGKILL");
      await ap.command("reachable on");
      await daemon.start();
      await settle(j1);
      expect(j1.final).toBe("ok");

      // 2. The AP holds the image for a tag out of range when the daemon dies.
      await ap.command("out-of-range on");
      const j2 = update("BAG5710002");
      await atAp(j2);
      await daemon.kill("SIGKILL");
      await daemon.start();
      await ap.command("out-of-range off");
      await settle(j2);
      expect(j2.final).toBe("ok");
      expect(shown()).toBe(3);

      // 3. The AP is away when the daemon comes back.
      await ap.command("out-of-range on");
      const j3 = update("BAG5710003");
      await atAp(j3);
      await daemon.kill("SIGKILL");
      await ap.command("reachable off");
      await daemon.start();
      await settle(j3);
      expect(j3.final).toBe("in_doubt");
      await ap.command("reachable on");

      const { verifyCode, rows } = await rig.stopAndReadSettlements();
      expect(verifyCode).toBe(0);
      console.log(`epaper-verdict audit: ${JSON.stringify(rows)}`);
      expect(rows.map((r) => [r.action, r.job])).toEqual([
        ["job.resolved", j1.jobId],
        ["job.resolved", j2.jobId],
        ["print.in_doubt", j3.jobId],
      ]);
      expect(rows[0]?.reason).toMatch(/^confirm:by_device:tag_hash:[0-9a-f]{16}$/);
      expect(rows[1]?.reason).toMatch(/^requeue:by_device:tag_hash:[0-9a-f]{16}:pending$/);
      expect(rows[2]?.reason).toBe("restart:ap_unreachable");
    },
  );
});
