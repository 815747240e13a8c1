import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";

const REPLY = "labelgate/demo/reply/epaper-test";
const BAG = {
  bag_no: "BAG5710012",
  destination: "杭州转运中心",
  sort_code: "571-A12",
  pieces: 48,
  weight_g: 15200,
};

describe("epaper.update through the daemon to tags behind a simulated OEPL AP", () => {
  let g: TestGateway;
  const job = (expiresInMs: number) => ({
    v: 1,
    job_id: newJobId(),
    kind: "epaper.update",
    reply_to: REPLY,
    operator: "E10293",
    expires_at: new Date(Date.now() + expiresInMs).toISOString(),
    payload: { template: "bag-tag-100x70", data: BAG },
  });
  const send = (device: string, env: unknown) =>
    g.probe.publish(`labelgate/demo/device/${device}/job`, JSON.stringify(env));
  const oepl = (id: string, mac: string, hwType: number) => ({
    id,
    driver: "oepl-ap",
    simulator: true,
    status_poll_ms: 200,
    transport: {
      type: "oepl" as const,
      mac,
      hw_type: hwType,
      sim_checkin_ms: 150,
      checkin_grace_ms: 300,
    },
  });

  beforeAll(async () => {
    g = await startTestGateway({
      devices: [
        oepl("epaper-1", "0000021EDE2A3B01", 0x01),
        oepl("epaper-2", "0000021EDE2A3B02", 0x34),
        {
          id: "panel-1",
          driver: "waveshare-epaper",
          simulator: true,
          transport: { type: "tcp", host: "127.0.0.1", port: 0 },
          status_poll_ms: 200,
          status_timeout_ms: 500,
          confirm_timeout_ms: 3000,
        },
      ],
    });
  });
  afterAll(async () => {
    await g.stop();
  });

  it("replies accepted (AP holds it), then ok after the check-in; the tag's PNG has the bag number as Code 128", async () => {
    // The README's example job (examples/jobs/epaper-update.json) as a producer sends it.
    const example = JSON.parse(
      readFileSync(new URL("../../../examples/jobs/epaper-update.json", import.meta.url), "utf8"),
    ) as Record<string, unknown>;
    const env = { ...example, job_id: newJobId(), reply_to: REPLY };
    await send("epaper-1", env);
    const ap = await g.probe.waitFor(
      (m) =>
        m.json["job_id"] === env.job_id &&
        (m.json["data"] as { stage?: string } | undefined)?.stage === "ap",
    );
    expect(ap.json["status"]).toBe("accepted");
    const ok = (await g.probe.waitReply(env.job_id, "ok")).json;
    expect(ok["data"]).toMatchObject({ device: "epaper-1", raw_plane_bytes: 9472 });
    const png = readFileSync(join(g.dataDir, "sim", "epaper-1", "1.png"));
    expect(await decodeCode128(png)).toEqual(["BAG5710012"]);
    const rows = g
      .auditRows()
      .filter((r) => r.job_id === env.job_id)
      .map((r) => r.action);
    expect(rows).toEqual(expect.arrayContaining(["print.dispatched", "epaper.updated"]));
    expect(rows.indexOf("print.dispatched")).toBeLessThan(rows.indexOf("epaper.updated"));
  });

  it("nothing is lost while the AP is unreachable: the update goes through once it is back", async () => {
    const ap = g.gateway.oeplSimulator!;
    const before = ap.shown("epaper-1");
    await ap.setReachable(false);
    const env = job(20_000);
    await send("epaper-1", env);
    // The job is taken (stored) while the AP is away; the AP has not held anything yet.
    await g.probe.waitReply(env.job_id, "accepted");
    await ap.setReachable(true);
    await g.probe.waitReply(env.job_id, "ok");
    expect(ap.shown("epaper-1")).toBe(before + 1);
  });

  it("a tag that misses its check-ins: accepted, then error tag_missed_checkin at the expiry, and the device shows the condition", async () => {
    g.gateway.oeplSimulator?.setOutOfRange("epaper-2", true);
    const env = job(1500);
    await send("epaper-2", env);
    const err = (await g.probe.waitReply(env.job_id, "error")).json;
    expect(err["error"]).toMatchObject({ code: "tag_missed_checkin", retryable: true });
    const ev = await g.probe.waitFor(
      (m) =>
        m.topic === "labelgate/demo/device/epaper-2/event" && m.json["type"] === "device.alert",
    );
    expect(ev.json["code"]).toBe("tag_missed_checkin");
    const alert = await g.probe.waitFor(
      (m) =>
        m.topic === "labelgate/demo/gateway/gw1/alert" && m.json["type"] === "tag_missed_checkin",
    );
    expect(alert.json).toMatchObject({ device: "epaper-2", severity: "warning" });
    await g.probe.waitFor(
      (m) =>
        m.topic === "labelgate/demo/device/epaper-2/state" &&
        (m.json["conditions"] as string[]).includes("tag_missed_checkin"),
    );
  });

  it("a Waveshare UART panel: ok once the frames are sent and the panel answers; the panel's PNG decodes", async () => {
    const env = job(20_000);
    await send("panel-1", env);
    const ok = (await g.probe.waitReply(env.job_id, "ok")).json;
    expect(ok["data"]).toMatchObject({ device: "panel-1" });
    const png = join(g.dataDir, "sim", "panel-1", "1.png");
    await expect.poll(() => existsSync(png)).toBe(true);
    expect(await decodeCode128(readFileSync(png))).toEqual(["BAG5710012"]);
  });
});
