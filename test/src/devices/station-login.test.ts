/**
 * Operator log-in at scan stations (issue #4 §8): a station without a fixed operator takes scans
 * only while an operator is logged in — by badge scan (`OP:<id>`) or the management request
 * `station.login` with the operator's credential; its reprints carry that operator. Refused and
 * audited: a scan with no one logged in, an unknown or disabled operator's badge, a scan after
 * the operator was disabled. Log-out by badge code, by request and after the idle timeout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOperatorStore } from "../../../src/access/operators.ts";
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
const REPLY = `${SITE}/reply/login-test`;
const GW = `${SITE}/gateway/gw1`;

describe("scan station operator log-in (issue #4 §8)", () => {
  let dir: string;
  let gateway: Gateway;
  let probe: MqttProbe;
  let db: Database.Database;
  const scanners = new Map<string, FakeHidDevice>();
  let waybill: string;

  const audit = () => stationAudit(db);
  const rowsFrom = (n: number, actions: string[]) => auditRowsFrom(audit(), n, actions);
  const printed = () => printedLabels(dir);
  const scan = (station: string, code: string) => {
    for (const r of keyboardReports(code)) scanners.get(station)!.send(r);
  };
  let rq = 0;
  const request = async (action: string, body: Record<string, unknown>) => {
    const transaction = `t${++rq}`;
    await probe.publish(`${GW}/request/${action}`, JSON.stringify({ transaction, ...body }));
    return (
      await probe.waitFor(
        (m) => m.topic === `${GW}/response/${action}` && m.json["transaction"] === transaction,
        15_000,
        action,
      )
    ).json;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-login-"));
    const hid = fakeHid();
    for (const [st, sn] of [
      ["st-8", "SC-08"],
      ["st-9", "SC-09"],
    ] as const)
      scanners.set(st, attachScanner(hid, sn));
    const port = await freePort();
    const config = stationGatewayConfig(dir, port, [
      { id: "st-8", printer: "zpl-1", scanner: scannerMatch("SC-08") },
      {
        id: "st-9",
        printer: "zpl-1",
        login: { idle_timeout_ms: 1000 },
        scanner: scannerMatch("SC-09"),
      },
    ]);
    gateway = await startGateway({ config, logger: silentLogger(), bindings: { hid } });
    db = new Database(join(dir, "labelgate.db"));
    const ops = createOperatorStore(db);
    await ops.add("E20001", "operator", Date.now());
    await ops.add("E20002", "operator", Date.now());
    ops.setStatus("E20002", "disabled", Date.now());
    await ops.add("E20003", "operator", Date.now(), "synthetic-pass-3");
    await ops.add("S20009", "supervisor", Date.now(), "synthetic-pass-9");
    probe = await probeWhenPrinterOnline(gateway);
    const first = jobFor("zpl-1", REPLY);
    waybill = first.waybill;
    await probe.publish(`${SITE}/device/zpl-1/job`, first.json);
    await probe.waitReply(first.env.job_id, "ok");
  });
  afterAll(async () => {
    await probe.close();
    await gateway.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a scan with no one logged in, and badges of unknown or disabled operators", async () => {
    const n = audit().length;
    scan("st-8", waybill);
    scan("st-8", "OP:E29999");
    scan("st-8", "OP:E20002");
    await expect.poll(() => rowsFrom(n, ["scan.received", "operator.login_failed"]).length).toBe(3);
    expect(rowsFrom(n, ["scan.received", "operator.login_failed", "operator.login"])).toEqual([
      ["scan.received", "rejected", "no_operator", null, "st-8"],
      ["operator.login_failed", "rejected", "not_authorized:badge", "E29999", "st-8"],
      ["operator.login_failed", "rejected", "operator_disabled:badge", "E20002", "st-8"],
    ]);
    expect(printed()).toBe(1);
  });

  it("a badge logs the operator in; the station's reprint carries that operator", async () => {
    const n = audit().length;
    scan("st-8", "OP:E20001");
    await expect.poll(() => rowsFrom(n, ["operator.login"]).length).toBe(1);
    scan("st-8", waybill);
    await expect.poll(printed, { timeout: 15_000 }).toBe(2);
    const rows = audit().slice(n);
    expect(rows.find((r) => r["action"] === "operator.login")).toMatchObject({
      outcome: "ok",
      reason: "badge",
      operator: "E20001",
      station: "st-8",
    });
    expect(rows.find((r) => r["action"] === "scan.received")).toMatchObject({
      outcome: "ok",
      reason: "reprint",
      operator: "E20001",
    });
    await expect
      .poll(() =>
        audit()
          .slice(n)
          .find((r) => r["action"] === "print.completed"),
      )
      .toMatchObject({ operator: "E20001" });
    expect(await request("station.list", {})).toMatchObject({
      status: "ok",
      data: { sessions: [{ station: "st-8", operator: "E20001", via: "badge" }] },
    });
  });

  it("an operator disabled while logged in is logged out and the scan refused; the logout badge logs out", async () => {
    const n = audit().length;
    createOperatorStore(db).setStatus("E20001", "disabled", Date.now());
    scan("st-8", waybill);
    await expect.poll(() => rowsFrom(n, ["scan.received"]).length).toBe(1);
    expect(rowsFrom(n, ["operator.logout", "scan.received"])).toEqual([
      ["operator.logout", "ok", "operator_disabled", "E20001", "st-8"],
      ["scan.received", "rejected", "operator_disabled", null, "st-8"],
    ]);
    createOperatorStore(db).setStatus("E20001", "active", Date.now());
    scan("st-8", "OP:E20001");
    scan("st-8", "OP:LOGOUT");
    await expect.poll(() => rowsFrom(n, ["operator.logout"]).length).toBe(2);
    expect(rowsFrom(n, ["operator.logout"])[1]).toEqual([
      "operator.logout",
      "ok",
      "badge",
      "E20001",
      "st-8",
    ]);
    expect(printed()).toBe(2);
  });

  it("station.login needs the operator's credential; logout by request; idle time-out logs out", async () => {
    const bad = await request("station.login", {
      station: "st-9",
      operator: "E20003",
      credential: "wrong-password",
    });
    expect(bad).toMatchObject({ status: "error", error: { code: "not_authorized" } });
    const n = audit().length;
    const ok = await request("station.login", {
      station: "st-9",
      operator: "E20003",
      credential: "synthetic-pass-3",
    });
    expect(ok).toMatchObject({
      status: "ok",
      data: { session: { station: "st-9", operator: "E20003", via: "request" } },
    });
    // No scan for idle_timeout_ms (1 s): logged out by the timer.
    await expect
      .poll(() => rowsFrom(n, ["operator.logout"]), { timeout: 15_000 })
      .toEqual([["operator.logout", "ok", "timeout", "E20003", "st-9"]]);

    await request("station.login", {
      station: "st-8",
      operator: "E20003",
      credential: "synthetic-pass-3",
    });
    const out = await request("station.logout", {
      station: "st-8",
      operator: "S20009",
      credential: "synthetic-pass-9",
    });
    expect(out).toMatchObject({ status: "ok", data: { logged_out: true } });
    expect(rowsFrom(n, ["operator.login", "operator.logout"])).toEqual([
      ["operator.login", "ok", "request", "E20003", "st-9"],
      ["operator.logout", "ok", "timeout", "E20003", "st-9"],
      ["operator.login", "ok", "request", "E20003", "st-8"],
      ["operator.logout", "ok", "request", "E20003", "st-8"],
    ]);
  }, 30_000);
});
