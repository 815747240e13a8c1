import { randomBytes } from "node:crypto";
import type { Config } from "../config/schema.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import type { Inbox } from "../jobs/inbox.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import { loadHid, type HidLike } from "../transports/hid.ts";
import { createHidScanner, type HidScanner } from "../transports/hid-scanner.ts";

/** What a scanned code must look like to be taken as a waybill number (GB/T 41833: letters, digits). */
const WAYBILL_CODE = /^[A-Za-z0-9]{8,32}$/;

export interface ScanStationsOptions {
  config: Config;
  inbox: Inbox;
  audit: AuditAppend;
  /** The job ids that printed `waybillNo`, oldest first (the waybill life-cycle store). */
  printedJobs: (waybillNo: string) => string[];
  /** Hands a job envelope to the intake as if it came on `device/{dev}/job`. */
  submit: (device: string, payload: Uint8Array) => Promise<void>;
  hid?: HidLike | undefined;
  clock: () => number;
  logger: Logger;
  /** How often to try to open a scanner that is not attached (ms, default 2000). */
  retryMs?: number;
}

export interface ScanStations {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Handles one scanned code at a station (what the scanner's reports end in). */
  scan(stationId: string, code: string): Promise<void>;
}

/**
 * Scan stations (issue #4 §8): a HID barcode scanner bound to a station and a printer. A scanned
 * waybill number reprints that waybill's last printed label on the station's printer, as a new
 * job through the normal intake (privacy guard, reprint control, audit before print), with
 * `reprint.reason` `scan-station` and the station's operator. Every scan is audited
 * (`scan.received`, the number only as its keyed `waybill_ref`).
 */
export function createScanStations(o: ScanStationsOptions): ScanStations {
  const stations = o.config.scan_stations;
  const scanners: HidScanner[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const log = o.logger.child({ component: "scan-stations" });

  async function scan(stationId: string, code: string): Promise<void> {
    const st = stations.find((s) => s.id === stationId);
    if (!st) return;
    const base = {
      device: st.printer,
      workstation: st.id,
      ...(st.operator !== undefined && { operator: st.operator }),
    };
    if (!WAYBILL_CODE.test(code)) {
      // Not a waybill number: recorded without the code (it may be anything at all).
      o.audit({ action: "scan.received", outcome: "rejected", reason: "not_a_waybill", ...base });
      return;
    }
    const last = [...o.printedJobs(code)].reverse().find((id) => o.inbox.get(id)?.state === "done");
    if (last === undefined) {
      o.audit({
        action: "scan.received",
        outcome: "rejected",
        reason: "no_printed_label",
        waybillNo: code,
        ...base,
      });
      return;
    }
    const orig = o.inbox.envelope(last);
    const jobId = `S${Date.now().toString(36)}${randomBytes(6).toString("hex")}`.toUpperCase();
    const env: JobEnvelope = {
      ...orig,
      job_id: jobId,
      device: st.printer,
      created_at: new Date(o.clock()).toISOString(),
      origin: {
        client: st.id,
        workstation: st.id,
        ...(st.area !== undefined && { area: st.area }),
      },
      reprint: { of: last, reason: "scan-station" },
    };
    delete env.expires_at;
    delete env.reply_to;
    delete env.transaction;
    delete env.approval;
    if (st.operator !== undefined) env.operator = st.operator;
    else delete env.operator;
    o.audit({
      action: "scan.received",
      outcome: "ok",
      reason: "reprint",
      waybillNo: code,
      ...base,
    });
    log.info({ station: st.id, job_id: jobId, of: last }, "scan: reprint submitted");
    await o.submit(st.printer, new TextEncoder().encode(JSON.stringify(env)));
  }

  async function open(st: (typeof stations)[number], hid: HidLike, scanner: HidScanner) {
    if (stopped) return;
    try {
      await scanner.start();
      log.info({ station: st.id }, "scanner attached");
    } catch {
      const t = setTimeout(() => {
        timers.delete(t);
        void open(st, hid, scanner);
      }, o.retryMs ?? 2000);
      timers.add(t);
    }
  }

  return {
    scan,
    async start() {
      if (stations.length === 0) return;
      const hid = o.hid ?? (await loadHid().catch(() => undefined));
      if (!hid) {
        log.warn("no HID library: scan stations cannot read their scanners");
        return;
      }
      for (const st of stations) {
        const scanner: HidScanner = createHidScanner({
          hid,
          vendorId: st.scanner.vendor_id,
          productId: st.scanner.product_id,
          serialNumber: st.scanner.serial_number,
          path: st.scanner.path,
          mode: st.scanner.mode,
          onScan: (code) => {
            scan(st.id, code).catch((e: unknown) =>
              log.error({ err: e, station: st.id }, "scan could not be handled"),
            );
          },
          onLost: () => void open(st, hid, scanner),
        });
        scanners.push(scanner);
        await open(st, hid, scanner);
      }
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(scanners.map((s) => s.stop()));
    },
  };
}
