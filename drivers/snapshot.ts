/**
 * The normalized device status every driver maps its raw status into
 * (reference/device-protocols.md §0.2). The raw reply is kept beside it for audit and debugging.
 */
export type Reachability = "online" | "no-response" | "disconnected";
export type DeviceState = "ready" | "busy" | "paused" | "error" | "unknown";

export const CONDITIONS = [
  "media_out",
  "media_near_end",
  "ribbon_out",
  "head_open",
  "cover_open",
  "paper_jam",
  "cutter_fault",
  "head_over_temp",
  "head_under_temp",
  "motor_over_temp",
  "paused",
  "buffer_full",
  "battery_low",
  "rfid_no_tag",
  "rfid_access_denied",
  "rfid_memory_locked",
  "rfid_antenna_missing",
  "rfid_insufficient_power",
  "tag_missed_checkin",
  "corrupt_ram",
  "unrecoverable_error",
  "protocol_error",
  /**
   * Set by the device runtime, not by a driver: the connection is new and the device has not yet
   * answered the identity query (Art. 17 check pending, e.g. a TSPL printer out of paper does not
   * answer `~!T`). Jobs are held until the identity is read (src/devices/runtime.ts).
   */
  "identity_pending",
] as const;
export type Condition = (typeof CONDITIONS)[number];

/** Conditions that stop printing: the device's queue is held while any of them is present. */
export const FAULT_CONDITIONS: ReadonlySet<Condition> = new Set<Condition>([
  "media_out",
  "ribbon_out",
  "head_open",
  "cover_open",
  "paper_jam",
  "cutter_fault",
  "head_over_temp",
  "motor_over_temp",
  "paused",
  "rfid_antenna_missing",
  "corrupt_ram",
  "unrecoverable_error",
  "identity_pending",
]);

/**
 * A printer's state from its conditions: `error` while a fault other than a pause is present,
 * else `paused` while paused, else `busy` when the printer says it is working, else `ready`.
 */
export function printerState(conditions: readonly Condition[], busy: boolean): DeviceState {
  if (conditions.some((c) => c !== "paused" && FAULT_CONDITIONS.has(c))) return "error";
  if (conditions.includes("paused")) return "paused";
  return busy ? "busy" : "ready";
}

export interface DeviceCounters {
  labelsRemaining?: number;
  formatsInBuffer?: number;
  /** 1 while the device holds part of a format whose end has not arrived (ZPL `~HS`). */
  partialFormat?: number;
  voidCount?: number;
  batteryMv?: number;
  rssi?: number;
  lqi?: number;
  temperatureC?: number;
  /** E-paper tags (OEPL): last check-in and the next announced one, epoch seconds. */
  lastCheckin?: number;
  nextCheckin?: number;
}

export interface DeviceSnapshot {
  reachability: Reachability;
  state: DeviceState;
  /** Sorted, without duplicates. */
  conditions: Condition[];
  counters: DeviceCounters;
  /** The raw status as received (text, or hex for binary protocols), and when (ms since epoch). */
  raw?: { protocol: string; text: string; at: number };
}

/** The snapshot of a device whose status request went unanswered: never "ok". */
export function noResponseSnapshot(): DeviceSnapshot {
  return { reachability: "no-response", state: "unknown", conditions: [], counters: {} };
}

export function disconnectedSnapshot(): DeviceSnapshot {
  return { reachability: "disconnected", state: "unknown", conditions: [], counters: {} };
}

/** True when the device can take a job now: online and no fault condition. */
export function isPrintable(s: DeviceSnapshot): boolean {
  return s.reachability === "online" && !s.conditions.some((c) => FAULT_CONDITIONS.has(c));
}
