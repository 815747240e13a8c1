/**
 * TSPL identity queries (TSC TSPL/TSPL2 Programming Manual), host and device side, sans-IO.
 *
 * - `~!T` ("~!T" in the manual's chapter of status polling commands, reference/device-protocols.md
 *   §2.2 "Other queries"): the printer answers its model name. `~` commands are answered only
 *   when the printer is ready (TSPL PM "Document Conventions": `~` returns the status only when
 *   the printer is ready), so a printer in error may stay silent. The reply is the name followed
 *   by CR [unverified: terminator; the reader takes CR, LF or CR LF].
 * - `OUT GETSETTING$("SYSTEM","INFORMATION","SERIAL")` (TSPL/TSPL2 PM: the `GETSETTING$( )`
 *   function with app `SYSTEM`, section `INFORMATION`, key `SERIAL`, sent back to the host by
 *   `OUT`): the printer's serial number as a line ending in CR LF [the line is the one a public
 *   TSPL SDK sends for the serial (psdk_fruit_tspl, `TSNs`); reply framing unverified on a unit].
 * Both are sent with CR LF, so a line-based firmware takes them as commands and a token-based
 * one sees an empty line after `~!T`.
 */
import { encodePrintableAscii } from "../bytes.ts";
import { CR, LF } from "./commands.ts";

/** `~!T` CR LF: the model name. */
export const MODEL_NAME_REQUEST = Uint8Array.of(0x7e, 0x21, 0x54, CR, LF);
/** The TSPL2 expression that yields the serial number. */
export const SERIAL_SETTING = 'GETSETTING$("SYSTEM","INFORMATION","SERIAL")';
/** `OUT GETSETTING$("SYSTEM","INFORMATION","SERIAL")` CR LF: the serial number. */
export const SERIAL_REQUEST = Uint8Array.from(`OUT ${SERIAL_SETTING}\r\n`, (c) => c.charCodeAt(0));

/** Longest reply line kept (bytes); a longer run is reported `line_too_long` and dropped. */
export const MAX_IDENTITY_LINE = 128;

export type TsplLineEvent =
  | { type: "line"; text: string }
  | { type: "malformed"; code: "line_too_long" | "non_printable"; offset: number };

/**
 * Host side: splits reply bytes into printable ASCII lines (CR, LF or CR LF end a line; empty
 * lines are skipped). A byte outside 0x20–0x7E (a stray status byte, a `!S` frame's STX) drops
 * the line in progress and is reported once per run. Never throws; state is kept across pushes.
 */
export function createTsplLineDecoder(): { push(chunk: Uint8Array): TsplLineEvent[] } {
  let line: number[] = [];
  let pos = 0;
  let bad = false;
  let tooLong = false;
  return {
    push(chunk) {
      const out: TsplLineEvent[] = [];
      for (const b of chunk) {
        const at = pos++;
        if (b === CR || b === LF) {
          if (line.length > 0 && !tooLong)
            out.push({ type: "line", text: String.fromCharCode(...line) });
          line = [];
          bad = false;
          tooLong = false;
          continue;
        }
        if (b < 0x20 || b > 0x7e) {
          if (!bad) out.push({ type: "malformed", code: "non_printable", offset: at });
          bad = true;
          line = [];
          continue;
        }
        if (bad) continue;
        if (line.length >= MAX_IDENTITY_LINE) {
          if (!tooLong) out.push({ type: "malformed", code: "line_too_long", offset: at });
          tooLong = true;
          continue;
        }
        line.push(b);
      }
      return out;
    },
  };
}

/** Device side: the `~!T` reply, the model name and CR. */
export const encodeModelNameReply = (model: string): Uint8Array =>
  encodePrintableAscii(model, [CR]);

/** Device side: what `OUT` sends for a string value, the text and CR LF. */
export const encodeOutReply = (text: string): Uint8Array => encodePrintableAscii(text, [CR, LF]);
