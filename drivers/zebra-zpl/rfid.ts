/**
 * Print and encode one label on a ZPL RFID printer (reference/device-protocols.md §1.4): the
 * compiled label gets the RFID commands before its `^XZ`, `~RVE` goes first so the printer
 * reports the result, and the job waits for `EPC=<hex>` (the `^HV` read-back) and `_+,n_` /
 * `_-,n_`. A failure is reported with the number of VOID labels, never as success; its reason
 * comes from the printer's RFID error response. No result in time leaves the job in doubt.
 */
import { toHex } from "../../firmware-protocols/epc/index.ts";
import {
  conditionOfRfidError,
  createZplRfidReader,
  encodeRfidFormatCommands,
  insertIntoFormat,
  RFID_ERROR_QUERY,
  RV_ENABLE,
  type ZplRfidEvent,
} from "../../firmware-protocols/zpl/rfid.ts";
import type {
  DeviceIo,
  DriverJob,
  ExecuteOptions,
  ExecuteResult,
  ExecuteStep,
} from "../rfid/job.ts";

/** Labels the printer tries before dropping the format (`^RS` n). */
export const ZPL_RFID_TRIES = 3;
const MAX_CHUNKS = 4096;

export async function encodeLabelZpl(
  job: DriverJob,
  io: DeviceIo,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  if (job.kind !== "label.print") throw new RangeError("a ZPL printer encodes the label it prints");
  const spec = job.rfid;
  if (spec.accessPassword === 0) throw new RangeError("the access password must not be zero");
  const epcHex = toHex(spec.epc);
  const commands = encodeRfidFormatCommands({
    epcHex,
    accessPasswordHex: spec.accessPassword.toString(16).toUpperCase().padStart(8, "0"),
    lock: spec.lock,
    tries: ZPL_RFID_TRIES,
  });
  const format = insertIntoFormat(job.format, commands);
  if (format === undefined) throw new RangeError("the compiled label has no ^XZ");
  const bytes = new Uint8Array(RV_ENABLE.length + format.length);
  bytes.set(RV_ENABLE);
  bytes.set(format, RV_ENABLE.length);

  const reader = createZplRfidReader();
  const steps: ExecuteStep[] = [];
  const base = { epc: epcHex, bytes: bytes.length, steps };
  const next = async (want: ZplRfidEvent["type"], timeoutMs: number, seen: ZplRfidEvent[]) => {
    for (let i = 0; i < MAX_CHUNKS; i++) {
      const hit = seen.find((e) => e.type === want);
      if (hit) return hit;
      const chunk = await io.receive(timeoutMs);
      if (chunk === undefined) return undefined;
      seen.push(...reader.push(chunk));
    }
    return undefined;
  };

  await io.write(bytes);
  const events: ZplRfidEvent[] = [];
  const result = await next("result", options.confirmTimeoutMs, events);
  if (result?.type !== "result") {
    steps.push({ step: "print_encode", result: "no_reply" });
    return {
      outcome: "in_doubt",
      code: "device_no_response",
      verified: false,
      locked: false,
      voided: 0,
      ...base,
    };
  }
  if (result.ok) {
    const back = events.find((e) => e.type === "epc");
    const verified = back?.type === "epc" && back.hex === epcHex;
    steps.push(
      { step: "print_encode", result: "ok" },
      { step: "verify", result: verified ? "ok" : "rfid_verify_failed" },
    );
    const voided = result.tries - 1;
    if (!verified)
      return {
        outcome: "failed",
        code: "rfid_verify_failed",
        verified: false,
        locked: false,
        voided,
        ...base,
      };
    return { outcome: "ok", verified: true, locked: spec.lock, voided, ...base };
  }
  // Failed after `tries` labels, each printed VOID; ask why.
  steps.push({ step: "print_encode", result: "voided" });
  await io.write(RFID_ERROR_QUERY);
  const why = await next("sgd", options.stepTimeoutMs, events);
  const code = why?.type === "sgd" ? conditionOfRfidError(why.value) : "device_no_response";
  steps.push({ step: "rfid_error_response", result: code });
  return {
    outcome: "failed",
    code,
    verified: false,
    locked: false,
    voided: result.tries,
    ...base,
    bytes: bytes.length + RFID_ERROR_QUERY.length,
  };
}
