/**
 * Interactive job execution (RFID write → read back → lock): what a driver with an `execute`
 * hook gets from the daemon and what it returns. The daemon builds and checks the EPC (range
 * checks, round trip, privacy guard) before a driver sees it; the driver runs the device exchange
 * step by step and reports every step's result.
 */
import type { Condition } from "../snapshot.ts";

/** What to put on the tag. */
export interface RfidEncodeSpec {
  /** The 96-bit EPC, 12 bytes, already encoded and round-tripped by the caller. */
  epc: Uint8Array;
  /** The site's access password (32 bits); never zero: a zero password protects nothing (§5.1). */
  accessPassword: number;
  /** Lock the EPC (password-write) and the access password (password-read/write) afterwards. */
  lock: boolean;
  /** Optional user-memory content (whole 16-bit words), privacy-checked by the caller. */
  userMemory?: Uint8Array;
}

export type DriverJob =
  | { kind: "rfid.encode"; rfid: RfidEncodeSpec }
  /** A label printed and encoded in one pass; `format` is the compiled label (one copy). */
  | { kind: "label.print"; format: Uint8Array; rfid: RfidEncodeSpec };

/**
 * The device's byte pipe during one execution. Bytes the device sends from the moment the
 * execution starts are buffered, so a reply that arrives before `receive` is called is not lost.
 */
export interface DeviceIo {
  /** Writes to the device. Rejects (with a coded error) when the connection is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** The next chunk of device bytes, or undefined when none arrives within `timeoutMs`. */
  receive(timeoutMs: number): Promise<Uint8Array | undefined>;
}

export interface ExecuteOptions {
  /** How long one device step (a reply) may take before the step is unconfirmed. */
  stepTimeoutMs: number;
  /** How long a printed label may take to come out (ZPL: the `^HV` read-back). */
  confirmTimeoutMs: number;
}

/** One exchange of the execution, for the reply and the logs (never content). */
export interface ExecuteStep {
  step: string;
  /** `ok`, a normalized condition, `no_reply`, or a protocol-specific result name. */
  result: string;
  /** The device's raw result code, when it has one. */
  code?: number;
}

export interface ExecuteResult {
  /**
   * `ok`: done and confirmed by the device; `failed`: the device reported a failure (nothing is
   * in doubt: it said what happened); `in_doubt`: bytes went out and no confirmation came.
   */
  outcome: "ok" | "failed" | "in_doubt";
  /** Error code when not ok: a condition (`rfid_no_tag`, …) or `rfid_verify_failed`, … */
  code?: Condition | "rfid_verify_failed" | "rfid_multiple_tags" | "device_no_response";
  /** EPC as upper-case hex: what the tag holds after the job (read back) or was to hold. */
  epc: string;
  /** True only after a read-back matched the EPC written. */
  verified: boolean;
  locked: boolean;
  /** Labels voided by an RFID printer while trying (0 for encoders). */
  voided: number;
  /** Total bytes written to the device. */
  bytes: number;
  steps: ExecuteStep[];
}

/** What a reader saw when asked to read the tag in its field back (nothing written). */
export interface TagReadBack {
  /** EPCs (upper-case hex) of the tags that answered one inventory round. */
  epcs: string[];
  /**
   * With exactly one tag: true when its access password refused a read without the password
   * (locked), false when it was readable; absent when not found out.
   */
  accessPasswordLocked?: boolean;
  /** The reader stopped answering during the inventory. */
  noReply?: boolean;
}
