/**
 * A held pool job moved to a sibling belongs to the sibling in the inbox (issue #4 §4): after a
 * restart it is recovered and printed there, not on the faulted member it came from.
 *
 * p-b polls rarely (60 s), so right after its paper runs out the gateway still takes it for
 * healthy: `resume` moves p-a's held pool jobs onto it, and its queue's own status read finds the
 * fault and holds them there. The gateway stops, p-b gets paper, a new gateway process on the same
 * data directory starts: every job prints exactly once, on p-b; p-a (still out of paper) prints
 * nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobFor, type ScriptedZpl } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { poolMember, readInbox, startPoolPair, type PoolPair } from "./pool-restart.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/pool-restart`;

describe("pool move survives a restart (issue #4 §4)", () => {
  let rig: PoolPair;
  let a: ScriptedZpl;
  let b: ScriptedZpl;
  let g: TestGateway | undefined;

  // p-b polls rarely (see above).
  const devices = () => [
    poolMember("p-a", "hall-9", a.hosted.port, 200),
    poolMember("p-b", "hall-9", b.hosted.port, 60_000),
  ];
  const inbox = () => readInbox(rig.gwDir);
  const command = async (gw: TestGateway, device: string, name: string) => {
    const request_id = `${device}-${name}`;
    await gw.probe.publish(
      `${SITE}/device/${device}/cmd/${name}`,
      JSON.stringify({ request_id, reply_to: REPLY }),
    );
    return (
      await gw.probe.waitFor(
        (m) => m.topic === REPLY && m.json["request_id"] === request_id,
        15_000,
        `${name} ${device}`,
      )
    ).json;
  };

  beforeAll(async () => {
    rig = await startPoolPair("labelgate-pmr");
    ({ a, b } = rig);
  });
  afterAll(async () => {
    await g?.stop();
    await rig.close();
  });

  it("moves held jobs to the sibling in the inbox; a restart prints them there, once each", async () => {
    g = await startTestGateway({ devices: devices() }, rig.gwDir);
    for (const id of ["p-a", "p-b"])
      await g.probe.waitFor(
        (m) => m.topic === `${SITE}/device/${id}/state` && m.json["reachability"] === "online",
        15_000,
        `${id} online`,
      );
    expect(await command(g, "p-b", "pause")).toMatchObject({ status: "ok" });
    a.sim().setFault("media_out", true);
    await g.probe.waitFor(
      (m) =>
        m.topic === `${SITE}/device/p-a/state` &&
        (m.json["conditions"] as string[]).includes("media_out"),
      15_000,
      "p-a out of paper",
    );

    // No healthy member: the jobs wait on the least-loaded members (p-a, p-b, p-a, p-b).
    const jobs = Array.from({ length: 4 }, () => jobFor(undefined, REPLY));
    for (const j of jobs) await g.probe.publish(`${SITE}/pool/hall-9/job`, j.json);
    for (const j of jobs)
      await g.probe.waitFor(
        (m) => m.json["type"] === "job.held" && m.json["job_id"] === j.env.job_id,
        15_000,
        "held",
      );
    const before = inbox();
    const onA = jobs.filter((j) => before[j.env.job_id]?.device === "p-a").map((j) => j.env.job_id);
    expect(onA).toHaveLength(2);

    // p-b runs out of paper too, but the gateway will not know until p-b's queue asks.
    b.sim().setFault("media_out", true);
    expect(await command(g, "p-b", "resume")).toMatchObject({ status: "ok" });
    for (const id of onA)
      await g.probe.waitFor(
        (m) =>
          m.topic === `${SITE}/device/p-a/event` &&
          m.json["type"] === "job.moved" &&
          m.json["job_id"] === id &&
          m.json["to"] === "p-b",
        15_000,
        "moved to p-b",
      );
    for (const id of onA)
      await g.probe.waitFor(
        (m) =>
          m.topic === `${SITE}/device/p-b/event` &&
          m.json["type"] === "job.held" &&
          m.json["job_id"] === id,
        15_000,
        "held on p-b",
      );
    expect(b.printed).toEqual([]);
    await g.stop();
    g = undefined;

    // Durable: every job is p-b's in the stored inbox.
    const after = inbox();
    for (const j of jobs) expect(after[j.env.job_id]?.device).toBe("p-b");

    b.sim().setFault("media_out", false);
    g = await startTestGateway({ devices: devices() }, rig.gwDir);
    // (The new process may print before its probe subscribes: the inbox is the record.)
    await expect
      .poll(() => jobs.map((j) => inbox()[j.env.job_id]?.state), { timeout: 30_000 })
      .toEqual(jobs.map(() => "done"));
    expect([...b.printed].sort()).toEqual(jobs.map((j) => j.waybill).sort());
    expect(a.printed).toEqual([]);
  }, 120_000); // a budget for a loaded machine, not a speed claim
});
