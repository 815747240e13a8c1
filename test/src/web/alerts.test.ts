import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { alertsSchema } from "../../../src/config/web-schema.ts";
import { createAlertMonitor, createAlertStore, type Alert } from "../../../src/web/alerts.ts";

describe("Art. 16 alert monitor", () => {
  let dir: string;
  let db: Db;
  let now: number;
  let published: Alert[];
  const clock = () => now;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-alerts-"));
    db = openDatabase(join(dir, "labelgate.db"));
    now = Date.parse("2026-11-30T08:00:00.000Z");
    published = [];
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const setup = (cfg: Record<string, unknown> = {}, minutes?: (ms: number) => number) => {
    const store = createAlertStore(db, clock, (a) => published.push(a));
    const monitor = createAlertMonitor(alertsSchema.parse(cfg), store, clock, minutes);
    return { store, monitor };
  };

  it("raises a device fault once it has lasted longer than the threshold, once", () => {
    const { monitor, store } = setup({ device_fault_s: 60 });
    monitor.device("zpl-1", true, "online+media_out");
    now += 59_000;
    monitor.tick(now);
    expect(published).toEqual([]);
    now += 1_000;
    monitor.tick(now);
    monitor.tick(now + 5_000);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      type: "device_fault",
      severity: "critical",
      device: "zpl-1",
      detail: { reason: "online+media_out", seconds: 60 },
    });
    // A fault cleared before the threshold raises nothing.
    monitor.device("zpl-2", true, "disconnected");
    now += 30_000;
    monitor.device("zpl-2", false, "online");
    now += 60_000;
    monitor.tick(now);
    expect(published).toHaveLength(1);
    expect(store.list(10).map((a) => a.type)).toEqual(["device_fault"]);
  });

  it("raises a privacy-rejection spike once per window", () => {
    const { monitor } = setup({ rejection_spike: 3, window_s: 60 });
    const reject = () =>
      monitor.audit({
        action: "job.rejected",
        outcome: "rejected",
        reason: "privacy_rejected:phone",
      });
    reject();
    now += 70_000; // the first one leaves the window
    reject();
    reject();
    expect(published).toHaveLength(0);
    reject();
    reject();
    expect(published.map((a) => a.type)).toEqual(["privacy_rejection_spike"]);
    expect(published[0]!.detail).toEqual({ count: 3, window_s: 60 });
    // Other rejections do not count.
    monitor.audit({ action: "job.rejected", outcome: "rejected", reason: "device_unknown" });
    expect(published).toHaveLength(1);
  });

  it("raises reprint and export volume per operator, not across operators", () => {
    const { monitor } = setup({ operator_volume: 2 });
    monitor.audit({ action: "waybill.reprinted", outcome: "ok", operator: "E1" });
    monitor.audit({ action: "waybill.reprinted", outcome: "ok", operator: "E2" });
    expect(published).toHaveLength(0);
    monitor.audit({ action: "waybill.reprinted", outcome: "ok", operator: "E1" });
    monitor.audit({ action: "export.performed", outcome: "ok", operator: "S1" });
    monitor.audit({ action: "export.performed", outcome: "ok", operator: "S1" });
    expect(published.map((a) => `${a.type}:${a.operator}`)).toEqual([
      "operator_reprint_volume:E1",
      "operator_export_volume:S1",
    ]);
  });

  it("raises a print outside shift hours, also across midnight, and lockdown switches", () => {
    let minutes = 0;
    const { monitor } = setup({ shift: { start: "22:00", end: "06:00" } }, () => minutes);
    const print = () =>
      monitor.audit({ action: "print.dispatched", outcome: "ok", device: "zpl-1", jobId: "J1" });
    minutes = 23 * 60;
    print();
    minutes = 5 * 60 + 59;
    print();
    expect(published).toHaveLength(0);
    minutes = 6 * 60;
    print();
    expect(published.map((a) => a.type)).toEqual(["outside_shift"]);
    monitor.audit({ action: "lockdown.set", outcome: "ok", operator: "S1" });
    monitor.audit({ action: "lockdown.lifted", outcome: "ok", operator: "S2" });
    expect(published.slice(1).map((a) => `${a.type}:${a.detail["state"]}`)).toEqual([
      "lockdown:on",
      "lockdown:off",
    ]);
  });

  it("publishes an alert even when the database cannot store it", () => {
    const { store } = setup();
    db.close();
    const a = store.raise({ type: "audit_unavailable", severity: "critical", detail: {} });
    expect(a.id).toBe(0);
    expect(published.map((p) => p.type)).toEqual(["audit_unavailable"]);
    db = openDatabase(join(dir, "labelgate.db"));
  });
});
