/**
 * Device-side ZPL stream parser: what a printer does with the bytes a host sends it.
 *
 * ZPL has two kinds of commands (ZPL II Programming Guide, "Format and Control Commands"):
 * - format commands start with the format prefix (`^`, 5Eh by default) and are collected between
 *   `^XA` and `^XZ` into a format, which is then printed;
 * - control commands start with the control prefix (`~`, 7Eh by default) and act *immediately*,
 *   even in the middle of a format. They are taken out of the stream and are not part of the
 *   format they interrupted.
 * The prefixes can be changed with `^CC`/`~CC` (format prefix) and `^CT`/`~CT` (control prefix);
 * the parser follows such changes for the rest of the stream. Command names are matched
 * case-insensitively.
 *
 * Events: `format` with the exact bytes from `^XA` to `^XZ` (minus any control commands that
 * arrived inside), `control` for each `~` command, `sgd` for each Set/Get/Do line outside a format
 * (`! U1 getvar "name"` up to its LF; Zebra Programming Guide, "SGD Command Structure"), and
 * `malformed` for garbage outside a format.
 * `~JX` discards the format in progress (its `control` event says `inFormat: true`).
 * The parser never throws and keeps its whole state across `push` calls, so a stream split at
 * any offset gives the same events.
 */
import { CARET, CR, LF, SPACE, TILDE, createByteBuffer } from "./bytes.ts";

export type ZplStreamMalformedCode =
  /** Bytes outside a format that are not a command (reported once per run). */
  | "garbage"
  /** A format command other than `^XA`, `^CC`, `^CT` outside a format. */
  | "command_outside_format"
  /** `^XA` inside a format: the unfinished format is dropped and a new one starts. */
  | "unterminated_format"
  /** The format grew past `maxFormatBytes`; it is discarded up to its `^XZ`. */
  | "format_too_long"
  /** A control prefix not followed by a two-character command name. */
  | "bad_control";

export type ZplStreamEvent =
  | {
      type: "format";
      /** The format exactly as received, `^XA` … `^XZ`, without interleaved control commands. */
      bytes: Uint8Array;
      /** Stream offset of the `^` of `^XA`. */
      offset: number;
    }
  | {
      type: "control";
      /** Upper-case command name without prefix, e.g. `HS`, `JA`, `HQ`. */
      command: string;
      /** Parameter text after the name, e.g. `ES` for `~HQES`; empty for most commands. */
      params: string;
      offset: number;
      /** True when the command arrived inside a format. */
      inFormat: boolean;
    }
  | {
      type: "sgd";
      /** The line from `!` up to (not including) its LF, CR removed, at most 256 characters. */
      line: string;
      offset: number;
    }
  | { type: "malformed"; code: ZplStreamMalformedCode; offset: number };

export interface ZplStreamParserOptions {
  /** Largest format kept, in bytes (default 8 MiB); bigger ones yield `format_too_long`. */
  maxFormatBytes?: number;
}

export interface ZplStreamParser {
  /** Feeds host bytes in any chunking; returns the events they complete. Never throws. */
  push(chunk: Uint8Array): ZplStreamEvent[];
  /** True between a `^XA` and its `^XZ` (the `~HS` "partial format" flag). */
  readonly inFormat: boolean;
  /** The current prefixes as byte values. */
  readonly formatPrefix: number;
  readonly controlPrefix: number;
}

/**
 * How many parameter bytes a control command takes. `0`: none, it acts as soon as its name is
 * complete (a printer answers `~HS` without waiting for more bytes). A number: exactly that many
 * bytes. `"open"`: up to the next prefix, CR or LF.
 */
function controlParamRule(name: string): number | "open" {
  switch (name) {
    case "HS": // host status
    case "HI": // host identification
    case "HM": // host RAM status
    case "HD": // head diagnostic
    case "HB": // battery status
    case "HL": // RFID log
    case "HU": // alert configuration
    case "JA": // cancel all
    case "JC": // media sensor calibration
    case "JD": // communications diagnostics on
    case "JE": // communications diagnostics off
    case "JG": // graph sensor calibration
    case "JL": // set label length
    case "JP": // pause and cancel format
    case "JQ": // terminate Zebra BASIC
    case "JR": // power-on reset
    case "JX": // cancel current partially input format
    case "PP": // programmable pause
    case "PS": // print start (resume)
    case "WC": // print configuration label
      return 0;
    case "CC": // change format prefix
    case "CT": // change control prefix
    case "CD": // change delimiter
    case "RV": // report RFID encoding results, E/D
      return 1;
    case "HQ": // host query, e.g. ~HQES
      return 2;
    default:
      return "open";
  }
}

const isNameByte = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x40;

const upper = (b: number): string => String.fromCharCode(b >= 0x61 && b <= 0x7a ? b - 0x20 : b);

/** Longest parameter text kept for an open-ended control command (e.g. `~DG` data). */
const MAX_CONTROL_PARAMS_KEPT = 256;

/** `!` — starts an SGD command line outside a format. */
const BANG = 0x21;
/** Longest SGD line kept (the rest of a longer line is dropped). */
const MAX_SGD_LINE = 256;

export function createZplStreamParser(options: ZplStreamParserOptions = {}): ZplStreamParser {
  const maxFormatBytes = options.maxFormatBytes ?? 8 * 1024 * 1024;
  let formatPrefix = CARET;
  let controlPrefix = TILDE;
  let pos = 0;

  let inFormat = false;
  const format = createByteBuffer(4096);
  let formatOffset = 0;
  let formatOverflow = false;
  let garbageRun = false;

  // Sub-states while a command name or its parameters are being read.
  type Sub =
    | { kind: "none" }
    | { kind: "caret"; name: string; bytes: number[]; offset: number }
    | { kind: "caretParam"; name: "CC" | "CT" }
    | { kind: "sgd"; line: string; offset: number }
    | { kind: "tilde"; name: string; offset: number }
    | {
        kind: "tildeParams";
        name: string;
        params: string;
        need: number | "open";
        offset: number;
        got: number;
      };
  let sub: Sub = { kind: "none" };

  const appendFormat = (b: number): void => {
    if (!inFormat || formatOverflow) return;
    if (format.length >= maxFormatBytes) {
      formatOverflow = true;
      format.clear();
      return;
    }
    format.push(b);
  };

  const finishControl = (
    events: ZplStreamEvent[],
    name: string,
    params: string,
    offset: number,
  ): void => {
    // Prefix changes take effect at once, also for the rest of the format in progress.
    if (params.length === 1 && name === "CC") formatPrefix = params.charCodeAt(0);
    if (params.length === 1 && name === "CT") controlPrefix = params.charCodeAt(0);
    events.push({ type: "control", command: name, params, offset, inFormat });
    // ~JX Cancel Current Partially Input Format (ZPL II Programming Guide, ~JX): the format being
    // received is thrown away; formats already complete, and whatever follows, are not touched.
    if (name === "JX" && inFormat) {
      inFormat = false;
      formatOverflow = false;
      format.clear();
    }
  };

  const resolveCaret = (
    events: ZplStreamEvent[],
    name: string,
    bytes: number[],
    offset: number,
  ): void => {
    if (name === "CC" || name === "CT") {
      sub = { kind: "caretParam", name };
      return;
    }
    sub = { kind: "none" };
    if (inFormat) {
      if (name === "XZ") {
        if (formatOverflow) {
          events.push({ type: "malformed", code: "format_too_long", offset: formatOffset });
        } else {
          events.push({ type: "format", bytes: format.take(), offset: formatOffset });
        }
        inFormat = false;
        formatOverflow = false;
        format.clear();
      } else if (name === "XA") {
        events.push({ type: "malformed", code: "unterminated_format", offset: formatOffset });
        format.clear();
        formatOverflow = false;
        for (const b of bytes) format.push(b);
        formatOffset = offset;
      }
      return;
    }
    if (name === "XA") {
      inFormat = true;
      formatOverflow = false;
      format.clear();
      for (const b of bytes) format.push(b);
      formatOffset = offset;
      return;
    }
    events.push({ type: "malformed", code: "command_outside_format", offset });
    garbageRun = true; // its parameters are part of the same bad run
  };

  const step = (b: number, events: ZplStreamEvent[]): void => {
    switch (sub.kind) {
      case "tilde": {
        if (isNameByte(b)) {
          sub.name += upper(b);
          if (sub.name.length === 2) {
            const need = controlParamRule(sub.name);
            if (need === 0) {
              finishControl(events, sub.name, "", sub.offset);
              sub = { kind: "none" };
            } else {
              sub = {
                kind: "tildeParams",
                name: sub.name,
                params: "",
                need,
                offset: sub.offset,
                got: 0,
              };
            }
          }
          return;
        }
        events.push({ type: "malformed", code: "bad_control", offset: sub.offset });
        sub = { kind: "none" };
        step(b, events); // the byte that broke the name is processed on its own
        return;
      }
      case "tildeParams": {
        if (sub.need === "open") {
          if (b === formatPrefix || b === controlPrefix || b === CR || b === LF) {
            finishControl(events, sub.name, sub.params, sub.offset);
            sub = { kind: "none" };
            step(b, events);
            return;
          }
          // ~DG carries a whole graphic in its parameters: kept up to the format size limit.
          const keep = sub.name === "DG" ? maxFormatBytes : MAX_CONTROL_PARAMS_KEPT;
          if (sub.params.length < keep) sub.params += String.fromCharCode(b);
          return;
        }
        sub.params += String.fromCharCode(b);
        sub.got++;
        if (sub.got >= sub.need) {
          finishControl(events, sub.name, sub.params, sub.offset);
          sub = { kind: "none" };
        }
        return;
      }
      case "caret": {
        if (b === controlPrefix) {
          // A control command cuts in before the name was complete: it still acts at once.
          sub = { kind: "tilde", name: "", offset: pos };
          return;
        }
        appendFormat(b);
        sub.bytes.push(b);
        sub.name += upper(b);
        if (sub.name.length === 2) resolveCaret(events, sub.name, sub.bytes, sub.offset);
        return;
      }
      case "caretParam": {
        appendFormat(b);
        if (sub.name === "CC") formatPrefix = b;
        else controlPrefix = b;
        sub = { kind: "none" };
        return;
      }
      case "sgd": {
        if (b === LF) {
          events.push({ type: "sgd", line: sub.line, offset: sub.offset });
          sub = { kind: "none" };
        } else if (b !== CR && sub.line.length < MAX_SGD_LINE) sub.line += String.fromCharCode(b);
        return;
      }
      case "none":
        break;
    }
    if (b === controlPrefix) {
      if (!inFormat) garbageRun = false;
      sub = { kind: "tilde", name: "", offset: pos };
      return;
    }
    if (b === formatPrefix) {
      if (!inFormat) garbageRun = false;
      appendFormat(b);
      sub = { kind: "caret", name: "", bytes: [b], offset: pos };
      return;
    }
    if (inFormat) {
      appendFormat(b);
      return;
    }
    if (b === BANG) {
      garbageRun = false;
      sub = { kind: "sgd", line: "!", offset: pos };
      return;
    }
    // Outside a format, white space between commands is ignored, as a printer does.
    if (b === SPACE || b === CR || b === LF || b === 0x09) return;
    if (!garbageRun) {
      garbageRun = true;
      events.push({ type: "malformed", code: "garbage", offset: pos });
    }
  };

  return {
    push(chunk) {
      const events: ZplStreamEvent[] = [];
      for (let i = 0; i < chunk.length; i++, pos++) step(chunk[i] ?? 0, events);
      return events;
    },
    get inFormat() {
      return inFormat;
    },
    get formatPrefix() {
      return formatPrefix;
    },
    get controlPrefix() {
      return controlPrefix;
    },
  };
}
