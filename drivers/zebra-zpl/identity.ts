/**
 * Identity of a ZPL printer, read on every connect (Art. 17 access review): `~HI` for model and
 * firmware, `~HQSN` for the serial number (reference/device-protocols.md §1.1 "Immediate
 * controls"). Both replies are STX … ETX frames and come back in the order asked.
 *
 * - `~HI` (ZPL II Programming Guide, `~HI` Host Identification): `model,firmware,dpmm,memory[,options]`,
 *   e.g. the real ZT410 reply `ZT410-200dpi,V75.19.15Z,8,4096KB` [documented].
 * - `~HQSN` (`~HQ` Host Query, SN): a frame holding the heading `SERIAL NUMBER` and the value on
 *   the next line [unverified: line layout as in the guide's ~HQ examples].
 */
import type { DeviceIdentity, IdentityQuery } from "../types.ts";
import { ETX, STX, concatBytes, decodeLatin1 } from "../../firmware-protocols/zpl/bytes.ts";
import { encodeControlCommand } from "../../firmware-protocols/zpl/format.ts";

/** Reply bytes accepted before the reader gives up (the caller's timeout then applies). */
export const MAX_IDENTITY_REPLY_BYTES = 1024;

/** Parses the text of a `~HI` frame. */
export function parseHostIdentification(text: string): Pick<DeviceIdentity, "model" | "firmware"> {
  const [model, firmware] = text.split(",").map((f) => f.trim());
  return {
    ...(model !== undefined && model !== "" && { model }),
    ...(firmware !== undefined && firmware !== "" && { firmware }),
  };
}

/** Parses the text of a `~HQSN` frame: the first non-empty line that is not the heading. */
export function parseSerialNumberReply(text: string): string | undefined {
  return text
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .find((l) => l !== "" && l.toUpperCase() !== "SERIAL NUMBER");
}

export const zplIdentityQuery: IdentityQuery = {
  request: concatBytes([encodeControlCommand("HI"), encodeControlCommand("HQ", "SN")]),
  createReader() {
    const frames: string[] = [];
    let current: number[] | undefined;
    let seen = 0;
    return {
      push(chunk) {
        for (const b of chunk) {
          if (++seen > MAX_IDENTITY_REPLY_BYTES) return undefined;
          if (b === STX) current = [];
          else if (b === ETX && current !== undefined) {
            frames.push(decodeLatin1(Uint8Array.from(current)));
            current = undefined;
            if (frames.length === 2) {
              const serial = parseSerialNumberReply(frames[1]!);
              return {
                ...parseHostIdentification(frames[0]!),
                ...(serial !== undefined && { serial }),
              };
            }
          } else current?.push(b);
        }
        return undefined;
      },
    };
  },
};
