/**
 * Durable pool membership (issue #4 §4): a pool job recovered after a restart on a member that is
 * still faulted moves to a healthy sibling, as it would have before the restart. The inbox keeps
 * the job's pool (`pool` column), and recovery hands it back to the pools.
 *
 * Both members of `hall-7` are out of paper while 4 pool jobs arrive, so they wait on both (two
 * each). The gateway stops; p-b gets paper, p-a stays out; a new gateway on the same data
 * directory prints all 4 on p-b, each once, and p-a prints nothing. Without the stored pool the
 * two jobs recovered on p-a stay held there for as long as p-a is out of paper.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobFor, type ScriptedZpl } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { poolMember, readInbox, startPoolPair, type PoolPair } from "./pool-restart.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/pool-recovery`;

describe("pool jobs recovered on a faulted member move on after a restart (issue #4 §4)", () => {
  let rig: PoolPair;
  let a: ScriptedZpl;
  let b: ScriptedZpl;
  let g: TestGateway | undefined;

  const devices = () => [
    poolMember("p-a", "hall-7", a.hosted.port, 200),
    poolMember("p-b", "hall-7", b.hosted.port, 200),
  ];
  const inbox = () => readInbox(rig.gwDir);

  beforeAll(async () => {
    rig = await startPoolPair("labelgate-prr");
    ({ a, b } = rig);
  });
  afterAll(async () => {
    await g?.stop();
    await rig.close();
  });

  it("stores the pool at intake; after a restart the jobs held on p-a print on p-b, once each", async () => {
    g = await startTestGateway({ devices: devices() }, rig.gwDir);
    a.sim().setFault("media_out", true);
    b.sim().setFault("media_out", true);
    for (const id of ["p-a", "p-b"])
      await g.probe.waitFor(
        (m) =>
          m.topic === `${SITE}/device/${id}/state` &&
          (m.json["conditions"] as string[]).includes("media_out"),
        15_000,
        `${id} out of paper`,
      );
    const jobs = Array.from({ length: 4 }, () => jobFor(undefined, REPLY));
    for (const j of jobs) await g.probe.publish(`${SITE}/pool/hall-7/job`, j.json);
    for (const j of jobs)
      await g.probe.waitFor(
        (m) => m.json["type"] === "job.held" && m.json["job_id"] === j.env.job_id,
        15_000,
        "held",
      );
    // A job addressed to the device itself is no pool job: it stays on p-a.
    const own = jobFor("p-a", REPLY);
    await g.probe.publish(`${SITE}/device/p-a/job`, own.json);
    await g.probe.waitFor(
      (m) => m.json["type"] === "job.held" && m.json["job_id"] === own.env.job_id,
      15_000,
      "own job held",
    );
    await g.stop();
    g = undefined;

    const before = inbox();
    for (const j of jobs) expect(before[j.env.job_id]?.pool).toBe("hall-7");
    expect(before[own.env.job_id]?.pool).toBeNull();
    const onA = jobs.filter((j) => before[j.env.job_id]?.device === "p-a");
    expect(onA).toHaveLength(2);

    b.sim().setFault("media_out", false);
    g = await startTestGateway({ devices: devices() }, rig.gwDir);
    // (The new process may print before its probe subscribes: the inbox is the record.)
    await expect
      .poll(() => jobs.map((j) => inbox()[j.env.job_id]?.state), { timeout: 30_000 })
      .toEqual(jobs.map(() => "done"));
    const after = inbox();
    for (const j of jobs) expect(after[j.env.job_id]).toMatchObject({ device: "p-b" });
    expect([...b.printed].sort()).toEqual(jobs.map((j) => j.waybill).sort());
    expect(a.printed).toEqual([]);
    // The device's own job waits for p-a.
    expect(after[own.env.job_id]).toMatchObject({ device: "p-a", state: "held" });
  }, 120_000); // a budget for a loaded machine, not a speed claim
});
