import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PrinterProcess } from "./helpers/harness.ts";
import { tally } from "./helpers/producer.ts";
import { settle, until, VerdictRig } from "./helpers/verdict.ts";

/**
 * SIGKILL the daemon while a label is in flight, then let the printer's label odometer
 * (`odometer.total_label_count`) settle the job on restart (issue #9 §2). The printer is its own
 * process and keeps its odometer in a file, so it also survives being restarted itself:
 * - the label printed but its confirmation never came (printer muted): counter +1 → `ok`,
 *   audited `job.resolved` `confirm:by_device:label_count:…`;
 * - the label's bytes were lost on the way: counter unchanged on a settled printer → the job
 *   runs again and prints once, audited `requeue:by_device:…`;
 * - the label printed and the printer also printed a test label of its own before the restart:
 *   counter +2 for a 1-label job → ambiguous, the job stays `in_doubt` (reported, not reprinted);
 * - without a restart: the label printed, then the connection dropped before the confirmation
 *   (a print confirmed on another connection proves nothing): the counter, read on the new
 *   connection, moved by one → `ok`, audited `print.completed` `connection_lost:label_count:…`.
 */
describe("in-doubt jobs settled by the printer's label counter", () => {
  const rig = new VerdictRig(mkdtempSync(join(tmpdir(), "lg-faults-verdict-")));

  afterAll(() => rig.close());

  it(
    "printed → ok by device, lost → requeued and printed once, ambiguous → in_doubt",
    { timeout: 180_000 },
    async () => {
      const log = join(rig.dir, "printed.log");
      let printer = await rig.startPrinter(log);
      // A long confirm window: the kill must land while the job is still dispatching.
      const { daemon, producer } = await rig.startDaemon("verdict-producer", {
        confirmTimeoutMs: 30_000,
      });
      const tag = `V${Date.now().toString(36).toUpperCase()}`;

      // A normal job first: the odometer moves and the job is confirmed as usual.
      const j0 = producer.submit(0, tag);
      await settle(j0);
      expect(j0.final).toBe("ok");
      expect(printer.odometer()).toBe(1);

      // 1. Printed, confirmation lost with the gateway. The printer is restarted too (power
      //    cycle): its odometer carries on from its file.
      await printer.command("mute-after-print");
      const j1 = producer.submit(1, tag);
      await until(() => printer.events().includes("printed-muted"), 30_000, "the muted print");
      await daemon.kill("SIGKILL");
      const port = printer.port;
      await printer.stop();
      printer = rig.printer = await PrinterProcess.start(log, port);
      await daemon.start();
      await settle(j1);
      expect(j1.final).toBe("ok");

      // 2. The label's bytes were lost: nothing printed, the printer is settled.
      await printer.command("lose-next");
      const j2 = producer.submit(2, tag);
      await until(() => printer.events().includes("lost"), 30_000, "the lost label");
      await daemon.kill("SIGKILL");
      await printer.command("silent off");
      await daemon.start();
      await settle(j2);
      expect(j2.final).toBe("ok");

      // 3. Printed, and a label of the printer's own came out before the gateway was back.
      await printer.command("mute-after-print");
      const j3 = producer.submit(3, tag);
      await until(
        () => printer.events().filter((e) => e === "printed-muted").length === 2,
        30_000,
        "the second muted print",
      );
      await daemon.kill("SIGKILL");
      await printer.command("silent off");
      await printer.command("extra-label");
      await daemon.start();
      await settle(j3);
      expect(j3.final).toBe("in_doubt");

      // 4. No restart: printed, then the connection dropped before the confirmation came.
      await printer.command("mute-after-print");
      const j4 = producer.submit(4, tag);
      await until(
        () => printer.events().filter((e) => e === "printed-muted").length === 3,
        30_000,
        "the third muted print",
      );
      await printer.command("drop");
      await printer.command("silent off");
      await settle(j4);
      expect(j4.final).toBe("ok");

      const t = tally(producer.jobs.values(), printer.printed());
      console.log(`device-verdict tally: ${JSON.stringify(t)}`);
      expect(t.sent).toBe(5);
      expect(t.printedOnce).toBe(5);
      expect(t.printedTwice).toBe(0);
      expect(t.lost).toBe(0);
      expect(t.inDoubt).toBe(1);
      expect(t.inDoubtPrinted).toBe(1);
      // 5 jobs + the printer's own test label; nothing else came out.
      expect(printer.odometer()).toBe(6);

      const { verifyCode, rows } = await rig.stopAndReadSettlements();
      expect(verifyCode).toBe(0);
      const db = new Database(join(rig.dataDir, "labelgate.db"), { readonly: true });
      const completed = db
        .prepare<[string], { reason: string | null }>(
          `SELECT reason FROM audit_log WHERE action = 'print.completed'
           AND json_extract(target, '$.job_id') = ?`,
        )
        .all(j4.jobId);
      db.close();
      expect(completed).toEqual([{ reason: "connection_lost:label_count:5:6:1" }]);
      console.log(`device-verdict audit: ${JSON.stringify(rows)}`);
      expect(rows).toEqual([
        { action: "job.resolved", reason: "confirm:by_device:label_count:1:2:1", job: j1.jobId },
        { action: "job.resolved", reason: "requeue:by_device:label_count:2:2:1", job: j2.jobId },
        { action: "print.in_doubt", reason: "restart:label_count:3:5:1", job: j3.jobId },
      ]);
    },
  );
});
