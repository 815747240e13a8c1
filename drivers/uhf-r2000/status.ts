/**
 * Status and identity of an R2000 encoder (reference/device-protocols.md §5.2). The protocol has
 * no status command, so both ask for the firmware version (0x72): a 2-byte reply means the reader
 * is up; a 1-byte reply is a result code, mapped to its condition. Frames of other commands (an
 * encode in progress shares the line) are skipped.
 */
import type { Condition, DeviceSnapshot } from "../snapshot.ts";
import type { StatusQuery } from "../types.ts";
import {
  BROADCAST_ADDRESS,
  CMD,
  createR2000Decoder,
  describeResultCode,
  encodeGetFirmwareVersion,
  parseFirmwareVersion,
} from "../../firmware-protocols/r2000/index.ts";

/** `raw.protocol` of snapshots made from 0x72. */
export const R2000_STATUS_PROTOCOL = "r2000";
/** Reply bytes a reader takes without a 0x72 reply before it reports `protocol_error`. */
export const MAX_STATUS_REPLY_BYTES = 1024;

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");

function firmwareReader<T>(
  onFirmware: (data: Uint8Array) => T,
  onError: (code: number | undefined, raw: string) => T,
): { push(chunk: Uint8Array): T | undefined } {
  const decoder = createR2000Decoder();
  let seen = 0;
  let result: T | undefined;
  return {
    push(chunk) {
      if (result !== undefined) return result;
      seen += chunk.length;
      for (const ev of decoder.push(chunk)) {
        if (ev.type !== "frame" || ev.command !== CMD.GET_FIRMWARE_VERSION) continue;
        result =
          parseFirmwareVersion(ev.data) !== undefined
            ? onFirmware(ev.data)
            : onError(ev.data.length === 1 ? ev.data[0] : undefined, hex(ev.data));
        return result;
      }
      if (seen >= MAX_STATUS_REPLY_BYTES) result = onError(undefined, "no 0x72 reply");
      return result;
    },
  };
}

export const r2000StatusQuery: StatusQuery = {
  request: encodeGetFirmwareVersion(BROADCAST_ADDRESS),
  createReader(now: number) {
    return firmwareReader<DeviceSnapshot>(
      (data) => ({
        reachability: "online",
        state: "ready",
        conditions: [],
        counters: {},
        raw: { protocol: R2000_STATUS_PROTOCOL, text: `72 ${hex(data)}`, at: now },
      }),
      (code, raw) => {
        const condition: Condition =
          code === undefined
            ? "protocol_error"
            : (describeResultCode(code).condition ?? "protocol_error");
        return {
          reachability: "online",
          state: "error",
          conditions: [condition],
          counters: {},
          raw: { protocol: R2000_STATUS_PROTOCOL, text: `72 ${raw}`, at: now },
        };
      },
    );
  },
};

/** What 0x72 tells about the unit (the shape of the driver definition's identity reply). */
export interface R2000Identity {
  model?: string;
  firmware?: string;
}

/** Identity: model `R2000` and the firmware version `major.minor` from 0x72. */
export const r2000IdentityQuery = {
  request: encodeGetFirmwareVersion(BROADCAST_ADDRESS),
  createReader(): { push(chunk: Uint8Array): R2000Identity | undefined } {
    const r = firmwareReader<R2000Identity | null>(
      (data) => ({ model: "R2000", firmware: `${data[0] ?? 0}.${data[1] ?? 0}` }),
      () => null,
    );
    return {
      push(chunk) {
        const v = r.push(chunk);
        return v === null ? {} : v;
      },
    };
  },
};
