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
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostScriptedZpl, jobFor, type ScriptedZpl } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/pool-restart`;

describe("pool move survives a restart (issue #4 §4)", () => {
  let simDir: string;
  let gwDir: string;
  let a: ScriptedZpl;
  let b: ScriptedZpl;
  let g: TestGateway | undefined;

  const devices = () => [
    {
      id: "p-a",
      driver: "zebra-zpl",
      pool: "hall-9",
      transport: { type: "tcp" as const, host: "127.0.0.1", port: a.hosted.port },
      status_poll_ms: 200,
      status_timeout_ms: 500,
      confirm_timeout_ms: 3000,
    },
    {
      id: "p-b",
      driver: "zebra-zpl",
      pool: "hall-9",
      transport: { type: "tcp" as const, host: "127.0.0.1", port: b.hosted.port },
      status_poll_ms: 60_000,
      status_timeout_ms: 500,
      confirm_timeout_ms: 3000,
    },
  ];
  const inboxDevices = (): Record<string, string> => {
    const db = new Database(join(gwDir, "labelgate.db"), { readonly: true });
    try {
      const rows = db.prepare("SELECT job_id, device FROM jobs").all() as Array<{
        job_id: string;
        device: string;
      }>;
      return Object.fromEntries(rows.map((r) => [r.job_id, r.device]));
    } finally {
      db.close();
    }
  };
  const inboxStates = (): Record<string, string> => {
    const db = new Database(join(gwDir, "labelgate.db"), { readonly: true });
    try {
      const rows = db.prepare("SELECT job_id, state FROM jobs").all() as Array<{
        job_id: string;
        state: string;
      }>;
      return Object.fromEntries(rows.map((r) => [r.job_id, r.state]));
    } finally {
      db.close();
    }
  };
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
    simDir = mkdtempSync(join(tmpdir(), "labelgate-pmr-sim-"));
    gwDir = mkdtempSync(join(tmpdir(), "labelgate-pmr-gw-"));
    a = await hostScriptedZpl({ dataDir: simDir, deviceId: "p-a" });
    b = await hostScriptedZpl({ dataDir: simDir, deviceId: "p-b" });
  });
  afterAll(async () => {
    await g?.stop();
    await a.hosted.close();
    await b.hosted.close();
    rmSync(simDir, { recursive: true, force: true });
    rmSync(gwDir, { recursive: true, force: true });
  });

  it("moves held jobs to the sibling in the inbox; a restart prints them there, once each", async () => {
    g = await startTestGateway({ devices: devices() }, gwDir);
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
    const before = inboxDevices();
    const onA = jobs.filter((j) => before[j.env.job_id] === "p-a").map((j) => j.env.job_id);
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
    const after = inboxDevices();
    for (const j of jobs) expect(after[j.env.job_id]).toBe("p-b");

    b.sim().setFault("media_out", false);
    g = await startTestGateway({ devices: devices() }, gwDir);
    // (The new process may print before its probe subscribes: the inbox is the record.)
    await expect
      .poll(() => jobs.map((j) => inboxStates()[j.env.job_id]), { timeout: 30_000 })
      .toEqual(jobs.map(() => "done"));
    expect([...b.printed].sort()).toEqual(jobs.map((j) => j.waybill).sort());
    expect(a.printed).toEqual([]);
  }, 120_000); // a budget for a loaded machine, not a speed claim
});
