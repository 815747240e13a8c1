import { readdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { validateConfig } from "../../../src/config/load.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import type { Gateway } from "../../../src/main.ts";
import type { fakeHid, FakeHidDevice } from "../../helpers/fake-hid.ts";
import { SIMULATED_ZPL_1 } from "../../helpers/gateway.ts";
import { MqttProbe } from "../../helpers/mqtt-probe.ts";

/**
 * Shared setup of the scan station tests (issue #4 §8): a gateway on the embedded broker with the
 * simulated printer `zpl-1` and the given stations, HID scanners of one synthetic vendor/product
 * told apart by serial number, the labels the simulator printed, and the audit rows they check.
 */
const SITE = "labelgate/demo";
const VENDOR_ID = 0x05e0;
const PRODUCT_ID = 0x1200;

/** Plugs a scanner with serial number `serialNumber` into the fake HID bus. */
export function attachScanner(
  hid: ReturnType<typeof fakeHid>,
  serialNumber: string,
): FakeHidDevice {
  return hid.attach({ vendorId: VENDOR_ID, productId: PRODUCT_ID, serialNumber });
}

/** The `scanner` match of a station for the scanner with serial number `serialNumber`. */
export function scannerMatch(serialNumber: string) {
  return { vendor_id: VENDOR_ID, product_id: PRODUCT_ID, serial_number: serialNumber };
}

/** Validated configuration: data in `dir`, embedded broker on `port` (anonymous), zpl-1, `stations`. */
export function stationGatewayConfig(
  dir: string,
  port: number,
  stations: NonNullable<ConfigInput["scan_stations"]>,
) {
  return validateConfig(
    {
      data_dir: dir,
      mqtt: { embedded: { enabled: true, host: "127.0.0.1", port, allow_anonymous: true } },
      devices: [SIMULATED_ZPL_1],
      scan_stations: stations,
    },
    "test",
  );
}

/** A probe on everything of the site, returned once zpl-1 reports online. */
export async function probeWhenPrinterOnline(gateway: Gateway): Promise<MqttProbe> {
  const probe = await MqttProbe.connect(gateway.brokerUrl, [`${SITE}/#`]);
  await probe.waitFor(
    (m) => m.topic === `${SITE}/device/zpl-1/state` && m.json["reachability"] === "online",
    15_000,
    "printer online",
  );
  return probe;
}

/** How many labels the zpl-1 simulator in data directory `dir` has printed. */
export function printedLabels(dir: string): number {
  return readdirSync(join(dir, "sim", "zpl-1")).filter((f) => f.endsWith(".zpl")).length;
}

/** The audit log in order: action, outcome, reason, operator, station, job id, waybill ref. */
export function stationAudit(db: Database.Database): Array<Record<string, string | null>> {
  return db
    .prepare(
      "SELECT action, outcome, reason, json_extract(actor, '$.operator') AS operator, json_extract(place, '$.workstation') AS station, json_extract(target, '$.job_id') AS job_id, json_extract(target, '$.waybill_ref') AS waybill_ref FROM audit_log ORDER BY seq",
    )
    .all() as Array<Record<string, string | null>>;
}

/** Audit rows after the first `n` whose action is one of `actions`, as [action, outcome, reason, operator, station]. */
export function auditRowsFrom(
  rows: Array<Record<string, string | null>>,
  n: number,
  actions: string[],
) {
  return rows
    .slice(n)
    .filter((r) => actions.includes(String(r["action"])))
    .map((r) => [r["action"], r["outcome"], r["reason"], r["operator"], r["station"]]);
}
