import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.ts";
import { startGateway, type Gateway } from "../../../src/main.ts";
import { jobFor } from "../../helpers/devices.ts";
import { fakeHid, keyboardReports, type FakeHidDevice } from "../../helpers/fake-hid.ts";
import { MqttProbe } from "../../helpers/mqtt-probe.ts";
import { freePort } from "../../helpers/net.ts";
import {
  attachScanner,
  printedLabels,
  probeWhenPrinterOnline,
  scannerMatch,
  stationAudit,
  stationGatewayConfig,
} from "./stations.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/station-test`;

describe("scan stations (issue #4 §8)", () => {
  let dir: string;
  let gateway: Gateway;
  let probe: MqttProbe;
  let scanner: FakeHidDevice;

  const audit = () => {
    const db = new Database(join(dir, "labelgate.db"), { readonly: true });
    try {
      return stationAudit(db);
    } finally {
      db.close();
    }
  };
  const printedFiles = () => printedLabels(dir);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-station-"));
    const hid = fakeHid();
    scanner = attachScanner(hid, "SC-01");
    const port = await freePort();
    const config = stationGatewayConfig(dir, port, [
      { id: "st-7", printer: "zpl-1", operator: "E10293", scanner: scannerMatch("SC-01") },
    ]);
    gateway = await startGateway({ config, logger: silentLogger(), bindings: { hid } });
    probe = await probeWhenPrinterOnline(gateway);
  });
  afterAll(async () => {
    await probe.close();
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a scanned waybill reprints its last label on the station printer, as the station's operator, audited", async () => {
    const first = jobFor("zpl-1", REPLY);
    await probe.publish(`${SITE}/device/zpl-1/job`, first.json);
    await probe.waitReply(first.env.job_id, "ok");
    expect(printedFiles()).toBe(1);

    for (const r of keyboardReports(first.waybill)) scanner.send(r);
    const done = await probe.waitFor(
      (m) =>
        m.topic === `${SITE}/device/zpl-1/event` &&
        m.json["type"] === "job.done" &&
        m.json["job_id"] !== first.env.job_id,
      15_000,
      "reprint done",
    );
    const reprintId = String(done.json["job_id"]);
    await expect.poll(printedFiles).toBe(2);

    const rows = audit();
    const scanRow = rows.find((r) => r["action"] === "scan.received");
    expect(scanRow).toMatchObject({ outcome: "ok", reason: "reprint", operator: "E10293" });
    const firstRef = rows.find(
      (r) => r["action"] === "print.dispatched" && r["job_id"] === first.env.job_id,
    )?.["waybill_ref"];
    expect(scanRow?.["waybill_ref"]).toBe(firstRef);
    expect(
      rows.find((r) => r["action"] === "print.completed" && r["job_id"] === reprintId),
    ).toMatchObject({ operator: "E10293" });
    expect(JSON.stringify(rows)).not.toContain(first.waybill);
  });

  it("a code with no printed label, or no waybill number at all, is audited as rejected and prints nothing", async () => {
    const before = printedFiles();
    const n = audit().length;
    for (const r of keyboardReports("SF9999999999999")) scanner.send(r);
    for (const r of keyboardReports("abc-1")) scanner.send(r);
    await expect
      .poll(
        () =>
          audit()
            .slice(n)
            .filter((r) => r["action"] === "scan.received").length,
      )
      .toBe(2);
    expect(
      audit()
        .slice(n)
        .filter((r) => r["action"] === "scan.received")
        .map((r) => [r["outcome"], r["reason"]]),
    ).toEqual([
      ["rejected", "no_printed_label"],
      ["rejected", "not_a_waybill"],
    ]);
    expect(printedFiles()).toBe(before);
  });
});
