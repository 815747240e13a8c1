/**
 * `~HS` status polling for the `zebra-zpl` driver: the request bytes and the mapping of the
 * decoded reply to the normalized {@link DeviceSnapshot} (reference/device-protocols.md §0.2,
 * §1.2). A missing reply is not handled here: the caller's timeout turns it into
 * `noResponseSnapshot()`, never "ok".
 */
import type { StatusQuery } from "../types.ts";
import type { Condition, DeviceSnapshot } from "../snapshot.ts";
import { printerState } from "../snapshot.ts";
import {
  createHostStatusDecoder,
  type HostStatusEvent,
} from "../../firmware-protocols/zpl/host-status.ts";
import { encodeControlCommand } from "../../firmware-protocols/zpl/format.ts";
import { HQES_ERROR, HQES_WARNING, type HqesStatus } from "../../firmware-protocols/zpl/hqes.ts";

/** `raw.protocol` of snapshots made from `~HS`. */
export const ZPL_STATUS_PROTOCOL = "zpl-hs";

/**
 * Reply bytes a reader accepts without a complete status before it gives up with
 * `protocol_error`. A `~HS` reply is about 70 bytes; the margin lets the decoder skip stray bytes
 * (the tail of an earlier reply, line noise) and resynchronize on the next STX.
 */
export const MAX_STATUS_REPLY_BYTES = 1024;

type StatusEvent = Extract<HostStatusEvent, { type: "status" }>;

/**
 * Maps a decoded `~HS` reply: paper out → `media_out`, pause → `paused`, head up → `head_open`,
 * ribbon out → `ribbon_out`, buffer full → `buffer_full`, over/under temperature →
 * `head_over_temp`/`head_under_temp`, corrupt RAM → `corrupt_ram`. State: `error` when a fault
 * other than pause is present, else `paused`, else `busy` while formats are buffered or labels
 * remain in the batch, else `ready`. `at` is the caller's clock (ms since epoch).
 */
export function snapshotFromHostStatus(s: StatusEvent, at: number): DeviceSnapshot {
  const conditions: Condition[] = [];
  if (s.paperOut) conditions.push("media_out");
  if (s.paused) conditions.push("paused");
  if (s.headUp) conditions.push("head_open");
  if (s.ribbonOut) conditions.push("ribbon_out");
  if (s.bufferFull) conditions.push("buffer_full");
  if (s.overTemperature) conditions.push("head_over_temp");
  if (s.underTemperature) conditions.push("head_under_temp");
  if (s.corruptRam) conditions.push("corrupt_ram");
  conditions.sort();
  return {
    reachability: "online",
    state: printerState(conditions, s.formatsInBuffer > 0 || s.labelsRemaining > 0),
    conditions,
    counters: {
      formatsInBuffer: s.formatsInBuffer,
      labelsRemaining: s.labelsRemaining,
      // Only when set: a half-received format matters to in-doubt settling (issue #9).
      ...(s.partialFormat && { partialFormat: 1 }),
    },
    raw: { protocol: ZPL_STATUS_PROTOCOL, text: s.strings.join("\n"), at },
  };
}

/** The device answered, but not with a `~HS` reply: `protocol_error`, raw bytes kept. */
export function protocolErrorSnapshot(rawText: string, at: number): DeviceSnapshot {
  return {
    reachability: "online",
    state: "error",
    conditions: ["protocol_error"],
    counters: {},
    raw: { protocol: ZPL_STATUS_PROTOCOL, text: rawText, at },
  };
}

/** Printable ASCII as is, anything else as `\xNN`: a readable, lossless raw text. */
function escapeRaw(bytes: readonly number[]): string {
  let s = "";
  for (const b of bytes) {
    s +=
      b >= 0x20 && b < 0x7f && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/**
 * The `~HS` exchange. A reader returns:
 * - the mapped snapshot as soon as a complete, valid reply is decoded (stray bytes before it are
 *   skipped: the decoder resynchronizes on STX);
 * - a `protocol_error` snapshot when a complete frame is not a `~HS` string, or when more than
 *   {@link MAX_STATUS_REPLY_BYTES} arrive without a valid reply;
 * - undefined while the reply is incomplete. Once it has returned a snapshot it keeps returning
 *   that snapshot.
 */
export const zplStatusQuery: StatusQuery = {
  request: encodeControlCommand("HS"),
  createReader(now: number) {
    const decoder = createHostStatusDecoder();
    const received: number[] = [];
    let result: DeviceSnapshot | undefined;
    return {
      push(chunk: Uint8Array): DeviceSnapshot | undefined {
        if (result !== undefined) return result;
        for (const b of chunk) if (received.length < MAX_STATUS_REPLY_BYTES) received.push(b);
        for (const ev of decoder.push(chunk)) {
          if (ev.type === "status") {
            result = snapshotFromHostStatus(ev, now);
            return result;
          }
          if (ev.code === "bad_frame") {
            result = protocolErrorSnapshot(escapeRaw(received), now);
            return result;
          }
        }
        if (received.length >= MAX_STATUS_REPLY_BYTES) {
          result = protocolErrorSnapshot(escapeRaw(received), now);
        }
        return result;
      },
    };
  },
};

/**
 * Maps a `~HQES` reply (firmware-protocols/zpl/hqes.ts; reference §1.3) to the snapshot: the
 * richer alternative to `~HS` on printers that have it (cutter and printhead faults, paper near
 * end). State as in {@link snapshotFromHostStatus}.
 */
export function snapshotFromHqes(s: HqesStatus, rawText: string, at: number): DeviceSnapshot {
  const e = s.errors1;
  const conditions: Condition[] = [];
  if (e & HQES_ERROR.mediaOut) conditions.push("media_out");
  if (e & HQES_ERROR.ribbonOut) conditions.push("ribbon_out");
  if (e & HQES_ERROR.headOpen) conditions.push("head_open");
  if (e & HQES_ERROR.cutterFault) conditions.push("cutter_fault");
  if (e & HQES_ERROR.printheadOverTemp) conditions.push("head_over_temp");
  if (e & HQES_ERROR.motorOverTemp) conditions.push("motor_over_temp");
  if (e & (HQES_ERROR.badPrintheadElement | HQES_ERROR.printheadDetectionError))
    conditions.push("unrecoverable_error");
  if (e & HQES_ERROR.paused) conditions.push("paused");
  if (s.warnings1 & HQES_WARNING.paperNearEnd) conditions.push("media_near_end");
  conditions.sort();
  return {
    reachability: "online",
    state: printerState(conditions, false),
    conditions,
    counters: {},
    raw: { protocol: "zpl-hqes", text: rawText, at },
  };
}
