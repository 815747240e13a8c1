import Database from "better-sqlite3";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { DeviceSnapshot } from "../../../drivers/snapshot.ts";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import type { DeviceRuntime } from "../../../src/devices/runtime.ts";
import { createDeviceQueue } from "../../../src/jobs/dispatcher.ts";
import type { JobEnvelope } from "../../../src/jobs/envelope.ts";
import { createInbox } from "../../../src/jobs/inbox.ts";
import type { AuditEvent, Reply } from "../../../src/jobs/ports.ts";
import { silentLogger } from "../../../src/log.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/jobs/label-print.json", import.meta.url));
const READY: DeviceSnapshot = {
  reachability: "online",
  state: "ready",
  conditions: [],
  counters: { formatsInBuffer: 0, labelsRemaining: 0 },
};
const diskFull = () =>
  Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A full disk AFTER the job's bytes left (issue #9 §3), with the error injected into the commit
 * or the device exchange: the job is never run again, its end is kept and recorded once space
 * returns, and only then is the producer told. Before, it stayed `dispatching` until a restart.
 */
function setup(o: { statusFailsAfterWrite?: boolean }) {
  const db = new Database(":memory:");
  const inbox = createInbox(db, { seal: (b) => b, open: (b) => b });
  const audits: AuditEvent[] = [];
  const replies: Reply[] = [];
  let full = false;
  let commits = 0;
  let writes = 0;
  const device = {
    id: "zpl-1",
    driver: { ...zebraZpl, labelCounter: undefined },
    compile: () => Uint8Array.from([0x5e, 0x58, 0x41, 0x5e, 0x58, 0x5a]),
    connectionLosses: 0,
    snapshot: () => READY,
    waitPrintable: () => Promise.resolve(READY),
    write: () => {
      writes++;
      // The disk fills up the moment the bytes are out.
      full = true;
      return Promise.resolve();
    },
    queryStatus: () =>
      o.statusFailsAfterWrite === true && full
        ? Promise.reject(diskFull())
        : Promise.resolve(READY),
  } as unknown as DeviceRuntime;
  const queue = createDeviceQueue(device, 2000, {
    inbox,
    audit: (e) => audits.push(e),
    reply: (_t, r) => replies.push(r),
    event: () => undefined,
    transaction: (fn) => db.transaction(fn)(),
    commit: (fn) => {
      commits++;
      if (full) return Promise.reject(diskFull());
      return Promise.resolve(db.transaction(fn)());
    },
    clock: Date.now,
    logger: silentLogger(),
    onAuditFailure: () => undefined,
  });
  const env = JSON.parse(readFileSync(EXAMPLE, "utf8")) as JobEnvelope;
  env.job_id = "DFULL0000001";
  env.reply_to = "labelgate/demo/reply/ws-12";
  inbox.insert(env, "zpl-1", "h", Date.now());
  return {
    queue,
    inbox,
    audits,
    replies,
    writes: () => writes,
    commits: () => commits,
    space: () => (full = false),
    jobId: env.job_id,
  };
}

describe("disk full after the bytes left", () => {
  it("a confirmed print whose end cannot be written is recorded and answered ok once space returns", async () => {
    const t = setup({});
    t.queue.enqueue(t.jobId);
    await until(() => t.writes() === 1 && t.commits() >= 3);
    // While full: nothing told, nothing printed again.
    expect(t.replies).toEqual([]);
    expect(t.inbox.get(t.jobId)?.state).toBe("dispatching");
    t.space();
    await until(() => t.replies.length === 1);
    expect(t.replies[0]).toMatchObject({ status: "ok", job_id: t.jobId });
    expect(t.inbox.get(t.jobId)?.state).toBe("done");
    expect(t.audits.map((a) => a.action)).toEqual(["print.dispatched", "print.completed"]);
    expect(t.writes()).toBe(1);
    await t.queue.stop();
  }, 30_000);

  it("a run broken off by the full disk after the bytes left is in_doubt, reported once space returns", async () => {
    const t = setup({ statusFailsAfterWrite: true });
    t.queue.enqueue(t.jobId);
    await until(() => t.writes() === 1 && t.commits() >= 3);
    expect(t.replies).toEqual([]);
    t.space();
    await until(() => t.replies.length === 1);
    expect(t.replies[0]).toMatchObject({ status: "in_doubt", job_id: t.jobId });
    expect(t.inbox.get(t.jobId)?.state).toBe("in_doubt");
    expect(t.audits.map((a) => [a.action, a.reason])).toEqual([
      ["print.dispatched", undefined],
      ["print.in_doubt", "disk_full"],
    ]);
    // The queue went on; the job was never sent again.
    expect(t.queue.length).toBe(0);
    expect(t.writes()).toBe(1);
    await t.queue.stop();
  }, 30_000);
});
