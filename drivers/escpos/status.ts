/**
 * Status for the `escpos` driver: `DLE EOT 1`, `2`, `3`, `4` in one request, four one-byte replies
 * (ESC/POS APG, DLE EOT; reference/device-protocols.md §3.2). Automatic status back blocks
 * (`GS a`, 4 bytes, first byte `0xx1xx00`) may arrive interleaved: they are recognised by their
 * bit pattern and skipped (§3.3). So is a printer information B block (`GS I` reply, `5Fh … 00h`):
 * `GS I` is executed in receive-buffer order, so an identity query sent while the printer was
 * offline (paper out) is answered only after it recovers, possibly in the middle of a status
 * exchange (Epson ESC/POS Command Reference, GS I; firmware-protocols/escpos/printer-info.ts).
 * Any other byte is a protocol error, never a guess.
 */
import type { StatusQuery } from "../types.ts";
import type { Condition, DeviceSnapshot, DeviceState } from "../snapshot.ts";
import { FAULT_CONDITIONS } from "../snapshot.ts";
import { concat, statusRequest } from "../../firmware-protocols/escpos/commands.ts";
import {
  decodeRealtimeReplies,
  isAsbFirstByte,
  isRealtimeReply,
  type EscposRealtimeStatus,
} from "../../firmware-protocols/escpos/status.ts";
import { PRINTER_INFO_HEADER } from "../../firmware-protocols/escpos/printer-info.ts";

export const ESCPOS_STATUS_PROTOCOL = "escpos-dle-eot";

const hex = (bytes: readonly number[]): string =>
  bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");

export function snapshotFromEscposStatus(
  s: EscposRealtimeStatus,
  raw: number[],
  at: number,
): DeviceSnapshot {
  const c = new Set<Condition>();
  if (s.paperEnd || s.paperEndStop) c.add("media_out");
  if (s.paperNearEnd) c.add("media_near_end");
  if (s.coverOpen) c.add("cover_open");
  if (s.autocutterError) c.add("cutter_fault");
  if (s.unrecoverableError) c.add("unrecoverable_error");
  if (s.autoRecoverableError) c.add("head_over_temp");
  const conditions = [...c].sort();
  let state: DeviceState = "ready";
  if (conditions.some((x) => FAULT_CONDITIONS.has(x)) || s.offline || s.errorOccurred)
    state = "error";
  return {
    reachability: "online",
    state,
    conditions,
    counters: {},
    raw: { protocol: ESCPOS_STATUS_PROTOCOL, text: hex(raw), at },
  };
}

export const escposStatusQuery: StatusQuery = {
  request: concat([statusRequest(1), statusRequest(2), statusRequest(3), statusRequest(4)]),
  createReader(now) {
    const replies: number[] = [];
    const raw: number[] = [];
    let asbLeft = 0;
    let inInfoBlock = false;
    let result: DeviceSnapshot | undefined;
    return {
      push(chunk) {
        if (result !== undefined) return result;
        for (const b of chunk) {
          if (raw.length < 64) raw.push(b);
          if (asbLeft > 0) {
            asbLeft--;
            continue;
          }
          if (inInfoBlock) {
            inInfoBlock = b !== 0x00;
            continue;
          }
          if (isRealtimeReply(b)) replies.push(b);
          else if (isAsbFirstByte(b)) asbLeft = 3;
          else if (b === PRINTER_INFO_HEADER) inInfoBlock = true;
          else {
            result = {
              reachability: "online",
              state: "error",
              conditions: ["protocol_error"],
              counters: {},
              raw: { protocol: ESCPOS_STATUS_PROTOCOL, text: hex(raw), at: now },
            };
            return result;
          }
          if (replies.length === 4) {
            const [r1 = 0, r2 = 0, r3 = 0, r4 = 0] = replies;
            result = snapshotFromEscposStatus(decodeRealtimeReplies(r1, r2, r3, r4), raw, now);
            return result;
          }
        }
        return undefined;
      },
    };
  },
};
