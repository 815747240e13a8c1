/**
 * `~HQES` — host query, printer status: error and warning bitmasks (ZPL II PG, ~HQ; reference/
 * device-protocols.md §1.3). The reply is one STX … ETX frame with CR LF lines:
 *
 * ```
 *   PRINTER STATUS
 *    ERRORS:         1 00000000 00010003
 *    WARNINGS:       0 00000000 00000000
 * ```
 * Each line: a flag digit (1 = something set), group 2 (8 hex digits), group 1 (8 hex digits).
 * Hex digits include A–F (one public parser wrongly used `\d+`).
 */
import { ETX, STX, decodeLatin1 } from "./bytes.ts";

/** Error bits of group 1 (reference §1.3). */
export const HQES_ERROR = {
  mediaOut: 0x00000001,
  ribbonOut: 0x00000002,
  headOpen: 0x00000004,
  cutterFault: 0x00000008,
  printheadOverTemp: 0x00000010,
  motorOverTemp: 0x00000020,
  badPrintheadElement: 0x00000040,
  printheadDetectionError: 0x00000080,
  paused: 0x00010000,
} as const;

/** Warning bits of group 1. */
export const HQES_WARNING = {
  needCalibration: 0x001,
  cleanPrinthead: 0x002,
  replacePrinthead: 0x004,
  paperNearEnd: 0x008,
} as const;

export interface HqesStatus {
  errorFlag: boolean;
  errors2: number;
  errors1: number;
  warningFlag: boolean;
  warnings2: number;
  warnings1: number;
}

export type HqesEvent =
  ({ type: "hqes" } & HqesStatus) | { type: "malformed"; code: "bad_frame"; offset: number };

const LINE = (label: string): RegExp =>
  new RegExp(`${label}:\\s+([01])\\s+([0-9A-Fa-f]{8})\\s+([0-9A-Fa-f]{8})`);

/** Decoder of `~HQES` replies in any chunking; stray bytes before STX are skipped. Never throws. */
export function createHqesDecoder(): { push(chunk: Uint8Array): HqesEvent[] } {
  let frame: number[] | undefined;
  let start = 0;
  let pos = 0;
  return {
    push(chunk) {
      const out: HqesEvent[] = [];
      for (const b of chunk) {
        pos++;
        if (frame === undefined) {
          if (b === STX) {
            frame = [];
            start = pos - 1;
          }
          continue;
        }
        if (b !== ETX) {
          if (frame.length < 1024) frame.push(b);
          continue;
        }
        const text = decodeLatin1(Uint8Array.from(frame));
        frame = undefined;
        const e = LINE("ERRORS").exec(text);
        const w = LINE("WARNINGS").exec(text);
        if (e === null || w === null) {
          out.push({ type: "malformed", code: "bad_frame", offset: start });
          continue;
        }
        out.push({
          type: "hqes",
          errorFlag: e[1] === "1",
          errors2: parseInt(e[2] ?? "0", 16),
          errors1: parseInt(e[3] ?? "0", 16),
          warningFlag: w[1] === "1",
          warnings2: parseInt(w[2] ?? "0", 16),
          warnings1: parseInt(w[3] ?? "0", 16),
        });
      }
      return out;
    },
  };
}

const hex8 = (n: number): string => (n >>> 0).toString(16).toUpperCase().padStart(8, "0");

/** The reply frame for the given group-1 bits (simulators). */
export function encodeHqesReply(errors1: number, warnings1: number): Uint8Array {
  const text =
    `\r\n  PRINTER STATUS\r\n` +
    `   ERRORS:         ${errors1 !== 0 ? 1 : 0} 00000000 ${hex8(errors1)}\r\n` +
    `   WARNINGS:       ${warnings1 !== 0 ? 1 : 0} 00000000 ${hex8(warnings1)}\r\n`;
  const out = new Uint8Array(text.length + 2);
  out[0] = STX;
  for (let i = 0; i < text.length; i++) out[i + 1] = text.charCodeAt(i);
  out[text.length + 1] = ETX;
  return out;
}
