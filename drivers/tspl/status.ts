/**
 * Status for the `tsc-tspl` driver: `ESC ! S` then `ESC ! ?` in one request (TSPL PM
 * "<ESC>!S", "<ESC>!?"; reference/device-protocols.md §2.2). The 8-byte `!S` frame comes first
 * and is framed (STX … ETX CR LF), so stray bytes before it are skipped; the single `!?` byte that
 * follows adds head open, cover open and ribbon out, which `!S` does not report reliably.
 */
import type { StatusQuery } from "../types.ts";
import type { Condition, DeviceSnapshot } from "../snapshot.ts";
import { printerState } from "../snapshot.ts";
import {
  EXTENDED_STATUS_REQUEST,
  STATUS_REQUEST,
  concat,
} from "../../firmware-protocols/tspl/commands.ts";
import {
  createTsplExtendedStatusDecoder,
  decodeTsplStatusByte,
  type TsplExtendedStatus,
  type TsplStatusFlags,
} from "../../firmware-protocols/tspl/status.ts";

export const TSPL_STATUS_PROTOCOL = "tspl-status";
/** Reply bytes accepted before a reader gives up with `protocol_error`. */
export const MAX_TSPL_REPLY_BYTES = 256;

const hex = (bytes: readonly number[]): string =>
  bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");

/** Maps both replies to the normalized snapshot. */
export function snapshotFromTsplStatus(
  s: TsplExtendedStatus,
  f: TsplStatusFlags,
  raw: number[],
  at: number,
): DeviceSnapshot {
  const c = new Set<Condition>();
  if (f.paperOut || s.paperEmpty) c.add("media_out");
  if (f.headOpen) c.add("head_open");
  if (f.ribbonOut || s.ribbonEmpty) c.add("ribbon_out");
  if (f.paused || s.paused) c.add("paused");
  if (f.paperJam || s.paperJam) c.add("paper_jam");
  if (f.coverOpen) c.add("cover_open");
  if (f.overTemperature || s.headOverheat) c.add("head_over_temp");
  if (s.motorOverheat) c.add("motor_over_temp");
  if (s.cutterJam) c.add("cutter_fault");
  if (s.bufferFull) c.add("buffer_full");
  const conditions = [...c].sort();
  return {
    reachability: "online",
    state: printerState(conditions, f.printing || s.message === "P"),
    conditions,
    counters: {},
    raw: { protocol: TSPL_STATUS_PROTOCOL, text: hex(raw), at },
  };
}

export const tsplStatusQuery: StatusQuery = {
  request: concat([EXTENDED_STATUS_REQUEST, STATUS_REQUEST]),
  createReader(now) {
    const decoder = createTsplExtendedStatusDecoder();
    const raw: number[] = [];
    let ext: TsplExtendedStatus | undefined;
    let result: DeviceSnapshot | undefined;
    const protocolError = (): DeviceSnapshot => ({
      reachability: "online",
      state: "error",
      conditions: ["protocol_error"],
      counters: {},
      raw: { protocol: TSPL_STATUS_PROTOCOL, text: hex(raw), at: now },
    });
    return {
      push(chunk) {
        if (result !== undefined) return result;
        for (let i = 0; i < chunk.length; i++) {
          const b = chunk[i] ?? 0;
          if (raw.length < MAX_TSPL_REPLY_BYTES) raw.push(b);
          if (ext === undefined) {
            for (const ev of decoder.push(Uint8Array.of(b))) {
              if (ev.type === "status") ext = ev;
              else result = protocolError();
            }
            if (result !== undefined) return result;
            continue;
          }
          result = snapshotFromTsplStatus(ext, decodeTsplStatusByte(b), raw, now);
          return result;
        }
        if (raw.length >= MAX_TSPL_REPLY_BYTES) result = protocolError();
        return result;
      },
    };
  },
};
