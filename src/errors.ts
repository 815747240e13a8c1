/**
 * The one registry of error codes (STYLE.md "Errors and logs"). Codes are stable strings: clients
 * branch on them. Messages name fields, sizes and offsets, never job content. README.md documents
 * every code (a test checks it).
 */
export const ERROR_CODES = {
  invalid_envelope: {
    retryable: false,
    summary: "the job envelope is not valid JSON or breaks the schema",
  },
  payload_too_large: {
    retryable: false,
    summary: "the MQTT payload is larger than limits.max_job_bytes",
  },
  privacy_rejected: {
    retryable: false,
    summary: "a field is not de-identified (the path of the field is given, never its value)",
  },
  device_unknown: {
    retryable: false,
    summary: "no device with that id is registered on this gateway",
  },
  device_mismatch: {
    retryable: false,
    summary: "the envelope names a device other than the topic it came on",
  },
  device_fenced: {
    retryable: true,
    summary: "another gateway claimed the device with a higher epoch; retry, its owner answers",
  },
  handback_incomplete: {
    retryable: false,
    summary:
      "the current owner did not go offline after a handback claim; the gateway stays a standby",
  },
  pool_claim_unavailable: {
    retryable: true,
    summary:
      "a pool job's claim could not be confirmed through the broker; retry with the same job_id",
  },
  device_offline: { retryable: true, summary: "the device cannot be reached" },
  device_fault: {
    retryable: true,
    summary: "the device reports a fault (media out, head open, …)",
  },
  device_quarantined: {
    retryable: false,
    summary: "the device's identity differs from the registered one; it takes no work (Art. 17)",
  },
  device_paused: {
    retryable: true,
    summary: "the device is paused by an operator (device command pause)",
  },
  device_no_response: {
    retryable: true,
    summary: "the device did not answer its status request in time",
  },
  unsupported_kind: { retryable: false, summary: "the device does not accept this job kind" },
  template_unknown: { retryable: false, summary: "no template with that name" },
  template_data_invalid: {
    retryable: false,
    summary: "the job data does not fit the template's schema",
  },
  job_id_conflict: {
    retryable: false,
    summary: "the job_id was seen before with different content",
  },
  expired: { retryable: false, summary: "the job's expires_at has passed; it was not printed" },
  in_doubt: {
    retryable: false,
    summary:
      "bytes left for the device but the print was not confirmed; an operator must resolve it",
  },
  audit_unavailable: {
    retryable: true,
    summary: "the audit log cannot be written, so printing has stopped",
  },
  busy: {
    retryable: true,
    summary:
      "the device's queue (or the gateway's) is full; retry after retry_after_ms with the same job_id",
  },
  internal: { retryable: true, summary: "an unexpected error inside the gateway" },
  invalid_request: {
    retryable: false,
    summary: "a management request or command is malformed or names something that does not exist",
  },
  approval_required: {
    retryable: false,
    summary: "the operation needs a granted, unexpired approval by a second supervisor (Art. 15)",
  },
  config_invalid: { retryable: false, summary: "the configuration file is not valid" },
  cancelled: {
    retryable: false,
    summary: "the job was cancelled by a device command before it was sent",
  },
  operator_disabled: {
    retryable: false,
    summary:
      "the job's operator is disabled (departed staff, Art. 15); queued jobs are refused too",
  },
  not_authorized: {
    retryable: false,
    summary: "the operator or client is unknown or lacks the role the operation needs",
  },
  lockdown: {
    retryable: true,
    summary: "a supervisor froze printing and exports on this gateway (Art. 10); retry once lifted",
  },
  waybill_out_of_range: {
    retryable: false,
    summary: "the waybill number is outside the carrier's configured prefixes and ranges",
  },
  waybill_voided: {
    retryable: false,
    summary: "the waybill number was voided and cannot be printed again",
  },
  reprint_reason_required: {
    retryable: false,
    summary: "the waybill number was printed before: a reprint needs `reprint.reason`",
  },
  rfid_no_tag: {
    retryable: true,
    summary: "no RFID tag answered in the encoder's field (a printer voided its labels)",
  },
  rfid_multiple_tags: {
    retryable: true,
    summary: "more than one tag is in the encoder's field, so none was written",
  },
  rfid_access_denied: {
    retryable: false,
    summary: "the tag refused the site's access password (locked by someone else)",
  },
  rfid_memory_locked: { retryable: false, summary: "the tag's memory is permanently locked" },
  rfid_antenna_missing: { retryable: true, summary: "the encoder reports no antenna" },
  rfid_insufficient_power: {
    retryable: true,
    summary: "the tag answered but the write did not complete (weak signal)",
  },
  rfid_verify_failed: {
    retryable: true,
    summary: "the read-back did not match the EPC written; the tag is not locked",
  },
  rfid_epc_invalid: {
    retryable: false,
    summary: "a number of the rfid block does not fit the EPC scheme (the field is named)",
  },
  rfid_not_configured: {
    retryable: false,
    summary: "the site has no rfid.access_password, so no tag is encoded",
  },
  tag_missed_checkin: {
    retryable: true,
    summary: "the e-paper tag did not check in with the update before the job expired",
  },
  tag_unknown: {
    retryable: false,
    summary: "the e-paper access point does not know the tag's MAC",
  },
} as const satisfies Record<string, { retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code. `details` carries structured fields (paths, sizes), never content. */
export class CodedError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "CodedError";
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.details = details;
  }

  /** The `error` object of a reply (DESIGN.md §3). */
  toReply(): { code: ErrorCode; message: string; retryable: boolean } & Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, ...this.details };
  }
}

export function isCodedError(e: unknown): e is CodedError {
  return e instanceof CodedError;
}
