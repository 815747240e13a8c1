import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RetryingProducer, tally } from "../faults/helpers/producer.ts";
import { startOwnerAndStandby, until, type Cleanup } from "./scenario.ts";

/**
 * The standby's record of the owner's jobs survives a restart of the standby (SQLite through the
 * group commit; its watch connection keeps a persistent session, so the owner's events published
 * while it was down are delivered when it is back). gw1 prints jobs, gw2 (standby) is SIGKILLed
 * and restarted, gw1 prints more, then gw1 is SIGKILLed and gw2 takes over. A producer that lost
 * every final reply sends all the jobs again: each is answered `duplicate` with the old outcome,
 * none is printed a second time.
 */
describe("standby restart keeps its record of the owner's jobs", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-standby-restart-"));
  const cleanup: Cleanup = [];

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "a job the old owner printed before the standby restarted is not printed again after the takeover",
    { timeout: 120_000 },
    async () => {
      const { url, printer, gw1, gw2 } = await startOwnerAndStandby(dir, cleanup);

      const producer = new RetryingProducer(url, "producer-sr", 1000);
      cleanup.push(() => producer.close());
      await producer.connect();
      for (let i = 0; i < 5; i++) producer.submit(i, "01JSTANDBYRESTART");
      await producer.settle(30_000);

      // The standby dies and comes back while the owner is up.
      await gw2.kill("SIGKILL");
      // Printed while the standby is down: its persistent watch session queues the events.
      for (let i = 5; i < 8; i++) producer.submit(i, "01JSTANDBYRESTART");
      await producer.settle(30_000);
      gw2.start();
      await gw2.waitFor('"standby watching"');
      // 5 jobs from its database, 3 from the events queued in its watch session.
      expect(gw2.log).toContain('"ledger":8,');

      await gw1.kill("SIGKILL");
      await gw2.waitFor("claiming its devices");
      await gw2.waitFor('"gateway started"');

      // Every final reply was lost: the producer sends every job again, same job_id.
      const before = new Map([...producer.jobs.values()].map((r) => [r.jobId, r.statuses.length]));
      for (const id of before.keys()) producer.resend(id);
      await until(
        () => [...producer.jobs.values()].every((r) => r.statuses.length > before.get(r.jobId)!),
        "an answer to every resent job",
      );
      for (const r of producer.jobs.values())
        expect(r.statuses.slice(before.get(r.jobId)!)).toEqual(["duplicate"]);
      const t = tally(producer.jobs.values(), printer.printed());
      expect(t.sent).toBe(8);
      expect(t.ok).toBe(8);
      expect(t.printedOnce).toBe(8);
      expect(t.printedTwice).toBe(0);
    },
  );
});
