/**
 * The race behind a pool job left held on a faulted member: the job is picked for a healthy
 * member, the member's fault (and the rebalance it triggers) is seen before the job reaches its
 * queue, and no later status change comes to move it. `placed` moves it at once.
 */
import { describe, expect, it } from "vitest";
import type { DeviceSnapshot } from "../../../drivers/snapshot.ts";
import { createPools } from "../../../src/devices/pools.ts";
import type { DeviceRuntime } from "../../../src/devices/runtime.ts";
import type { DeviceQueue } from "../../../src/jobs/dispatcher.ts";
import { silentLogger } from "../../../src/log.ts";
import { topics } from "../../../src/mqtt/topics.ts";

const ready: DeviceSnapshot = {
  reachability: "online",
  state: "ready",
  conditions: [],
  counters: {},
};
const mediaOut: DeviceSnapshot = {
  reachability: "online",
  state: "error",
  conditions: ["media_out"],
  counters: {},
};

function rig() {
  const snap = new Map<string, DeviceSnapshot>([
    ["p-x", ready],
    ["p-y", ready],
  ]);
  const queued = new Map<string, string[]>([
    ["p-x", []],
    ["p-y", []],
  ]);
  const devices = new Map(
    [...snap.keys()].map((id) => [
      id,
      { id, snapshot: () => snap.get(id)!, quarantine: () => undefined, onHold: false },
    ]),
  ) as unknown as Map<string, DeviceRuntime>;
  const queues = new Map(
    [...queued.keys()].map((id) => {
      const q = queued.get(id)!;
      const queue: Pick<DeviceQueue, "enqueue" | "length" | "takeUndispatched"> = {
        enqueue: (j) => void q.push(j),
        get length() {
          return q.length;
        },
        takeUndispatched: (movable) => {
          const taken = q.filter(movable);
          const kept = q.filter((j) => !movable(j));
          q.splice(0, q.length, ...kept);
          return taken;
        },
      };
      return [id, queue];
    }),
  ) as unknown as Map<string, DeviceQueue>;
  const events: Array<[string, Record<string, unknown>]> = [];
  const moves: Array<[string, string]> = [];
  const t = topics({ base: "labelgate", site: "demo" }, "gw1");
  const pools = createPools({
    topics: t,
    devices,
    queues,
    poolOf: () => "hall-1",
    event: (d, e) => events.push([d, e]),
    moved: (j, to) => void moves.push([j, to]),
    logger: silentLogger(),
  });
  const payload = (jobId: string) => new TextEncoder().encode(JSON.stringify({ job_id: jobId }));
  return { snap, queued, pools, events, moves, payload, t };
}

describe("pool job placed on a member that faulted after the pick", () => {
  it("moves on to a healthy sibling at once, recording the move", () => {
    const r = rig();
    const to = r.pools.route(r.t.poolJob("hall-1"), r.payload("J1"));
    expect(to).toBe("p-x");
    // p-x faults now; its status-change rebalance finds nothing to move yet.
    r.snap.set("p-x", mediaOut);
    r.pools.rebalance("p-x");
    // The job reaches p-x's queue only now.
    r.queued.get("p-x")!.push("J1");
    r.pools.placed("p-x", "J1");
    expect(r.queued.get("p-x")).toEqual([]);
    expect(r.queued.get("p-y")).toEqual(["J1"]);
    expect(r.moves).toEqual([["J1", "p-y"]]);
    expect(r.events).toEqual([["p-x", { type: "job.moved", job_id: "J1", to: "p-y" }]]);
  });

  it("leaves a job placed on a healthy member, and a job that did not come through the pool", () => {
    const r = rig();
    r.pools.route(r.t.poolJob("hall-1"), r.payload("J2"));
    r.queued.get("p-x")!.push("J2");
    r.pools.placed("p-x", "J2");
    r.snap.set("p-x", mediaOut);
    r.queued.get("p-x")!.push("D1"); // sent to device/p-x/job directly
    r.pools.placed("p-x", "D1");
    // Nothing moves: J2 was placed while p-x was healthy (the status change moves it), and D1
    // never moves.
    expect(r.queued.get("p-x")).toEqual(["J2", "D1"]);
    expect(r.queued.get("p-y")).toEqual([]);
    expect(r.moves).toEqual([]);
  });
});
