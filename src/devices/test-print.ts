import { createHash } from "node:crypto";
import { isPrintable } from "../../drivers/snapshot.ts";
import type { Label } from "../../drivers/label/model.ts";
import { CodedError } from "../errors.ts";
import { confirmPrinted } from "../jobs/confirm.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import type { DeviceRuntime } from "./runtime.ts";

/**
 * The `test_print` device command (issue #4 §5): a site-safe synthetic label — no waybill data,
 * no personal data — printed through the device's own driver path (its compiler session, the
 * transport, status read-back), so a technician can check a printer without spending a waybill
 * number or printing anyone's address.
 */

/** The label's barcode: `TEST-` and the UTC time `HHMMSS` (a hyphen, so never a waybill number). */
export function testBarcode(now: number): string {
  const t = new Date(now).toISOString();
  return `TEST-${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}`;
}

/**
 * The test label for a `widthMm` × `heightMm` profile: a frame, `TEST / 测试`, the device id, the
 * gateway id, the UTC time and a Code 128 of {@link testBarcode}. Laid out for labels of at least
 * 50 × 40 mm (every configured profile in practice); nothing in it comes from a job.
 */
export function testLabel(o: {
  device: string;
  gateway: string;
  now: number;
  widthMm: number;
  heightMm: number;
}): { label: Label; barcode: string } {
  const barcode = testBarcode(o.now);
  const m = 3;
  const w = o.widthMm - 2 * m;
  const time = new Date(o.now).toISOString().slice(0, 19).replace("T", " ") + " UTC";
  const label: Label = {
    widthMm: o.widthMm,
    heightMm: o.heightMm,
    elements: [
      { type: "box", xMm: m - 1, yMm: m - 1, widthMm: w + 2, heightMm: 42, thicknessMm: 0.5 },
      { type: "text", xMm: m, yMm: m, sizeMm: 6, text: "TEST / 测试", bold: true },
      { type: "text", xMm: m, yMm: m + 9, sizeMm: 3, text: `device ${o.device}` },
      { type: "text", xMm: m, yMm: m + 13, sizeMm: 3, text: `gateway ${o.gateway}` },
      { type: "text", xMm: m, yMm: m + 17, sizeMm: 3, text: time },
      {
        type: "barcode",
        symbology: "code128",
        xMm: m + 2,
        yMm: m + 23,
        heightMm: 10,
        moduleMm: 0.25,
        data: barcode,
        humanReadable: false,
      },
    ],
  };
  return { label, barcode };
}

export interface TestPrintOptions {
  rt: DeviceRuntime;
  /** Jobs queued or in hand on the device (a test label never cuts in on them). */
  queueLength: number;
  gateway: string;
  operator: string | undefined;
  /** Durable when it returns (audit before print). */
  audit: AuditAppend;
  clock: () => number;
  confirmTimeoutMs: number;
}

/**
 * Prints the test label on `rt`. Refused (coded, nothing sent) for a device that does not print
 * labels (`unsupported_kind`), is quarantined (`device_quarantined`), paused (`device_paused`),
 * faulted or unreachable (`device_fault` / `device_offline` / `device_no_response`, from a status
 * read now), or has jobs queued (`busy`). Audit before print: `device.test_print` with the digest
 * is durable before the first byte; a print not confirmed afterwards is audited again as
 * `in_doubt` and answered with that code.
 */
export async function runTestPrint(o: TestPrintOptions): Promise<Record<string, unknown>> {
  const { rt } = o;
  if (
    rt.driver.capabilities.thermalPrinter === undefined ||
    !rt.driver.jobKinds.includes("label.print")
  )
    throw new CodedError("unsupported_kind", "the device prints no labels", {
      command: "test_print",
    });
  if (rt.quarantine()) throw new CodedError("device_quarantined", "the device is quarantined");
  if (rt.onHold) throw new CodedError("device_paused", "the device is paused");
  if (o.queueLength > 0)
    throw new CodedError("busy", "the device has jobs queued; test after they finish", {
      queue_length: o.queueLength,
    });
  const exclusive = rt.exclusive ?? (<T>(fn: () => Promise<T>) => fn());
  return exclusive(async () => {
    const s = await rt.queryStatus();
    if (!isPrintable(s) || rt.quarantine() || rt.onHold) {
      if (s.reachability === "no-response")
        throw new CodedError("device_no_response", "the device did not answer its status request");
      if (s.reachability !== "online")
        throw new CodedError("device_offline", "the device cannot be reached");
      throw new CodedError("device_fault", "the device reports a fault", {
        conditions: s.conditions,
      });
    }
    const now = o.clock();
    const { label, barcode } = testLabel({
      device: rt.id,
      gateway: o.gateway,
      now,
      widthMm: rt.profile.widthMm,
      heightMm: rt.profile.heightMm,
    });
    const bytes = rt.compile(label);
    const digest = createHash("sha256").update(bytes).digest("hex");
    const actor = o.operator !== undefined ? { operator: o.operator } : {};
    o.audit({
      action: "device.test_print",
      outcome: "ok",
      reason: "dispatched",
      device: rt.id,
      digest,
      ...actor,
    });
    const losses = rt.connectionLosses;
    let confirmed: { ok: true } | { ok: false; reason: string };
    try {
      await rt.write(bytes);
      confirmed = await confirmPrinted(rt, o.confirmTimeoutMs);
      if (rt.connectionLosses !== losses) confirmed = { ok: false, reason: "connection_lost" };
    } catch {
      confirmed = { ok: false, reason: "device_offline" };
    }
    if (!confirmed.ok) {
      o.audit({
        action: "device.test_print",
        outcome: "in_doubt",
        reason: confirmed.reason,
        device: rt.id,
        digest,
        ...actor,
      });
      throw new CodedError("in_doubt", `test label not confirmed (${confirmed.reason})`);
    }
    return { barcode, bytes: bytes.byteLength, digest, printed_at: new Date(now).toISOString() };
  });
}
