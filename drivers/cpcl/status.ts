/**
 * Status for the `zebra-cpcl` driver: `ESC h` → one byte (CPCL PG, "Status"; reference §4):
 * bit 0 busy, 1 paper out, 2 latch open, 3 battery low, 4 printer was reset (until `ESC N`);
 * bits 5–7 are reserved and 0, so a byte with any of them set is not a status (protocol error).
 */
import type { StatusQuery } from "../types.ts";
import type { Condition, DeviceSnapshot } from "../snapshot.ts";
import {
  STATUS_REQUEST,
  decodeCpclStatus,
  isValidStatusByte,
} from "../../firmware-protocols/cpcl/commands.ts";

export const CPCL_STATUS_PROTOCOL = "cpcl-esc-h";

export function snapshotFromCpclStatus(b: number, at: number): DeviceSnapshot {
  const raw = { protocol: CPCL_STATUS_PROTOCOL, text: b.toString(16).padStart(2, "0"), at };
  if (!isValidStatusByte(b))
    return {
      reachability: "online",
      state: "error",
      conditions: ["protocol_error"],
      counters: {},
      raw,
    };
  const s = decodeCpclStatus(b);
  const c: Condition[] = [];
  if (s.batteryLow) c.push("battery_low");
  if (s.latchOpen) c.push("head_open");
  if (s.paperOut) c.push("media_out");
  c.sort();
  const state = s.latchOpen || s.paperOut ? "error" : s.busy ? "busy" : "ready";
  return {
    reachability: "online",
    state,
    conditions: c,
    counters: s.busy ? { formatsInBuffer: 1 } : {},
    raw,
  };
}

export const cpclStatusQuery: StatusQuery = {
  request: STATUS_REQUEST,
  createReader(now) {
    let result: DeviceSnapshot | undefined;
    return {
      push(chunk) {
        if (result === undefined && chunk.length > 0)
          result = snapshotFromCpclStatus(chunk[0] ?? 0, now);
        return result;
      },
    };
  },
};
