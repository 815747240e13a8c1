import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createJobLedger } from "../../src/cluster/ledger.ts";
import { createClusterStore } from "../../src/cluster/store.ts";
import { createGroupCommit } from "../../src/db/group-commit.ts";
import { openDatabase } from "../../src/db/open.ts";
import { topics } from "../../src/mqtt/topics.ts";

const t = topics({ base: "labelgate", site: "demo" }, "gw2");
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const job = (jobId: string) =>
  enc({ job_id: jobId, reply_to: "labelgate/demo/reply/p1", kind: "label.print" });

describe("standby job ledger", () => {
  it("answers a dispatched job in_doubt, a finished one duplicate, and lets the rest run", () => {
    const l = createJobLedger();
    void l.observe("zpl-1", enc({ type: "job.accepted", job_id: "J1" }));
    void l.observe("zpl-1", enc({ type: "job.accepted", job_id: "J2" }));
    void l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J2" }));
    void l.observe("zpl-1", enc({ type: "job.accepted", job_id: "J3" }));
    void l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J3" }));
    void l.observe("zpl-1", enc({ type: "job.done", job_id: "J3" }));
    void l.observe("zpl-1", enc({ type: "job.rejected", job_id: "J4", code: "busy" }));
    const topic = t.deviceJob("zpl-1");
    expect(l.intercept(t, topic, job("J1"))).toBeUndefined();
    expect(l.intercept(t, topic, job("J2"))?.reply.status).toBe("in_doubt");
    const dup = l.intercept(t, topic, job("J3"));
    expect(dup?.reply).toMatchObject({
      status: "duplicate",
      data: { state: "done", outcome: { status: "ok" } },
    });
    expect(dup?.replyTo).toBe("labelgate/demo/reply/p1");
    expect(l.intercept(t, topic, job("J4"))).toBeUndefined();
    expect(l.intercept(t, topic, job("J9"))).toBeUndefined();
  });

  it("keeps an outcome when an earlier stage arrives late, and ignores what is not a job event", () => {
    const l = createJobLedger();
    void l.observe("zpl-1", enc({ type: "job.done", job_id: "J1" }));
    void l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J1" }));
    void l.observe("zpl-1", new TextEncoder().encode("not json"));
    void l.observe("zpl-1", enc({ type: "device.online" }));
    expect(l.get("J1")?.state).toBe("done");
    expect(l.size).toBe(1);
  });

  it("never answers on a pool topic or to a reply topic outside the reply prefix", () => {
    const l = createJobLedger();
    void l.observe("zpl-1", enc({ type: "job.done", job_id: "J1" }));
    expect(l.intercept(t, t.poolJob("p"), job("J1"))).toBeUndefined();
    const bad = enc({ job_id: "J1", reply_to: "labelgate/demo/device/zpl-1/job" });
    expect(l.intercept(t, t.deviceJob("zpl-1"), bad)).toBeUndefined();
  });

  it("is kept in the gateway database: a restarted standby still knows what the owner dispatched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-ledger-"));
    try {
      const file = join(dir, "labelgate.db");
      const open = () => {
        const db = openDatabase(file);
        const writer = createGroupCommit(db);
        return { db, writer, store: createClusterStore(db, writer.commit) };
      };
      const first = open();
      const l = createJobLedger();
      l.attach(first.store, 3600);
      // Resolves once durable: the watch connection acknowledges the event only then.
      await l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J1", epoch: 1 }));
      await l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J2", epoch: 1 }));
      await l.observe("zpl-1", enc({ type: "job.done", job_id: "J2", epoch: 1 }));
      await first.writer.close();
      first.db.close();

      const second = open();
      const again = createJobLedger();
      again.attach(second.store, 3600);
      expect(again.get("J1")).toEqual({ device: "zpl-1", state: "dispatching" });
      expect(again.get("J2")).toEqual({ device: "zpl-1", state: "done" });
      expect(again.intercept(t, t.deviceJob("zpl-1"), job("J1"))?.reply.status).toBe("in_doubt");
      // After its own claim (epoch 5) the gateway's own events are not the old owner's.
      again.recordBelow(5);
      await again.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J3", epoch: 5 }));
      await again.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J4", epoch: 4 }));
      expect(again.get("J3")).toBeUndefined();
      expect(again.get("J4")?.state).toBe("dispatching");
      await second.writer.close();
      second.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
