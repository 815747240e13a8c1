/**
 * Runs one RFID job on its device (the dispatcher's branch for `rfid.encode` and for
 * `label.print` with an `rfid` block): builds the EPC, audits `print.dispatched` durably before
 * the first byte, lets the driver's `execute` hook do write → read back → lock through a
 * {@link DeviceIo}, then audits and replies. The reply carries the EPC (hex), `verified: true`
 * only after a read-back matched, `locked`, and an RFID printer's void count.
 *
 * Outcomes: `ok` → `rfid.encoded` (reason `epc:<hex>`) and, for a label, `print.completed`;
 * a failure the device reported → `print.failed` (reason `<code>:voided:<n>`), reply `error`;
 * no confirmation once bytes left → `print.in_doubt`, reply `in_doubt`, never retried.
 */
import { createHash } from "node:crypto";
import type { DriverJob, ExecuteResult } from "../../drivers/rfid/job.ts";
import { createDeviceIo } from "../devices/io.ts";
import type { DeviceRuntime } from "../devices/runtime.ts";
import { CodedError, isCodedError, type ErrorCode } from "../errors.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import type { AuditAppend, AuditEvent, Reply } from "../jobs/ports.ts";
import { renderTemplate } from "../templates/index.ts";
import type { RfidConfig } from "./config.ts";
import { prepareRfid } from "./request.ts";

export interface RfidRun {
  device: DeviceRuntime;
  env: JobEnvelope;
  jobId: string;
  base: { job_id: string; transaction?: string };
  actor: Pick<AuditEvent, "operator" | "client" | "workstation">;
  config: RfidConfig | undefined;
  audit: AuditAppend;
  /** Group commit: resolves once `fn`'s batch is durable. */
  commit: <T>(fn: () => T) => Promise<T>;
  setState: (state: "dispatching" | "sent") => void;
  finish: (state: "done" | "failed" | "in_doubt", reply: Reply) => void;
  confirmTimeoutMs: number;
}

/** A device step may take this long at most (bounded by the job's confirm timeout). */
const MAX_STEP_TIMEOUT_MS = 2000;

const RFID_CODES = new Set<string>([
  "rfid_no_tag",
  "rfid_multiple_tags",
  "rfid_access_denied",
  "rfid_memory_locked",
  "rfid_antenna_missing",
  "rfid_insufficient_power",
  "rfid_verify_failed",
]);

/** The error code of a driver result: RFID conditions as they are, device trouble as a fault. */
function errorCodeOf(r: ExecuteResult): ErrorCode {
  if (r.code !== undefined && RFID_CODES.has(r.code)) return r.code as ErrorCode;
  if (r.code === "device_no_response") return "device_no_response";
  return "device_fault";
}

export async function runRfidJob(c: RfidRun): Promise<void> {
  const { device, env, jobId } = c;
  const block = env.payload.rfid;
  const execute = device.driver.execute;
  if (block === undefined || execute === undefined)
    throw new CodedError("unsupported_kind", `device '${device.id}' does not encode RFID tags`, {
      kind: env.kind,
    });
  if (c.config === undefined)
    throw new CodedError("rfid_not_configured", "this gateway encodes no RFID tags", {
      path: "payload.rfid",
    });
  const prepared = prepareRfid(block, c.config);
  let job: DriverJob;
  let waybillNo: string | undefined;
  const hash = createHash("sha256");
  if (env.kind === "label.print") {
    const rendered = renderTemplate(env.payload.template ?? "", env.payload.data);
    waybillNo = rendered.waybillNo;
    const format = device.driver.compile(rendered.label, device.profile);
    hash.update(format);
    job = { kind: "label.print", format, rfid: prepared.spec };
  } else {
    const w = env.payload.data["waybill_no"];
    waybillNo = typeof w === "string" ? w : undefined;
    job = { kind: "rfid.encode", rfid: prepared.spec };
  }
  // The digest covers what goes to the device: the label (if any) and the EPC.
  const digest = hash.update(prepared.spec.epc).digest("hex");
  const target = { jobId, device: device.id, digest, ...c.actor };

  // Audit before the first byte (DESIGN.md §2).
  await c.commit(() => {
    c.audit({
      action: "print.dispatched",
      outcome: "ok",
      ...target,
      ...(waybillNo !== undefined && { waybillNo }),
    });
    c.setState("dispatching");
  });

  const io = createDeviceIo(device.transport, (b) => device.write(b));
  let result: ExecuteResult;
  try {
    result = await execute(job, io, {
      stepTimeoutMs: Math.min(MAX_STEP_TIMEOUT_MS, c.confirmTimeoutMs),
      confirmTimeoutMs: c.confirmTimeoutMs,
    });
  } catch (e) {
    // The connection broke mid-exchange: what reached the tag is unknown.
    const code = isCodedError(e) ? e.code : "device_offline";
    c.audit({ action: "print.in_doubt", outcome: "in_doubt", reason: code, ...target });
    c.finish("in_doubt", {
      status: "in_doubt",
      ...c.base,
      data: { device: device.id, epc: prepared.epcHex, verified: false, locked: false },
      error: new CodedError(
        "in_doubt",
        `encode interrupted (${code}); not retried automatically`,
      ).toReply(),
    });
    return;
  } finally {
    io.close();
  }
  c.setState("sent");
  const data = {
    device: device.id,
    epc: result.epc,
    epc_uri: prepared.uri,
    verified: result.verified,
    locked: result.locked,
    voided: result.voided,
    steps: result.steps,
    ...(env.kind === "label.print" && { bytes: result.bytes }),
    digest,
  };
  if (result.outcome === "ok") {
    c.audit({
      action: "rfid.encoded",
      outcome: "ok",
      reason: `epc:${result.epc.toLowerCase()}`,
      ...target,
    });
    if (env.kind === "label.print")
      c.audit({ action: "print.completed", outcome: "ok", ...target });
    c.finish("done", { status: "ok", ...c.base, data });
    return;
  }
  const code = errorCodeOf(result);
  const reason = `${code}:voided:${result.voided}`;
  if (result.outcome === "in_doubt") {
    c.audit({ action: "print.in_doubt", outcome: "in_doubt", reason, ...target });
    c.finish("in_doubt", {
      status: "in_doubt",
      ...c.base,
      data,
      error: new CodedError(
        "in_doubt",
        `encode not confirmed (${code}); not retried automatically`,
      ).toReply(),
    });
    return;
  }
  c.audit({ action: "print.failed", outcome: "error", reason, ...target });
  const err = new CodedError(
    code,
    `RFID encode failed at step ${result.steps.at(-1)?.step ?? "?"}`,
    {
      voided: result.voided,
    },
  );
  c.finish("failed", { status: "error", ...c.base, data, error: err.toReply() });
}
