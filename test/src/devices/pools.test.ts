import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostScriptedZpl, jobFor, type ScriptedZpl } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/pool-test`;
const IDS = ["p-1", "p-2", "p-3"] as const;

describe("device pools (issue #4 §4)", () => {
  let dir: string;
  let g: TestGateway;
  const sims = new Map<string, ScriptedZpl>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-pool-"));
    for (const id of IDS) {
      sims.set(
        id,
        await hostScriptedZpl({
          dataDir: dir,
          deviceId: id,
          // p-3 runs out of paper after its 5th label, while it still has pool jobs queued.
          onPrinted: (n, s) => {
            if (id === "p-3" && n === 5) s.setFault("media_out", true);
          },
        }),
      );
    }
    g = await startTestGateway({
      devices: IDS.map((id) => ({
        id,
        driver: "zebra-zpl",
        pool: "hall-2",
        transport: { type: "tcp" as const, host: "127.0.0.1", port: sims.get(id)!.hosted.port },
        status_poll_ms: 200,
        status_timeout_ms: 500,
        confirm_timeout_ms: 3000,
      })),
    });
    for (const id of IDS)
      await g.probe.waitFor(
        (m) => m.topic === `${SITE}/device/${id}/state` && m.json["reachability"] === "online",
        15_000,
        `${id} online`,
      );
  });
  afterAll(async () => {
    await g.stop();
    for (const s of sims.values()) await s.hosted.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("spreads 100 jobs over three printers, moves the held ones off the faulted printer, prints each once", async () => {
    const jobs = Array.from({ length: 100 }, () => jobFor(undefined, REPLY));
    for (const j of jobs) await g.probe.publish(`${SITE}/pool/hall-2/job`, j.json);
    for (const j of jobs) await g.probe.waitReply(j.env.job_id, "ok", 30_000);

    const printed = IDS.map((id) => sims.get(id)!.printed);
    // p-3 printed exactly the five labels before its paper ran out; the others took the rest.
    expect(printed[2]).toHaveLength(5);
    expect(printed[0]!.length).toBeGreaterThan(0);
    expect(printed[1]!.length).toBeGreaterThan(0);
    const all = printed.flat();
    expect(all).toHaveLength(100);
    expect(new Set(all)).toEqual(new Set(jobs.map((j) => j.waybill)));

    const moved = g.probe.messages.filter(
      (m) => m.topic === `${SITE}/device/p-3/event` && m.json["type"] === "job.moved",
    );
    expect(moved.length).toBeGreaterThan(0);
    for (const m of moved) expect(["p-1", "p-2"]).toContain(m.json["to"]);
  }, 120_000); // a budget for a loaded CI machine, not a speed claim (speed goes to the benchmarks)

  it("answers a job for a pool no device serves with device_unknown", async () => {
    const j = jobFor(undefined, REPLY);
    await g.probe.publish(`${SITE}/pool/no-such-pool/job`, j.json);
    const r = await g.probe.waitReply(j.env.job_id, "rejected");
    expect((r.json["error"] as Record<string, unknown>)["code"]).toBe("device_unknown");
  });
});
