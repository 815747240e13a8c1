import type { Label } from "./label/model.ts";
import type { DeviceSnapshot } from "./snapshot.ts";
import type {
  DeviceIo,
  DriverJob,
  ExecuteOptions,
  ExecuteResult,
  TagReadBack,
} from "./rfid/job.ts";

/** What the device can do; composed from capability fragments, never subclassed. */
export interface Capabilities {
  thermalPrinter?: {
    dpi: 203 | 300 | 600;
    widthMm: number;
    languages: string[];
  };
  /** Writes EPC Gen2 tags (drivers/rfid/job.ts): an encoder, or a printer that encodes labels. */
  rfidEncoder?: {
    /** EPC sizes it writes, in bits. */
    epcBits: number[];
    /** Can lock banks with an access password. */
    lock: boolean;
    /** Reads the tag back to verify what was written. */
    verify: boolean;
    /** Encodes the label it prints (an RFID printer), voiding labels whose tag fails. */
    printAndEncode: boolean;
  };
}

/**
 * A device's configured profile: what the site told us about this unit (config `devices[].profile`).
 */
export interface DeviceProfile {
  dpi: 203 | 300 | 600;
  widthMm: number;
  heightMm: number;
  /** Resident font that covers CJK, e.g. `E:SIMSUN.TTF`; absent when the printer has none. */
  cjkFont?: string;
}

/** A status exchange: the bytes to send and a decoder that turns the reply into a snapshot. */
export interface StatusQuery {
  request: Uint8Array;
  /** Feed reply bytes; returns the snapshot once the reply is complete, else undefined. */
  createReader(now: number): { push(chunk: Uint8Array): DeviceSnapshot | undefined };
}

export type JobKind = "label.print" | "rfid.encode" | "epaper.update";

/**
 * A per-device compiler with state that mirrors the device's memory (e.g. ZPL text graphics
 * downloaded once with `~DG` and recalled with `^XG`). The runtime keeps one per device and calls
 * `reset()` whenever the device may have lost that memory (connection lost, restart, failed write).
 */
export interface CompilerSession {
  compile(label: Label): Uint8Array;
  reset(): void;
}

/**
 * Who a device says it is (Art. 17 access review): read on every connect and compared with the
 * unit registered in the configuration. Absent fields were not reported.
 */
export interface DeviceIdentity {
  model?: string;
  firmware?: string;
  serial?: string;
}

/** An identity exchange: the bytes to send and a reader that assembles the reply. */
export interface IdentityQuery {
  request: Uint8Array;
  /**
   * Feed reply bytes; returns the identity once the reply is complete, else undefined. `end()`,
   * when present, is asked at the caller's timeout for what the device did answer (a device that
   * ignores one of several queries still names its model).
   */
  createReader(): {
    push(chunk: Uint8Array): DeviceIdentity | undefined;
    end?(): DeviceIdentity | undefined;
  };
}

/**
 * A counter exchange: the bytes to send and a reader that returns the count once the reply is
 * complete (ZPL: SGD `odometer.total_label_count`), or `unsupported` when the device answered
 * with something else (it has no such counter).
 */
export interface CounterQuery {
  request: Uint8Array;
  createReader(): { push(chunk: Uint8Array): number | "unsupported" | undefined };
}

/** A driver: data plus small functions (DESIGN.md §6). */
export interface DriverDefinition {
  /** Stable id; appears in audit records, never changes once released. */
  id: string;
  vendor: string;
  models: string[];
  /** `oepl`: an e-paper tag behind an OpenEPaperLink AP (HTTP + WebSocket, src/epaper/). */
  transports: Array<"tcp" | "serial" | "usb" | "hid" | "oepl">;
  capabilities: Capabilities;
  jobKinds: JobKind[];
  /** Stateless: the bytes of one label, self-contained. */
  compile(label: Label, profile: DeviceProfile): Uint8Array;
  /** Optional per-device session (see {@link CompilerSession}); absent → `compile` is used. */
  createCompiler?(profile: DeviceProfile): CompilerSession;
  status: StatusQuery;
  /** Reads the device's identity (model, firmware, serial); absent when the protocol has none. */
  identity?: IdentityQuery;
  /**
   * Sent first on a new connection when the previous one dropped while a label's bytes may have
   * been only partly received (a cable cut mid-label), so the printer throws the partial format
   * away instead of joining it to what comes next (ZPL `~JX`). Absent when the protocol has none.
   */
  cancelPartialFormat?: Uint8Array;
  /**
   * Reads the device's lifetime label count (non-volatile, one per label printed). The
   * dispatcher stores it with each label job before the bytes go out, so that after a crash the
   * device can tell whether an in-doubt job printed (src/jobs/device-verdict.ts). Absent when the
   * device has no such counter.
   */
  labelCounter?: CounterQuery;
  /**
   * Interactive execution for jobs that need a dialogue with the device (RFID write → read back
   * → lock, with a result per step). When present, the dispatcher uses it for `rfid.encode` and
   * for `label.print` with an `rfid` block; it has audited `print.dispatched` before calling, and
   * the driver writes only through `io`.
   */
  execute?(job: DriverJob, io: DeviceIo, options: ExecuteOptions): Promise<ExecuteResult>;
  /**
   * Reads the tag in the field back without writing (RFID encoders): used to settle an in-doubt
   * encode by comparing its EPC with the job's (src/rfid/verdict.ts).
   */
  readTag?(io: DeviceIo, options: ExecuteOptions): Promise<TagReadBack>;
}

/** The driver's session for `profile`, or a stateless one wrapping `compile`. */
export function createCompilerSession(
  d: DriverDefinition,
  profile: DeviceProfile,
): CompilerSession {
  if (d.createCompiler !== undefined) return d.createCompiler(profile);
  return { compile: (label) => d.compile(label, profile), reset: () => undefined };
}

export function defineDriver(d: DriverDefinition): DriverDefinition {
  return d;
}
