/**
 * Identity of a TSPL printer, read on every connect (Art. 17 access review): `~!T` for the model
 * name and `OUT GETSETTING$("SYSTEM","INFORMATION","SERIAL")` for the serial number, in one write;
 * the printer answers one line each, in order (firmware-protocols/tspl/identity.ts cites the
 * manual). Stray non-text bytes (a late status reply) are skipped by the line decoder.
 */
import type { DeviceIdentity, IdentityQuery } from "../types.ts";
import {
  MODEL_NAME_REQUEST,
  SERIAL_REQUEST,
  createTsplLineDecoder,
} from "../../firmware-protocols/tspl/identity.ts";

/** Reply bytes accepted before the reader stops waiting for more lines. */
export const MAX_TSPL_IDENTITY_BYTES = 1024;

export const tsplIdentityQuery: IdentityQuery = {
  request: Uint8Array.from([...MODEL_NAME_REQUEST, ...SERIAL_REQUEST]),
  createReader() {
    const decoder = createTsplLineDecoder();
    const lines: string[] = [];
    let seen = 0;
    const result = (): DeviceIdentity | undefined => {
      const [model, serial] = lines.map((l) => l.trim());
      if (model === undefined) return undefined;
      return {
        ...(model !== "" && { model }),
        ...(serial !== undefined && serial !== "" && { serial }),
      };
    };
    return {
      push(chunk) {
        seen += chunk.length;
        for (const ev of decoder.push(chunk)) if (ev.type === "line") lines.push(ev.text);
        if (lines.length >= 2 || seen >= MAX_TSPL_IDENTITY_BYTES) return result() ?? {};
        return undefined;
      },
      end: result,
    };
  },
};
