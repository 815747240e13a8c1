/**
 * `~HS` host status: the host-side decoder and the device-side encoder.
 *
 * The printer answers `~HS` with three strings, each `<STX>…<ETX><CR><LF>` (ZPL II Programming
 * Guide, `~HS` Host Status Return; reference/device-protocols.md §1.2):
 *
 * ```
 * String 1: aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
 * String 2: mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
 * String 3: xxxx,y
 * ```
 *
 * The strings are told apart by their field count (12, 11, 2), which also lets the decoder
 * resynchronize when it starts listening in the middle of a reply.
 */
import { CR, ETX, LF, STX, concatBytes, encodeAscii } from "./bytes.ts";

/** One decoded `~HS` reply. Booleans are the 0/1 flags; counts are decimal. */
export interface HostStatus {
  /** aaa: communication (serial port) settings, a 9-bit field written in decimal. */
  communicationSettings: number;
  /** b: paper out. */
  paperOut: boolean;
  /** c: pause. */
  paused: boolean;
  /** dddd: label length in dots. */
  labelLengthDots: number;
  /** eee: number of formats in the receive buffer. */
  formatsInBuffer: number;
  /** f: receive buffer full. */
  bufferFull: boolean;
  /** g: communications diagnostic mode. */
  diagnosticMode: boolean;
  /** h: a partial format is in progress. */
  partialFormat: boolean;
  /** j: corrupt RAM (configuration data lost). */
  corruptRam: boolean;
  /** k: under temperature. */
  underTemperature: boolean;
  /** l: over temperature. */
  overTemperature: boolean;
  /** mmm: function settings, a bit field written in decimal. */
  functionSettings: number;
  /** o: head up (open). */
  headUp: boolean;
  /** p: ribbon out. */
  ribbonOut: boolean;
  /** q: thermal-transfer mode (false = direct thermal). */
  thermalTransfer: boolean;
  /** r: print mode: 0 rewind, 1 peel-off, 2 tear-off, 3 cutter, 4 applicator, … */
  printMode: number;
  /** s: print width mode. */
  printWidthMode: number;
  /** t: label waiting (peel-off mode). */
  labelWaiting: boolean;
  /** uuuuuuuu: labels remaining in the batch. */
  labelsRemaining: number;
  /** v: format while printing (always 1 on current printers). */
  formatWhilePrinting: boolean;
  /** www: number of graphic images stored in memory. */
  graphicsStored: number;
  /** xxxx: password, four digits, kept as text. */
  password: string;
  /** y: static RAM installed. */
  staticRamInstalled: boolean;
}

export type HostStatusMalformedCode =
  /** Bytes outside any STX…ETX frame (reported once per run, at its first byte). */
  | "unexpected_byte"
  /** A new STX arrived before the ETX of the frame in progress; that frame is dropped. */
  | "unterminated_frame"
  /** A frame grew past {@link MAX_HOST_STATUS_FRAME} bytes without an ETX. */
  | "frame_too_long"
  /** A complete frame that is not one of the three `~HS` strings (field count or characters). */
  | "bad_frame"
  /** A well-formed string 2 or 3 without its predecessors, or a group cut short. */
  | "out_of_order";

export type HostStatusEvent =
  | ({
      type: "status";
      /** Stream offset of the STX that opened string 1. */
      offset: number;
      /** The three strings without STX/ETX/CR/LF, as received: kept for audit. */
      strings: readonly [string, string, string];
    } & HostStatus)
  | { type: "malformed"; code: HostStatusMalformedCode; offset: number };

export interface HostStatusDecoder {
  /** Feeds reply bytes in any chunking; returns the events they complete. Never throws. */
  push(chunk: Uint8Array): HostStatusEvent[];
}

/** Longest frame payload accepted (string 1 is 32 bytes on current firmware). */
export const MAX_HOST_STATUS_FRAME = 64;

const DIGITS = /^[0-9]+$/;

/** Creates a decoder; each decoder holds its own state (a reply split across chunks). */
export function createHostStatusDecoder(): HostStatusDecoder {
  let pos = 0;
  let inFrame = false;
  let frameStart = 0;
  let frame = "";
  let garbageRun = false;
  let group: Array<{ fields: string[]; text: string; offset: number }> = [];

  const completeFrame = (events: HostStatusEvent[]): void => {
    const text = frame;
    const offset = frameStart;
    let printable = true;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) printable = false;
    }
    const fields = text.split(",");
    const valid = printable && fields.every((f) => DIGITS.test(f));
    const expected = [12, 11, 2][group.length];
    if (!valid || (fields.length !== 12 && fields.length !== 11 && fields.length !== 2)) {
      events.push({ type: "malformed", code: "bad_frame", offset });
      group = [];
      return;
    }
    if (fields.length === 12) {
      // A string 1 always (re)starts a group: a reply cut short is reported, not merged.
      if (group.length > 0) events.push({ type: "malformed", code: "out_of_order", offset });
      group = [{ fields, text, offset }];
      return;
    }
    if (fields.length !== expected) {
      events.push({ type: "malformed", code: "out_of_order", offset });
      group = [];
      return;
    }
    group.push({ fields, text, offset });
    const [g1, g2, g3] = group;
    if (g1 !== undefined && g2 !== undefined && g3 !== undefined) {
      events.push({
        type: "status",
        offset: g1.offset,
        strings: [g1.text, g2.text, g3.text],
        ...fieldsToStatus(g1.fields, g2.fields, g3.fields),
      });
      group = [];
    }
  };

  return {
    push(chunk) {
      const events: HostStatusEvent[] = [];
      for (let i = 0; i < chunk.length; i++, pos++) {
        const b = chunk[i] ?? 0;
        if (inFrame) {
          if (b === ETX) {
            inFrame = false;
            completeFrame(events);
          } else if (b === STX) {
            events.push({ type: "malformed", code: "unterminated_frame", offset: pos });
            frameStart = pos;
            frame = "";
          } else if (frame.length >= MAX_HOST_STATUS_FRAME) {
            events.push({ type: "malformed", code: "frame_too_long", offset: pos });
            inFrame = false;
            garbageRun = true; // swallow the rest silently until the next STX
            group = [];
          } else {
            frame += String.fromCharCode(b);
          }
        } else if (b === STX) {
          inFrame = true;
          garbageRun = false;
          frameStart = pos;
          frame = "";
        } else if (b === CR || b === LF) {
          // The line end after each ETX; harmless anywhere between frames.
        } else if (!garbageRun) {
          garbageRun = true;
          events.push({ type: "malformed", code: "unexpected_byte", offset: pos });
        }
      }
      return events;
    },
  };
}

function num(fields: readonly string[], i: number): number {
  return Number.parseInt(fields[i] ?? "0", 10);
}

function flag(fields: readonly string[], i: number): boolean {
  return num(fields, i) !== 0;
}

function fieldsToStatus(s1: string[], s2: string[], s3: string[]): HostStatus {
  return {
    communicationSettings: num(s1, 0),
    paperOut: flag(s1, 1),
    paused: flag(s1, 2),
    labelLengthDots: num(s1, 3),
    formatsInBuffer: num(s1, 4),
    bufferFull: flag(s1, 5),
    diagnosticMode: flag(s1, 6),
    partialFormat: flag(s1, 7),
    // s1[8] is iii, unused
    corruptRam: flag(s1, 9),
    underTemperature: flag(s1, 10),
    overTemperature: flag(s1, 11),
    functionSettings: num(s2, 0),
    // s2[1] is n, unused
    headUp: flag(s2, 2),
    ribbonOut: flag(s2, 3),
    thermalTransfer: flag(s2, 4),
    printMode: num(s2, 5),
    printWidthMode: num(s2, 6),
    labelWaiting: flag(s2, 7),
    labelsRemaining: num(s2, 8),
    formatWhilePrinting: flag(s2, 9),
    graphicsStored: num(s2, 10),
    password: s3[0] ?? "",
    staticRamInstalled: flag(s3, 1),
  };
}

/** A status of an idle, healthy printer (tear-off, thermal transfer): a base for simulators. */
export function idleHostStatus(): HostStatus {
  return {
    communicationSettings: 30,
    paperOut: false,
    paused: false,
    labelLengthDots: 1200,
    formatsInBuffer: 0,
    bufferFull: false,
    diagnosticMode: false,
    partialFormat: false,
    corruptRam: false,
    underTemperature: false,
    overTemperature: false,
    functionSettings: 1,
    headUp: false,
    ribbonOut: false,
    thermalTransfer: true,
    printMode: 2,
    printWidthMode: 6,
    labelWaiting: false,
    labelsRemaining: 0,
    formatWhilePrinting: true,
    graphicsStored: 0,
    password: "1234",
    staticRamInstalled: false,
  };
}

function pad(value: number, width: number, name: string): string {
  if (!Number.isInteger(value) || value < 0 || value >= 10 ** width) {
    throw new RangeError(`${name} must be an integer in 0..${10 ** width - 1}`);
  }
  return String(value).padStart(width, "0");
}

const bit = (b: boolean): string => (b ? "1" : "0");

/**
 * The device side: the three `<STX>…<ETX><CR><LF>` strings for `s`, with the field widths of
 * real printers (aaa, dddd, eee, iii, mmm, uuuuuuuu, www, xxxx zero-padded). The unused fields
 * iii and n are written as zeros. Throws RangeError on a value that does not fit its field.
 */
export function encodeHostStatus(s: HostStatus): Uint8Array {
  if (!/^[0-9]{4}$/.test(s.password)) throw new RangeError("password must be 4 digits");
  const s1 = [
    pad(s.communicationSettings, 3, "communicationSettings"),
    bit(s.paperOut),
    bit(s.paused),
    pad(s.labelLengthDots, 4, "labelLengthDots"),
    pad(s.formatsInBuffer, 3, "formatsInBuffer"),
    bit(s.bufferFull),
    bit(s.diagnosticMode),
    bit(s.partialFormat),
    "000",
    bit(s.corruptRam),
    bit(s.underTemperature),
    bit(s.overTemperature),
  ].join(",");
  const s2 = [
    pad(s.functionSettings, 3, "functionSettings"),
    "0",
    bit(s.headUp),
    bit(s.ribbonOut),
    bit(s.thermalTransfer),
    pad(s.printMode, 1, "printMode"),
    pad(s.printWidthMode, 1, "printWidthMode"),
    bit(s.labelWaiting),
    pad(s.labelsRemaining, 8, "labelsRemaining"),
    bit(s.formatWhilePrinting),
    pad(s.graphicsStored, 3, "graphicsStored"),
  ].join(",");
  const s3 = [s.password, bit(s.staticRamInstalled)].join(",");
  return concatBytes([s1, s2, s3].map(frameString));
}

/** `<STX>text<ETX><CR><LF>`, the framing of every `~HS` / `~HI` reply string. */
export function frameString(text: string): Uint8Array {
  return concatBytes([Uint8Array.of(STX), encodeAscii(text), Uint8Array.of(ETX, CR, LF)]);
}
