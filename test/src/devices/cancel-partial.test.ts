/**
 * ZPL after a mid-label cable cut (issue #4 §3): the printer received only the first part of a
 * label when the connection dropped. On reconnect the gateway sends `~JX` before anything else
 * (identity, status, the next label), so the printer discards the partial format; the cut job is
 * `in_doubt`, the next one prints whole, and the simulator never saw an unterminated format.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostScriptedZpl, jobFor, type ScriptedZpl } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/jx-test`;
const latin1 = (b: Uint8Array) => new TextDecoder("latin1").decode(b);

describe("~JX after a mid-label cut (issue #4 §3)", () => {
  let dir: string;
  let sim: ScriptedZpl;
  let g: TestGateway;
  let armed = false;
  let cut = false;
  let malformedAtCut = -1;
  let partialAtCut = false;
  const after: Uint8Array[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-jx-"));
    sim = await hostScriptedZpl({
      dataDir: dir,
      deviceId: "zpl-x",
      onPrinted: (n) => {
        if (n === 1) armed = true;
      },
      // The second label: the printer gets its first bytes up to a little past ^XA, then the
      // cable is cut; everything after the cut is recorded.
      interceptReceive: (chunk, hosted) => {
        if (cut) {
          after.push(chunk.slice());
          return false;
        }
        const at = latin1(chunk).indexOf("^XA");
        if (!armed || at < 0) return false;
        armed = false;
        cut = true;
        sim.sim().receive(chunk.subarray(0, at + 24));
        partialAtCut = sim.sim().state().partialFormat;
        malformedAtCut = sim.sim().state().malformed;
        hosted.disconnectClients();
        return true;
      },
    });
    g = await startTestGateway({
      devices: [
        {
          id: "zpl-x",
          driver: "zebra-zpl",
          transport: { type: "tcp", host: "127.0.0.1", port: sim.hosted.port },
          identity: { serial: "99J204600001" },
          status_poll_ms: 200,
          status_timeout_ms: 500,
          confirm_timeout_ms: 3000,
        },
      ],
    });
    await g.probe.waitFor(
      (m) => m.topic === `${SITE}/device/zpl-x/state` && m.json["reachability"] === "online",
      15_000,
      "online",
    );
  });
  afterAll(async () => {
    await g.stop();
    await sim.hosted.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends ~JX first on the new connection; the partial format is discarded; the next label prints whole", async () => {
    const jobs = Array.from({ length: 3 }, () => jobFor("zpl-x", REPLY));
    for (const j of jobs) await g.probe.publish(`${SITE}/device/zpl-x/job`, j.json);
    await g.probe.waitReply(jobs[0]!.env.job_id, "ok");
    const doubt = await g.probe.waitReply(jobs[1]!.env.job_id, (s) => s !== "accepted");
    expect(doubt.json["status"]).toBe("in_doubt");
    await g.probe.waitReply(jobs[2]!.env.job_id, "ok", 20_000);

    expect(cut).toBe(true);
    expect(partialAtCut).toBe(true); // the printer did hold a partial format
    const stream = latin1(Uint8Array.from(after.flatMap((c) => [...c])));
    expect(stream.startsWith("~JX")).toBe(true);
    expect(stream.indexOf("~JX", 1)).toBe(-1); // once, not on every reconnect
    expect(stream.indexOf("~HI")).toBeGreaterThan(0); // identity came after it
    // Discarded by ~JX, not by the next ^XA (which would count an unterminated format).
    expect(sim.sim().state().malformed).toBe(malformedAtCut);
    expect(sim.sim().state().partialFormat).toBe(false);
    expect(sim.printed).toEqual([jobs[0]!.waybill, jobs[2]!.waybill]);
  }, 60_000);
});
