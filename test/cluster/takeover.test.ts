import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createJobLedger } from "../../src/cluster/ledger.ts";
import { closeTakenOverJobs } from "../../src/cluster/takeover.ts";
import { loadOrCreateKeys } from "../../src/crypto/keys.ts";
import { createSealer } from "../../src/crypto/wiring.ts";
import { openDatabase } from "../../src/db/open.ts";
import { parseEnvelope } from "../../src/jobs/envelope.ts";
import { createInbox } from "../../src/jobs/inbox.ts";
import type { AuditEvent } from "../../src/jobs/ports.ts";
import { silentLogger } from "../../src/log.ts";
import { exampleJob } from "../helpers/jobs.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("jobs taken over by the other owner", () => {
  it("are closed with the other owner's outcome; the rest stay for recovery", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-takeover-"));
    try {
      const db = openDatabase(join(dir, "labelgate.db"));
      const inbox = createInbox(db, createSealer(loadOrCreateKeys(dir)));
      const ids = [
        "01JTAKEOVER000000000000001",
        "01JTAKEOVER000000000000002",
        "01JTAKEOVER000000000000003",
        "01JTAKEOVER000000000000004",
        "01JTAKEOVER000000000000005",
      ];
      for (const id of ids) {
        const env = parseEnvelope(
          enc(exampleJob({ replyTo: "labelgate/demo/reply/p1", jobId: id })),
        );
        expect(inbox.insert(env, "zpl-1", `hash-${id}`, Date.now())).toBe(true);
      }
      // This gateway had the fifth one under way itself: recovery asks the device about it.
      inbox.setState(ids[4]!, "dispatching", Date.now());
      const ledger = createJobLedger();
      await ledger.observe("zpl-1", enc({ type: "job.done", job_id: ids[0], epoch: 7 }));
      await ledger.observe("zpl-1", enc({ type: "job.dispatching", job_id: ids[1], epoch: 7 }));
      await ledger.observe("zpl-1", enc({ type: "job.accepted", job_id: ids[2], epoch: 7 }));
      await ledger.observe("zpl-1", enc({ type: "job.done", job_id: ids[4], epoch: 7 }));
      const audited: AuditEvent[] = [];
      const closed = closeTakenOverJobs({
        inbox,
        ledger,
        audit: (e) => void audited.push(e),
        clock: Date.now,
        logger: silentLogger(),
      });
      expect(closed).toBe(2);
      expect(inbox.get(ids[0]!)).toMatchObject({ state: "done", outcome: { status: "ok" } });
      expect(inbox.get(ids[1]!)).toMatchObject({ state: "in_doubt" });
      // Accepted by the other owner but never dispatched there, or never seen there: run here.
      expect(inbox.get(ids[2]!)?.state).toBe("accepted");
      expect(inbox.get(ids[3]!)?.state).toBe("accepted");
      expect(inbox.get(ids[4]!)?.state).toBe("dispatching");
      expect(audited.map((a) => [a.action, a.outcome, a.reason])).toEqual([
        ["job.resolved", "ok", "taken_over:done"],
        ["job.resolved", "in_doubt", "taken_over:dispatching"],
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
