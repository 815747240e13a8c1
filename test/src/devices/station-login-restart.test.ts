/**
 * Station log-ins survive a gateway restart (issue #4 §8): the log-ins are stored in the gateway
 * database (`station_logins`), and the next start takes back each one that still holds. One that
 * is past its idle timeout, whose operator was disabled while the gateway was down, or whose
 * station now has a fixed operator is logged out at start and audited `operator.logout` with the
 * reason. The second start runs with its clock 10 minutes ahead, so the idle timeouts are decided
 * by the stored last activity, not by how long the restart took. Synthetic operator ids only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createOperatorStore } from "../../../src/access/operators.ts";
import { createStationLoginStore } from "../../../src/access/station-logins.ts";
import { validateConfig } from "../../../src/config/load.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { createScanStations } from "../../../src/devices/scan-station.ts";
import { silentLogger } from "../../../src/log.ts";
import { startGateway, type Gateway } from "../../../src/main.ts";
import { jobFor } from "../../helpers/devices.ts";
import { fakeHid, keyboardReports, type FakeHidDevice } from "../../helpers/fake-hid.ts";
import { MqttProbe } from "../../helpers/mqtt-probe.ts";
import { freePort } from "../../helpers/net.ts";
import {
  attachScanner,
  auditRowsFrom,
  printedLabels,
  probeWhenPrinterOnline,
  scannerMatch,
  stationAudit,
  stationGatewayConfig,
} from "./stations.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/restart-test`;
const GW = `${SITE}/gateway/gw1`;
const AHEAD = 600_000;
/** Station, scanner serial, idle timeout (ms) and the operator that logs in there. */
const STATIONS = [
  ["st-a", "SC-A", 28_800_000, "E30001"],
  ["st-b", "SC-B", 28_800_000, "E30002"],
  ["st-c", "SC-C", 300_000, "E30003"],
  ["st-d", "SC-D", 28_800_000, "E30004"],
] as const;

describe("scan station log-ins across a gateway restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "labelgate-login-restart-"));
  let gateway: Gateway | undefined;
  let probe: MqttProbe | undefined;
  let db: Database.Database | undefined;
  afterAll(async () => {
    await probe?.close();
    await gateway?.stop();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (port: number, fixedAtD: boolean) =>
    stationGatewayConfig(
      dir,
      port,
      STATIONS.map(([id, sn, idle]) => ({
        id,
        printer: "zpl-1",
        login: { idle_timeout_ms: idle },
        ...(fixedAtD && id === "st-d" && { operator: "E30001" }),
        scanner: scannerMatch(sn),
      })),
    );
  const start = async (port: number, fixedAtD: boolean, clock?: () => number) => {
    const hid = fakeHid();
    const scanners = new Map<string, FakeHidDevice>();
    for (const [id, sn] of STATIONS) scanners.set(id, attachScanner(hid, sn));
    gateway = await startGateway({
      config: config(port, fixedAtD),
      logger: silentLogger(),
      bindings: { hid },
      ...(clock && { clock }),
    });
    probe = await probeWhenPrinterOnline(gateway);
    return (station: string, code: string) => {
      for (const r of keyboardReports(code)) scanners.get(station)!.send(r);
    };
  };
  const audit = () => stationAudit(db!);
  const rowsFrom = (n: number, actions: string[]) => auditRowsFrom(audit(), n, actions);
  const stored = () =>
    db!.prepare("SELECT * FROM station_logins ORDER BY station").all() as Array<{
      station: string;
      operator: string;
      via: string;
      since: number;
      last_activity: number;
    }>;
  const printed = () => printedLabels(dir);

  it("keeps a station's operator; drops timed-out, disabled and no-longer-needed log-ins, audited", async () => {
    const port = await freePort();
    let scan = await start(port, false);
    db = new Database(join(dir, "labelgate.db"));
    const ops = createOperatorStore(db);
    for (const [, , , op] of STATIONS) await ops.add(op, "operator", Date.now());
    const first = jobFor("zpl-1", REPLY);
    await probe!.publish(`${SITE}/device/zpl-1/job`, first.json);
    await probe!.waitReply(first.env.job_id, "ok");

    const n0 = audit().length;
    for (const [id, , , op] of STATIONS) scan(id, `OP:${op}`);
    await expect.poll(() => rowsFrom(n0, ["operator.login"]).length, { timeout: 15_000 }).toBe(4);
    expect(stored().map((r) => [r.station, r.operator, r.via])).toEqual(
      STATIONS.map(([id, , , op]) => [id, op, "badge"]),
    );
    // A scan moves the stored idle clock (through the group commit).
    const before = stored()[0]!;
    expect(before.last_activity).toBe(before.since);
    await new Promise((r) => setTimeout(r, 20));
    scan("st-a", first.waybill);
    await expect.poll(printed, { timeout: 15_000 }).toBe(2);
    await expect.poll(() => stored()[0]!.last_activity).toBeGreaterThan(before.since);

    // Restart: E30002 is disabled while the gateway is down; st-d gets a fixed operator.
    await probe!.close();
    await gateway!.stop();
    probe = undefined;
    gateway = undefined;
    ops.setStatus("E30002", "disabled", Date.now());
    const n1 = audit().length;
    scan = await start(port, true, () => Date.now() + AHEAD);

    expect(rowsFrom(n1, ["operator.logout", "operator.login"])).toEqual([
      ["operator.logout", "ok", "operator_disabled", "E30002", "st-b"],
      ["operator.logout", "ok", "timeout", "E30003", "st-c"],
      ["operator.logout", "ok", "station_removed", "E30004", "st-d"],
    ]);
    expect(stored().map((r) => [r.station, r.operator, r.since])).toEqual([
      ["st-a", "E30001", before.since],
    ]);
    await probe!.publish(`${GW}/request/station.list`, JSON.stringify({ transaction: "r1" }));
    const list = (
      await probe!.waitFor(
        (m) => m.topic === `${GW}/response/station.list` && m.json["transaction"] === "r1",
        15_000,
        "station.list",
      )
    ).json;
    expect(list).toMatchObject({ status: "ok" });
    const sessions = (list["data"] as { sessions: Array<Record<string, unknown>> }).sessions;
    expect(sessions.map((s) => [s.station, s.operator, s.via])).toEqual([
      ["st-d", "E30001", "config"],
      ["st-a", "E30001", "badge"],
    ]);

    // st-a still answers for its scans under E30001; st-c has no one logged in.
    const n2 = audit().length;
    scan("st-a", first.waybill);
    await expect.poll(printed, { timeout: 15_000 }).toBe(3);
    scan("st-c", first.waybill);
    await expect.poll(() => rowsFrom(n2, ["scan.received"]).length, { timeout: 15_000 }).toBe(2);
    expect(rowsFrom(n2, ["scan.received"])).toEqual([
      ["scan.received", "ok", "reprint", "E30001", "st-a"],
      ["scan.received", "rejected", "no_operator", null, "st-c"],
    ]);
  }, 90_000);
});

describe("a log-in taken back after a restart", () => {
  it("is logged out when what was left of its idle timeout has run out, not before", async () => {
    vi.useFakeTimers();
    const db = openDatabase(":memory:");
    try {
      const operators = createOperatorStore(db);
      await operators.add("E30001", "operator", 0);
      const logins = createStationLoginStore(db);
      const t0 = 1_800_000_000_000;
      logins.put({
        station: "st-a",
        operator: "E30001",
        via: "request",
        since: t0,
        lastActivity: t0 + 1000,
      });
      const audited: Array<Record<string, unknown>> = [];
      // Started 50 s after the last scan: 10 s of the 60 s idle timeout are left.
      let now = t0 + 51_000;
      const stations = createScanStations({
        config: validateConfig(
          {
            devices: [
              {
                id: "zpl-1",
                driver: "zebra-zpl",
                transport: { type: "tcp", host: "127.0.0.1", port: 9100 },
              },
            ],
            scan_stations: [
              {
                id: "st-a",
                printer: "zpl-1",
                login: { idle_timeout_ms: 60_000 },
                scanner: { vendor_id: 0x05e0, product_id: 0x1200, serial_number: "SC-A" },
              },
            ],
          },
          "test",
        ),
        inbox: {} as never,
        audit: (e) => audited.push({ ...e }),
        operators,
        logins,
        printedJobs: () => [],
        submit: async () => undefined,
        hid: fakeHid(),
        clock: () => now,
        logger: silentLogger(),
      });
      await stations.start();
      expect(stations.sessions()).toEqual([
        { station: "st-a", operator: "E30001", via: "request", since: t0 },
      ]);
      now += 9_999;
      await vi.advanceTimersByTimeAsync(9_999);
      expect(stations.sessions()).toHaveLength(1);
      now += 1;
      await vi.advanceTimersByTimeAsync(1);
      expect(stations.sessions()).toEqual([]);
      expect(audited.filter((e) => e["action"] === "operator.logout")).toEqual([
        expect.objectContaining({ reason: "timeout", operator: "E30001", workstation: "st-a" }),
      ]);
      expect(logins.all()).toEqual([]);
      await stations.stop();
    } finally {
      vi.useRealTimers();
      db.close();
    }
  });
});
