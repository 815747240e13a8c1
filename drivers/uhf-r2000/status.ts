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
  encodeGetReaderIdentifier,
  parseFirmwareVersion,
  parseReaderIdentifier,
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

/** What 0x72 and 0x68 tell about the unit (the shape of the driver definition's identity reply). */
export interface R2000Identity {
  model?: string;
  firmware?: string;
  serial?: string;
}

/**
 * Identity: model `R2000`, the firmware version `major.minor` from 0x72 and, as the serial, the
 * 12-byte reader identifier from 0x68 in hex. Both requests go in one write; the identity is
 * complete once both replies came (a 1-byte result code instead of a reply leaves that part
 * out). `end()` gives what came before the caller's timeout.
 */
export const r2000IdentityQuery = {
  request: Uint8Array.from([
    ...encodeGetFirmwareVersion(BROADCAST_ADDRESS),
    ...encodeGetReaderIdentifier(BROADCAST_ADDRESS),
  ]),
  createReader(): {
    push(chunk: Uint8Array): R2000Identity | undefined;
    end(): R2000Identity | undefined;
  } {
    const decoder = createR2000Decoder();
    let firmware: string | null | undefined;
    let serial: string | null | undefined;
    let seen = 0;
    const result = (): R2000Identity | undefined =>
      firmware === undefined && serial === undefined
        ? undefined
        : {
            model: "R2000",
            ...(typeof firmware === "string" && { firmware }),
            ...(typeof serial === "string" && { serial }),
          };
    return {
      push(chunk) {
        seen += chunk.length;
        for (const ev of decoder.push(chunk)) {
          if (ev.type !== "frame") continue;
          if (ev.command === CMD.GET_FIRMWARE_VERSION) {
            const v = parseFirmwareVersion(ev.data);
            firmware = v === undefined ? null : `${v.major}.${v.minor}`;
          } else if (ev.command === CMD.GET_READER_IDENTIFIER)
            serial = parseReaderIdentifier(ev.data) ?? null;
        }
        if (firmware !== undefined && serial !== undefined) return result() ?? {};
        // A line of other traffic and no identity replies: give up with what there is.
        if (seen >= MAX_STATUS_REPLY_BYTES) return result() ?? {};
        return undefined;
      },
      end: result,
    };
  },
};
