import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostScriptedZpl, jobFor, type ScriptedZpl } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/cmd-test`;

describe("device commands (issue #4 §5)", () => {
  let dir: string;
  let sim: ScriptedZpl;
  let g: TestGateway;
  let n = 0;

  const command = async (name: string, body: Record<string, unknown> = {}) => {
    const request_id = `r${++n}`;
    await g.probe.publish(
      `${SITE}/device/zpl-c/cmd/${name}`,
      JSON.stringify({
        request_id,
        reply_to: `${SITE}/reply/cmd-test`,
        operator: "S0007",
        ...body,
      }),
    );
    const m = await g.probe.waitFor(
      (m) => m.topic === `${SITE}/reply/cmd-test` && m.json["request_id"] === request_id,
      15_000,
      `response to ${name}`,
    );
    return m.json;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-cmd-"));
    sim = await hostScriptedZpl({ dataDir: dir, deviceId: "zpl-c" });
    g = await startTestGateway({
      devices: [
        {
          id: "zpl-c",
          driver: "zebra-zpl",
          transport: { type: "tcp", host: "127.0.0.1", port: sim.hosted.port },
          identity: { model: "ZT410", serial: "99J204600001" },
          status_poll_ms: 200,
          status_timeout_ms: 500,
          confirm_timeout_ms: 3000,
        },
      ],
    });
    await g.probe.waitFor(
      (m) => m.topic === `${SITE}/device/zpl-c/state` && m.json["reachability"] === "online",
      15_000,
      "online",
    );
  });
  afterAll(async () => {
    await g.stop();
    await sim.hosted.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("status answers the state document; identify reads and compares the identity", async () => {
    const s = await command("status");
    expect(s).toMatchObject({ status: "ok", device: "zpl-c", command: "status" });
    expect((s["data"] as Record<string, Record<string, unknown>>)["state"]).toMatchObject({
      availability: "online",
      reachability: "online",
    });
    const id = await command("identify");
    expect(id["data"]).toEqual({
      reported: { model: "ZT410-200dpi", firmware: "V75.19.15Z", serial: "99J204600001" },
      expected: { model: "ZT410", serial: "99J204600001" },
      mismatch: null,
    });
  });

  it("pause holds queued jobs, cancel fails them with cancelled, resume lets new jobs print", async () => {
    expect(await command("pause")).toMatchObject({ status: "ok", data: { hold: true } });
    const held = [jobFor("zpl-c", REPLY), jobFor("zpl-c", REPLY)];
    for (const j of held) await g.probe.publish(`${SITE}/device/zpl-c/job`, j.json);
    for (const j of held)
      await g.probe.waitFor(
        (m) => m.json["type"] === "job.held" && m.json["job_id"] === j.env.job_id,
        15_000,
        "held",
      );
    const c = await command("cancel");
    expect((c["data"] as Record<string, unknown>)["cancelled"]).toEqual(
      held.map((j) => j.env.job_id),
    );
    for (const j of held) {
      const r = await g.probe.waitReply(j.env.job_id, "error");
      expect((r.json["error"] as Record<string, unknown>)["code"]).toBe("cancelled");
    }
    expect(await command("resume")).toMatchObject({ status: "ok", data: { hold: false } });
    const next = jobFor("zpl-c", REPLY);
    await g.probe.publish(`${SITE}/device/zpl-c/job`, next.json);
    await g.probe.waitReply(next.env.job_id, "ok");
    expect(sim.printed).toEqual([next.waybill]);
    const rows = g.auditRows().filter((r) => r.action === "device.command");
    expect(rows.map((r) => r.reason)).toEqual(["status", "identify", "pause", "cancel", "resume"]);
  });

  it("answers an unknown command or a malformed request with invalid_request", async () => {
    const u = await command("reboot");
    expect(u).toMatchObject({ status: "error", error: { code: "invalid_request" } });
    const bad = await command("status", { extra: 1 });
    expect(bad).toMatchObject({ status: "error", error: { code: "invalid_request" } });
  });
});
