import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tagSnapshot } from "../../../drivers/oepl-ap/index.ts";
import { runOeplUpdate } from "../../../src/epaper/oepl-update.ts";
import type { OeplApSimulator } from "../../../src/simulators/oepl-ap.ts";
import type { OeplApClient } from "../../../src/transports/oepl-http.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";
import { bagTagJpeg, startTwoTagAp, type ApRig } from "./ap-rig.ts";

const MAC1 = "0000021EDE2A3B01";
const MAC2 = "0000021EDE2A3B02";
const BAG = { bag_no: "BAG5710012", destination: "杭州转运中心", sort_code: "571-A12", pieces: 48 };

let rig: ApRig;
let dir: string;
let ap: OeplApSimulator;
let client: OeplApClient;

const jpegFor = (hwType: number): Uint8Array => bagTagJpeg(BAG, hwType);

beforeEach(async () => {
  rig = await startTwoTagAp("lg-oepl-", MAC1, MAC2);
  ({ dir, ap, client } = rig);
});
afterEach(() => rig.close());

describe("epaper update through a simulated OEPL AP (device-protocols.md §6.1)", () => {
  it("accepted when the AP holds it, ok after the check-in; the tag shows Chinese text and a decodable barcode", async () => {
    const phases: string[] = [];
    const r = await runOeplUpdate({
      client,
      mac: MAC1,
      jpeg: jpegFor(0x01),
      deadline: Date.now() + 20_000,
      onAccepted: () => phases.push("accepted"),
    });
    phases.push(r.outcome);
    expect(phases).toEqual(["accepted", "ok"]);
    const png = await readFile(join(dir, "sim", "epaper-1", "1.png"));
    expect(await decodeCode128(png)).toEqual(["BAG5710012"]);
    // Raw 2-plane data for the M2 2.9" (no zlib on that type): 2 × 37 × 128 bytes over the air.
    expect(ap.airBytes).toEqual([9472]);
  });

  it("a zlib tag type gets the compressed image (CMF 0x48), far smaller than the planes", async () => {
    const r = await runOeplUpdate({
      client,
      mac: MAC2,
      jpeg: jpegFor(0x33),
      deadline: Date.now() + 20_000,
    });
    expect(r.outcome).toBe("ok");
    expect(ap.airBytes[0]).toBeLessThan((2 * 48 * 168) / 4);
    expect(await decodeCode128(await readFile(join(dir, "sim", "epaper-2", "1.png")))).toEqual([
      "BAG5710012",
    ]);
  });

  it("409 Come back later and an unreachable AP are retried until the AP takes the upload", async () => {
    ap.setBusy(2);
    await ap.setReachable(false);
    let accepted!: () => void;
    const acceptedP = new Promise<void>((resolve) => (accepted = resolve));
    const result = runOeplUpdate({
      client,
      mac: MAC1,
      jpeg: jpegFor(0x01),
      deadline: Date.now() + 20_000,
      retryMs: 20,
      onAccepted: () => accepted(),
    });
    // Nothing is lost while the AP is away: the upload goes through once it is back.
    await ap.setReachable(true);
    await acceptedP;
    expect(await result).toMatchObject({ outcome: "ok", attempts: 3 });
    expect(ap.airBytes).toHaveLength(1);
  });

  it("a tag out of range: accepted, then tag_missed_checkin at the deadline; nothing shown", async () => {
    ap.setOutOfRange("epaper-1", true);
    const phases: string[] = [];
    const r = await runOeplUpdate({
      client,
      mac: MAC1,
      jpeg: jpegFor(0x01),
      deadline: Date.now() + 1000,
      onAccepted: () => phases.push("accepted"),
    });
    expect(phases).toEqual(["accepted"]);
    expect(r).toMatchObject({ outcome: "failed", code: "tag_missed_checkin", accepted: true });
    expect(ap.shown("epaper-1")).toBe(0);
    await expect(readdir(join(dir, "sim", "epaper-1"))).rejects.toThrow();
  });

  it("an unknown MAC is tag_unknown, never retried", async () => {
    const r = await runOeplUpdate({
      client,
      mac: "00000000DEADBEEF",
      jpeg: jpegFor(0x01),
      deadline: Date.now() + 5000,
    });
    expect(r).toMatchObject({ outcome: "failed", code: "tag_unknown", attempts: 0 });
    expect(ap.airBytes).toEqual([]);
  });

  it("an AP that never comes back: expired, never accepted", async () => {
    await ap.setReachable(false);
    const r = await runOeplUpdate({
      client,
      mac: MAC1,
      jpeg: jpegFor(0x01),
      deadline: Date.now() + 400,
      retryMs: 20,
    });
    expect(r).toMatchObject({ outcome: "failed", code: "expired", accepted: false });
  });

  it("tag records map to the device state: battery, RSSI, LQI; low battery and missed check-in conditions", async () => {
    ap.setBattery("epaper-1", 2300);
    const seen = await new Promise<Parameters<typeof tagSnapshot>[0]>((resolve) => {
      const off = client.onTag((r) => {
        if (r.mac === MAC1 && r.batteryMv === 2300) {
          off();
          resolve(r);
        }
      });
    });
    const opts = { lowBatteryMv: 2600, graceMs: 1000 };
    const now = seen!.lastseen * 1000;
    const s = tagSnapshot(seen, now, opts);
    expect(s.conditions).toEqual(["battery_low"]);
    expect(s.counters).toMatchObject({
      batteryMv: 2300,
      rssi: -62,
      lqi: 98,
      lastCheckin: seen!.lastseen,
      nextCheckin: seen!.nextcheckin,
    });
    expect(seen!.nextcheckin).toBeGreaterThanOrEqual(seen!.lastseen);
    const late = tagSnapshot(seen, seen!.nextcheckin * 1000 + 1001, opts);
    expect(late.conditions).toEqual(["battery_low", "tag_missed_checkin"]);
    expect(tagSnapshot(undefined, now, opts).reachability).toBe("no-response");
  });
});
