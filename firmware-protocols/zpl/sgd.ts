/**
 * Set/Get/Do (SGD) commands over the ZPL channel (Zebra Programming Guide, "SGD Command
 * Structure"): `! U1 getvar "name"` terminated by CR LF; the printer answers a `getvar` with the
 * value in double quotes, `"31084"`, with no line end after it. Sans-IO: bytes in, bytes out.
 *
 * The label counter used to settle in-doubt jobs is `odometer.total_label_count` (Zebra
 * Programming Guide, "SGD Printer Commands: odometer.total_label_count"): the labels printed over
 * the life of the printer, in its non-volatile memory; form feeds and calibration labels are not
 * counted. `~HQOD` is no substitute: its "PRINT METERS" are distances (inches or cm, `^MA`), not
 * labels.
 */
import { CR, LF } from "./bytes.ts";

/** The printer's lifetime label count (see above). */
export const SGD_TOTAL_LABEL_COUNT = "odometer.total_label_count";

/** A name SGD accepts: dotted lower-case words (e.g. `odometer.total_label_count`). */
const SGD_NAME = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0x7f);

/** `! U1 getvar "<name>"` CR LF. Throws RangeError on a name SGD would not accept. */
export function encodeSgdGetvar(name: string): Uint8Array {
  if (!SGD_NAME.test(name) || name.length > 64) throw new RangeError(`bad SGD name: ${name}`);
  return ascii(`! U1 getvar "${name}"\r\n`);
}

/** A quoted `getvar` reply for the device side: `"<value>"` (no line end). */
export function encodeSgdValue(value: string): Uint8Array {
  return ascii(`"${value.replace(/"/g, "")}"`);
}

export type SgdCommand =
  { verb: "getvar"; name: string } | { verb: "setvar" | "do"; name: string; value: string };

/**
 * Parses one SGD line as the printer sees it (`! U1 getvar "name"`, `! U1 setvar "name" "v"`,
 * `! U1 do "name" "v"`), without its line end. Undefined for anything else.
 */
export function parseSgdCommand(line: string): SgdCommand | undefined {
  const m = /^!\s*U1\s+(getvar|setvar|do)\s+"([^"]*)"(?:\s+"([^"]*)")?\s*$/i.exec(line);
  if (m === null) return undefined;
  const verb = (m[1] ?? "").toLowerCase();
  const name = (m[2] ?? "").toLowerCase();
  if (verb === "getvar") return m[3] === undefined ? { verb, name } : undefined;
  if (m[3] === undefined) return undefined;
  return { verb: verb as "setvar" | "do", name, value: m[3] };
}

export type SgdReplyEvent =
  { type: "value"; value: string } | { type: "malformed"; code: "value_too_long"; offset: number };

/** Longest value kept; a longer quoted run is reported and dropped. */
const MAX_VALUE = 256;

/**
 * Reads quoted `getvar` replies out of the printer's byte stream. Bytes outside quotes (a `~HS`
 * frame that arrived first, line noise, CR LF) are skipped; a reply split across chunks is
 * reassembled. Never throws.
 */
export function createSgdReplyDecoder(): { push(chunk: Uint8Array): SgdReplyEvent[] } {
  let inQuote = false;
  let value = "";
  let pos = 0;
  let start = 0;
  return {
    push(chunk) {
      const events: SgdReplyEvent[] = [];
      for (const b of chunk) {
        if (b === 0x22) {
          if (inQuote) events.push({ type: "value", value });
          else start = pos;
          inQuote = !inQuote;
          value = "";
        } else if (inQuote) {
          // An SGD value is one line: a line end inside quotes means we joined mid-reply.
          if (b === CR || b === LF) {
            inQuote = false;
            value = "";
          } else if (value.length < MAX_VALUE) value += String.fromCharCode(b);
          else {
            events.push({ type: "malformed", code: "value_too_long", offset: start });
            inQuote = false;
            value = "";
          }
        }
        pos++;
      }
      return events;
    },
  };
}

/** The count in a `odometer.total_label_count` reply (`"31084"`); undefined if not a count. */
export function parseLabelCount(value: string): number | undefined {
  const v = value.trim();
  if (!/^\d{1,12}$/.test(v)) return undefined;
  return Number(v);
}
