/**
 * ZPL RFID (Gen2) commands and the host-side reader of an RFID printer's encode results
 * (reference/device-protocols.md §1.4). Pure, over bytes.
 *
 * What goes into a format: `^RS8,,,n,N` (Gen2, n labels tried, then drop the format), the access
 * password written to the reserved bank (`^RFW,H,2,4,0`), the EPC (`^RFW,H,,,A`: EPC bank with
 * automatic PC adjustment), a read-back of the EPC returned to the host (`^RFR` into field 1,
 * then `^HV1,…` → `EPC=<hex>\r\n`), and the lock `^RLM,U,L,L,U` (kill password open, access
 * password and EPC locked, user open). Before the format, `~RVE` asks the printer to report each
 * format's encode result as `_+,n_` / `_-,n_` (n = labels tried). After a failure the host asks
 * `! U1 getvar "rfid.error.response"` for the reason.
 *
 * Confidence: `^RS`, `^RF`, `^HV` are documented; the `~RV` reply string, the `^RLM` syntax and
 * the SGD's strings are marked unverified in the reference (§1.4, §10 items 1–2) and are what
 * this codec and the simulator agree on until checked on a printer.
 */

import { decodeLatin1 } from "./bytes.ts";

const ascii = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
};

export interface ZplRfidEncode {
  /** EPC as upper-case hex (24 digits for 96 bits). */
  epcHex: string;
  /** Access password as 8 hex digits, never all zero. */
  accessPasswordHex: string;
  lock: boolean;
  /** Labels to try before giving up (1–10, `^RS` n). */
  tries: number;
}

/** `~RVE`: report each format's encode result to the host (§1.4, unverified reply). */
export const RV_ENABLE = ascii("~RVE");

/** The SGD query of the last RFID error (sent after a failed encode). */
export const RFID_ERROR_QUERY = ascii('! U1 getvar "rfid.error.response"\r\n');

/** The commands to place inside a format (before its `^XZ`). Throws RangeError on bad input. */
export function encodeRfidFormatCommands(e: ZplRfidEncode): Uint8Array {
  if (!/^([0-9A-F]{4})+$/.test(e.epcHex)) throw new RangeError("EPC must be whole words of hex");
  if (!/^[0-9A-F]{8}$/.test(e.accessPasswordHex) || /^0{8}$/.test(e.accessPasswordHex))
    throw new RangeError("access password must be 8 hex digits, not zero");
  if (!Number.isInteger(e.tries) || e.tries < 1 || e.tries > 10)
    throw new RangeError("tries must be 1–10");
  const bytes = e.epcHex.length / 2;
  return ascii(
    `^RS8,,,${e.tries},N` +
      `^RFW,H,2,4,0^FD${e.accessPasswordHex}^FS` +
      `^RFW,H,,,A^FD${e.epcHex}^FS` +
      `^FN1^RFR,H,0,${bytes},E^FS` +
      `^FH_^HV1,${bytes * 2},EPC=,_0D_0A,L^FS` +
      (e.lock ? "^RLM,U,L,L,U" : ""),
  );
}

/**
 * Inserts RFID commands into a compiled format, just before its last `^XZ` (downloads such as
 * `~DG` before the format are left as they are). Undefined when there is no `^XZ`.
 */
export function insertIntoFormat(format: Uint8Array, commands: Uint8Array): Uint8Array | undefined {
  let at = -1;
  for (let i = format.length - 3; i >= 0; i--) {
    if (
      format[i] === 0x5e &&
      (format[i + 1] === 0x58 || format[i + 1] === 0x78) &&
      (format[i + 2] === 0x5a || format[i + 2] === 0x7a)
    ) {
      at = i;
      break;
    }
  }
  if (at < 0) return undefined;
  const out = new Uint8Array(format.length + commands.length);
  out.set(format.subarray(0, at));
  out.set(commands, at);
  out.set(format.subarray(at), at + commands.length);
  return out;
}

export type ZplRfidEvent =
  /** `^HV` output: the EPC read back from the label's tag. */
  | { type: "epc"; hex: string }
  /** `~RV` result: success or failure after `tries` labels. */
  | { type: "result"; ok: boolean; tries: number }
  /** A quoted SGD reply, e.g. `"NO TAG FOUND"`. */
  | { type: "sgd"; value: string };

/**
 * Reads RFID replies out of the printer's byte stream, which also carries `~HS` status frames:
 * anything that is not one of the three reply shapes is skipped. Replies split across chunks are
 * reassembled; at most 512 bytes are kept while waiting for the end of one.
 */
export function createZplRfidReader(): { push(chunk: Uint8Array): ZplRfidEvent[] } {
  let buf = "";
  const re = /EPC=([0-9A-Fa-f]{4,64})\r\n|_([+-]),([0-9]{1,2})_|"([^"\r\n]{0,64})"/g;
  return {
    push(chunk) {
      buf += decodeLatin1(chunk);
      const events: ZplRfidEvent[] = [];
      let consumed = 0;
      re.lastIndex = 0;
      for (let m = re.exec(buf); m !== null; m = re.exec(buf)) {
        if (m[1] !== undefined) events.push({ type: "epc", hex: m[1].toUpperCase() });
        else if (m[2] !== undefined)
          events.push({ type: "result", ok: m[2] === "+", tries: Number(m[3]) });
        else events.push({ type: "sgd", value: m[4] ?? "" });
        consumed = re.lastIndex;
      }
      buf = buf.slice(consumed);
      if (buf.length > 512) buf = buf.slice(-128);
      return events;
    },
  };
}

/** The condition an RFID error response names (SGD strings unverified, see above). */
export function conditionOfRfidError(
  value: string,
): "rfid_no_tag" | "rfid_access_denied" | "rfid_memory_locked" | "rfid_insufficient_power" {
  const v = value.toUpperCase();
  if (v.includes("NO TAG")) return "rfid_no_tag";
  if (v.includes("PASSWORD") || v.includes("ACCESS")) return "rfid_access_denied";
  if (v.includes("LOCK")) return "rfid_memory_locked";
  return "rfid_insufficient_power";
}
