import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostScriptedZpl, jobFor, type ScriptedZpl } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/devices-test`;

function tcpDevice(id: string, port: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    driver: "zebra-zpl",
    transport: { type: "tcp" as const, host: "127.0.0.1", port },
    status_poll_ms: 200,
    status_timeout_ms: 500,
    confirm_timeout_ms: 3000,
    ...extra,
  };
}

describe("device faults (issue #4 §3)", () => {
  let dir: string;
  let g: TestGateway | undefined;
  const sims: ScriptedZpl[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-dev-"));
  });
  afterEach(async () => {
    await g?.stop();
    g = undefined;
    for (const s of sims.splice(0)) await s.hosted.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const online = (id: string) =>
    g!.probe.waitFor(
      (m) => m.topic === `${SITE}/device/${id}/state` && m.json["reachability"] === "online",
      15_000,
      `${id} online`,
    );

  it("paper out after label 20 of 50: jobs 21–50 are held, state shows media_out, then all print once, in order", async () => {
    const sim = await hostScriptedZpl({
      dataDir: dir,
      deviceId: "zpl-p",
      onPrinted: (n, s) => {
        if (n === 20) s.setFault("media_out", true);
      },
    });
    sims.push(sim);
    g = await startTestGateway({ devices: [tcpDevice("zpl-p", sim.hosted.port)] });
    await online("zpl-p");

    const jobs = Array.from({ length: 50 }, () => jobFor("zpl-p", REPLY));
    for (const j of jobs) await g.probe.publish(`${SITE}/device/zpl-p/job`, j.json);
    for (const j of jobs.slice(0, 20)) await g.probe.waitReply(j.env.job_id, "ok");
    for (const j of jobs.slice(20))
      await g.probe.waitFor(
        (m) => m.json["type"] === "job.held" && m.json["job_id"] === j.env.job_id,
        15_000,
        "job.held",
      );
    await g.probe.waitFor(
      (m) =>
        m.topic === `${SITE}/device/zpl-p/state` &&
        (m.json["conditions"] as string[]).includes("media_out"),
      15_000,
      "state media_out",
    );
    expect(sim.printed).toEqual(jobs.slice(0, 20).map((j) => j.waybill));
    for (const j of jobs.slice(20))
      expect(g.probe.replies(j.env.job_id).map((r) => r["status"])).toEqual(["accepted"]);

    sim.sim().setFault("media_out", false); // paper loaded
    for (const j of jobs) await g.probe.waitReply(j.env.job_id, "ok");
    expect(sim.printed).toEqual(jobs.map((j) => j.waybill));
    expect(new Set(sim.printed).size).toBe(50);
  });

  it("a printer hanging up mid-job leaves that job in_doubt with an audit record; the next jobs print", async () => {
    let armed = false;
    const sim = await hostScriptedZpl({
      dataDir: dir,
      deviceId: "zpl-h",
      onPrinted: (n) => {
        if (n === 1) armed = true;
      },
      // The second job's first bytes never reach the printer: the connection drops under them.
      interceptReceive: (chunk, hosted) => {
        if (!armed || chunk.byteLength < 64) return false;
        armed = false;
        hosted.disconnectClients();
        return true;
      },
    });
    sims.push(sim);
    g = await startTestGateway({ devices: [tcpDevice("zpl-h", sim.hosted.port)] });
    await online("zpl-h");

    const jobs = Array.from({ length: 4 }, () => jobFor("zpl-h", REPLY));
    for (const j of jobs) await g.probe.publish(`${SITE}/device/zpl-h/job`, j.json);
    await g.probe.waitReply(jobs[0]!.env.job_id, "ok");
    const doubt = await g.probe.waitReply(jobs[1]!.env.job_id, (s) => s !== "accepted");
    expect(doubt.json["status"]).toBe("in_doubt");
    expect((doubt.json["error"] as Record<string, unknown>)["code"]).toBe("in_doubt");
    await g.probe.waitReply(jobs[2]!.env.job_id, "ok");
    await g.probe.waitReply(jobs[3]!.env.job_id, "ok");
    expect(sim.printed).toEqual([jobs[0]!.waybill, jobs[2]!.waybill, jobs[3]!.waybill]);
    const rows = g.auditRows().filter((r) => r.job_id === jobs[1]!.env.job_id);
    expect(rows.map((r) => r.action)).toContain("print.in_doubt");
    expect(rows.map((r) => r.action)).not.toContain("print.completed");
  });

  it("jobs held past their expiry become expired without the fault clearing, the one in hand and the ones behind it", async () => {
    const sim = await hostScriptedZpl({ dataDir: dir, deviceId: "zpl-e" });
    sims.push(sim);
    sim.sim().setFault("head_open", true);
    g = await startTestGateway({ devices: [tcpDevice("zpl-e", sim.hosted.port)] });
    await g.probe.waitFor(
      (m) =>
        m.topic === `${SITE}/device/zpl-e/state` &&
        (m.json["conditions"] as string[] | undefined)?.includes("head_open") === true,
      15_000,
      "head_open",
    );
    const soon = new Date(Date.now() + 1500).toISOString();
    const jobs = [jobFor("zpl-e", REPLY), jobFor("zpl-e", REPLY), jobFor("zpl-e", REPLY)];
    jobs[0]!.env["expires_at"] = soon;
    jobs[1]!.env["expires_at"] = soon;
    for (const j of jobs) await g.probe.publish(`${SITE}/device/zpl-e/job`, JSON.stringify(j.env));
    for (const j of jobs.slice(0, 2)) {
      const r = await g.probe.waitReply(j.env.job_id, (s) => s !== "accepted");
      expect(r.json["status"]).toBe("expired");
    }
    // The third job has no expiry: it is still held, and prints once the head is closed.
    expect(g.probe.replies(jobs[2]!.env.job_id).map((r) => r["status"])).toEqual(["accepted"]);
    sim.sim().setFault("head_open", false);
    await g.probe.waitReply(jobs[2]!.env.job_id, "ok");
    expect(sim.printed).toEqual([jobs[2]!.waybill]);
  });

  it("a device answering with another serial number is quarantined, alerted and audited; its jobs wait", async () => {
    const good = await hostScriptedZpl({
      dataDir: dir,
      deviceId: "zpl-ok",
      options: { serialNumber: "99J204600001" },
    });
    const swapped = await hostScriptedZpl({
      dataDir: dir,
      deviceId: "zpl-q",
      options: { serialNumber: "99J204600666" },
    });
    sims.push(good, swapped);
    g = await startTestGateway({
      devices: [
        tcpDevice("zpl-ok", good.hosted.port, {
          identity: { serial: "99J204600001", model: "ZT410" },
        }),
        tcpDevice("zpl-q", swapped.hosted.port, {
          identity: { serial: "99J204600002", model: "ZT410" },
        }),
      ],
    });
    const alert = await g.probe.waitFor(
      (m) => m.topic === `${SITE}/gateway/gw1/alert` && m.json["type"] === "device_quarantined",
      15_000,
      "quarantine alert",
    );
    expect(alert.json).toMatchObject({ device: "zpl-q", reason: "serial_mismatch" });
    await g.probe.waitFor(
      (m) => m.topic === `${SITE}/device/zpl-q/state` && m.json["availability"] === "quarantined",
      15_000,
      "quarantined state",
    );
    const quarantined = g.auditRows().filter((r) => r.action === "device.quarantined");
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ outcome: "rejected", reason: "serial_mismatch" });

    const toBad = jobFor("zpl-q", REPLY);
    const toGood = jobFor("zpl-ok", REPLY);
    await g.probe.publish(`${SITE}/device/zpl-q/job`, toBad.json);
    await g.probe.publish(`${SITE}/device/zpl-ok/job`, toGood.json);
    await g.probe.waitReply(toGood.env.job_id, "ok");
    await g.probe.waitFor(
      (m) => m.json["type"] === "job.held" && m.json["job_id"] === toBad.env.job_id,
      15_000,
      "job held on the quarantined device",
    );
    expect(swapped.printed).toEqual([]);
    expect(good.printed).toEqual([toGood.waybill]);
    expect(g.gateway.devices.get("zpl-ok")?.quarantine()).toBeUndefined();
  });
});
