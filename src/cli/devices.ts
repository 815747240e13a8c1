/**
 * `labelgate devices scan` (what is attached to this machine, and is it registered?) and
 * `labelgate devices list` (the registered devices with their live state, from the retained
 * MQTT documents). Issue #4 §7.
 */
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import type { Config, DeviceConfig } from "../config/schema.ts";
import { connectProducer } from "../mqtt/producer.ts";
import { listHidDevices, loadHid, type HidLike } from "../transports/hid.ts";
import { listSerialPorts, type SerialPortInfo } from "../transports/serial.ts";
import { isUsbPrinter, listUsbDevices, loadUsb, type UsbLike } from "../transports/usb.ts";
import { brokerUrl, type BrokerCliOptions } from "./broker-options.ts";

/** One attached device as `scan` reports it. */
export interface FoundDevice {
  kind: "serial" | "usb" | "hid";
  path?: string | undefined;
  vendor_id?: number | undefined;
  product_id?: number | undefined;
  serial_number?: string | undefined;
  product?: string | undefined;
  /** The id of the registered device it is, or null. */
  registered: string | null;
}

export interface ScanDeps {
  listSerial: () => Promise<SerialPortInfo[]>;
  usb: () => Promise<UsbLike | undefined>;
  hid: () => Promise<HidLike | undefined>;
  out: (line: string) => void;
}

const orUndefined = async <T>(p: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await p();
  } catch {
    return undefined; // the library is not usable here: then there are no such devices
  }
};

export const realScanDeps: ScanDeps = {
  listSerial: () => listSerialPorts(),
  usb: () => orUndefined(loadUsb),
  hid: () => orUndefined(loadHid),
  out: (l) => console.log(l),
};

const hexId = (s: string | undefined) =>
  s !== undefined && /^[0-9a-fA-F]{1,4}$/.test(s) ? parseInt(s, 16) : undefined;
const samePath = (a: string, b: string) => {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return a === b || real(a) === real(b);
};

function registeredAs(f: Omit<FoundDevice, "registered">, devices: DeviceConfig[]): string | null {
  for (const d of devices) {
    const t = d.transport;
    if (f.kind === "serial" && t.type === "serial" && f.path && samePath(f.path, t.path))
      return d.id;
    if (
      (f.kind === "usb" && t.type === "usb") ||
      (f.kind === "hid" && t.type === "hid" && (t.path === undefined || t.path === f.path))
    ) {
      if (
        t.vendor_id === f.vendor_id &&
        t.product_id === f.product_id &&
        (t.serial_number === undefined || t.serial_number === f.serial_number)
      )
        return d.id;
    }
  }
  return null;
}

/** Finds attached serial ports, USB printers and HID devices and marks the registered ones. */
export async function scanDevices(config: Config, deps: ScanDeps): Promise<FoundDevice[]> {
  const found: Array<Omit<FoundDevice, "registered">> = [];
  for (const p of (await orUndefined(deps.listSerial)) ?? [])
    found.push({
      kind: "serial",
      path: p.path,
      vendor_id: hexId(p.vendorId),
      product_id: hexId(p.productId),
      serial_number: p.serialNumber,
      product: p.manufacturer,
    });
  const usb = await deps.usb();
  for (const d of usb ? await listUsbDevices(usb) : [])
    if (isUsbPrinter(d))
      found.push({
        kind: "usb",
        vendor_id: d.vendorId,
        product_id: d.productId,
        serial_number: d.serialNumber,
        product: d.productName,
      });
  const hid = await deps.hid();
  for (const d of hid ? await listHidDevices(hid) : [])
    found.push({
      kind: "hid",
      path: d.path,
      vendor_id: d.vendorId,
      product_id: d.productId,
      serial_number: d.serialNumber,
      product: d.product,
    });
  return found.map((f) => ({ ...f, registered: registeredAs(f, config.devices) }));
}

const hex = (n: number | undefined) => `0x${(n ?? 0).toString(16).padStart(4, "0")}`;

/** A `devices:` entry to register `f` (the id and driver are for the site to choose). */
export function configSnippet(f: FoundDevice): string {
  const sn =
    f.serial_number !== undefined ? `, serial_number: ${JSON.stringify(f.serial_number)}` : "";
  const transport =
    f.kind === "serial"
      ? `{ type: serial, path: ${JSON.stringify(f.path ?? "")}, baud_rate: 9600 }`
      : f.kind === "usb"
        ? `{ type: usb, vendor_id: ${hex(f.vendor_id)}, product_id: ${hex(f.product_id)}${sn} }`
        : `{ type: hid, vendor_id: ${hex(f.vendor_id)}, product_id: ${hex(f.product_id)}${sn} }`;
  return [
    "  - id: CHANGE-ME",
    "    driver: zebra-zpl",
    `    transport: ${transport}`,
    ...(f.serial_number !== undefined
      ? [`    identity: { serial: ${JSON.stringify(f.serial_number)} }`]
      : []),
  ].join("\n");
}

export async function runDevicesScan(
  config: Config,
  o: { json?: boolean },
  deps: ScanDeps = realScanDeps,
): Promise<number> {
  const found = await scanDevices(config, deps);
  if (o.json) {
    for (const f of found) deps.out(JSON.stringify(f));
    return 0;
  }
  if (found.length === 0) {
    deps.out("no serial ports, USB printers or HID devices found");
    return 0;
  }
  for (const f of found) {
    const ids = f.vendor_id !== undefined ? `${hex(f.vendor_id)}:${hex(f.product_id)}` : "-";
    deps.out(
      [
        f.kind.padEnd(6),
        (f.path ?? "-").padEnd(28),
        ids.padEnd(13),
        `sn=${f.serial_number ?? "-"}`,
        f.registered !== null ? `registered as ${f.registered}` : "not registered",
      ].join("  "),
    );
    if (f.registered === null) deps.out(`  to register, add under devices:\n${configSnippet(f)}`);
  }
  return 0;
}

export interface ListOptions extends BrokerCliOptions {
  gateway: string;
  timeout: number;
  json?: boolean;
}

/**
 * Reads the gateway's retained `devices` document and each device's retained `state`, prints one
 * line per device. Exit 0; 3 when the gateway's inventory did not arrive in time; 4 when the
 * broker cannot be reached.
 */
export async function runDevicesList(
  o: ListOptions,
  out: (l: string) => void = (l) => console.log(l),
): Promise<number> {
  const url = brokerUrl(o);
  const root = `${o.base}/${o.site}`;
  const client = await connectProducer(url, `cli-${randomBytes(4).toString("hex")}`).catch(
    () => undefined,
  );
  if (!client) {
    console.error(`cannot connect to ${url}`);
    return 4;
  }
  const states = new Map<string, Record<string, unknown>>();
  let inventory: Array<Record<string, unknown>> | undefined;
  const complete = () =>
    inventory !== undefined && inventory.every((d) => states.has(String(d["id"])));
  try {
    const done = new Promise<void>((resolve) => {
      client.onMessage((topic, payload) => {
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(payload));
        } catch {
          return;
        }
        if (topic === `${root}/gateway/${o.gateway}/devices` && Array.isArray(json))
          inventory = json as Array<Record<string, unknown>>;
        const m = new RegExp(`^${root}/device/([^/]+)/state$`).exec(topic);
        if (m?.[1] !== undefined && typeof json === "object" && json !== null)
          states.set(m[1], json as Record<string, unknown>);
        if (complete()) resolve();
      });
    });
    await client.subscribe(`${root}/gateway/${o.gateway}/devices`);
    await client.subscribe(`${root}/device/+/state`);
    await Promise.race([done, new Promise((r) => setTimeout(r, o.timeout))]);
  } finally {
    await client.close();
  }
  if (inventory === undefined) {
    console.error(`no device inventory from gateway ${o.gateway} within ${o.timeout} ms`);
    return 3;
  }
  for (const d of inventory) {
    const id = String(d["id"]);
    const s = states.get(id) ?? {};
    const row = {
      id,
      driver: d["driver"],
      transport: d["transport"],
      ...(d["pool"] !== undefined && { pool: d["pool"] }),
      availability: s["availability"] ?? "unknown",
      state: s["state"] ?? "unknown",
      conditions: s["conditions"] ?? [],
      queue_length: s["queue_length"] ?? 0,
    };
    out(
      o.json
        ? JSON.stringify(row)
        : [
            id.padEnd(16),
            String(row.driver).padEnd(12),
            String(row.transport).padEnd(7),
            String(row.availability).padEnd(12),
            String(row.state).padEnd(8),
            `queue=${String(row.queue_length)}`,
            (row.conditions as string[]).join(",") || "-",
          ].join("  "),
    );
  }
  return 0;
}
