/**
 * Checks of `append` input. They catch programming mistakes (a typo in an action, free text in
 * a reason code, a payload stuffed into an id) before anything is written. An error names the
 * field and never echoes its value: the value might be exactly what must not be logged.
 */
import { CodedError } from "../errors.ts";
import { normalizeWaybillNo } from "../crypto/seal.ts";
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditInput } from "./types.ts";

/** Longest identifier (operator, client, device, serial, job id, area, workstation), in characters. */
export const MAX_ID_LENGTH = 128;
/** Longest waybill number after normalization, in characters (carrier numbers are ≤ ~20). */
export const MAX_WAYBILL_LENGTH = 64;

const ACTIONS: ReadonlySet<string> = new Set(AUDIT_ACTIONS);
const OUTCOMES: ReadonlySet<string> = new Set(AUDIT_OUTCOMES);
const REASON = /^[a-z][a-z0-9_.:+-]{0,127}$/;
const DIGEST = /^[0-9a-fA-F]{64}$/;
// C0 and C1 controls and line/paragraph separators: ids are single-line tokens.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Input after checking: ids as given, digest lowercased, waybill number normalized. */
export interface CheckedInput {
  readonly action: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly area: string | undefined;
  readonly workstation: string | undefined;
  readonly operator: string | undefined;
  readonly client: string | undefined;
  readonly device: string | undefined;
  readonly deviceSerial: string | undefined;
  readonly jobId: string | undefined;
  readonly waybillNo: string | undefined;
  readonly digest: string | null;
}

/** Throws CodedError `internal` (`details.reason = "invalid_audit_input"`, `details.field`). */
export function checkInput(input: AuditInput): CheckedInput {
  if (!ACTIONS.has(input.action)) invalid("action");
  if (!OUTCOMES.has(input.outcome)) invalid("outcome");
  if (input.reason !== undefined && !REASON.test(input.reason)) invalid("reason");
  if (input.digest !== undefined && !DIGEST.test(input.digest)) invalid("digest");
  let waybillNo: string | undefined;
  if (input.waybillNo !== undefined) {
    waybillNo = normalizeWaybillNo(input.waybillNo);
    if (waybillNo.length === 0 || waybillNo.length > MAX_WAYBILL_LENGTH || CONTROL.test(waybillNo))
      invalid("waybillNo");
  }
  return {
    action: input.action,
    outcome: input.outcome,
    reason: input.reason ?? null,
    area: id(input.place?.area, "place.area"),
    workstation: id(input.place?.workstation, "place.workstation"),
    operator: id(input.actor?.operator, "actor.operator"),
    client: id(input.actor?.client, "actor.client"),
    device: id(input.target?.device, "target.device"),
    deviceSerial: id(input.target?.deviceSerial, "target.deviceSerial"),
    jobId: id(input.target?.jobId, "target.jobId"),
    waybillNo,
    digest: input.digest?.toLowerCase() ?? null,
  };
}

/** Checks a site or gateway name given to the log (same rules as ids, but required). */
export function checkName(value: string, field: string): string {
  const v = id(value, field);
  if (v === undefined) return invalid(field);
  return v;
}

function id(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    value.length > MAX_ID_LENGTH ||
    CONTROL.test(value)
  ) {
    invalid(field);
  }
  return value;
}

function invalid(field: string): never {
  throw new CodedError("internal", `invalid audit input: ${field}`, {
    reason: "invalid_audit_input",
    field,
  });
}
