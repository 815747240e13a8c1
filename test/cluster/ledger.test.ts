import { describe, expect, it } from "vitest";
import { createJobLedger } from "../../src/cluster/ledger.ts";
import { topics } from "../../src/mqtt/topics.ts";

const t = topics({ base: "labelgate", site: "demo" }, "gw2");
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const job = (jobId: string) =>
  enc({ job_id: jobId, reply_to: "labelgate/demo/reply/p1", kind: "label.print" });

describe("standby job ledger", () => {
  it("answers a dispatched job in_doubt, a finished one duplicate, and lets the rest run", () => {
    const l = createJobLedger();
    l.observe("zpl-1", enc({ type: "job.accepted", job_id: "J1" }));
    l.observe("zpl-1", enc({ type: "job.accepted", job_id: "J2" }));
    l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J2" }));
    l.observe("zpl-1", enc({ type: "job.accepted", job_id: "J3" }));
    l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J3" }));
    l.observe("zpl-1", enc({ type: "job.done", job_id: "J3" }));
    l.observe("zpl-1", enc({ type: "job.rejected", job_id: "J4", code: "busy" }));
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
    l.observe("zpl-1", enc({ type: "job.done", job_id: "J1" }));
    l.observe("zpl-1", enc({ type: "job.dispatching", job_id: "J1" }));
    l.observe("zpl-1", new TextEncoder().encode("not json"));
    l.observe("zpl-1", enc({ type: "device.online" }));
    expect(l.get("J1")?.state).toBe("done");
    expect(l.size).toBe(1);
  });

  it("never answers on a pool topic or to a reply topic outside the reply prefix", () => {
    const l = createJobLedger();
    l.observe("zpl-1", enc({ type: "job.done", job_id: "J1" }));
    expect(l.intercept(t, t.poolJob("p"), job("J1"))).toBeUndefined();
    const bad = enc({ job_id: "J1", reply_to: "labelgate/demo/device/zpl-1/job" });
    expect(l.intercept(t, t.deviceJob("zpl-1"), bad)).toBeUndefined();
  });
});
