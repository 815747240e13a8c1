/**
 * Device-side simulator of a ZPL printer (DESIGN.md §6): host bytes in, device bytes and printed
 * formats out through an injected sink. No I/O, no timers: `src/simulators/` hosts it on a
 * transport.
 *
 * Behaviour (reference/device-protocols.md §1.1, §1.2, §9):
 * - the stream is split into formats by the device-side parser; `~` commands act at once, also
 *   in the middle of a format;
 * - `~HS` is answered with the three real status strings (held formats are counted in eee);
 * - `~HI` is answered with the identity string, `~JA` cancels the held formats, `~PP`/`~PS`
 *   pause and resume;
 * - while a fault (media out, head open, ribbon out) or a pause is active, formats are held, as
 *   a printer keeps them in its buffer, and printed in order once everything has cleared.
 */
import {
  createZplStreamParser,
  type ZplStreamEvent,
} from "../../firmware-protocols/zpl/stream-parser.ts";
import {
  encodeHostStatus,
  frameString,
  idleHostStatus,
} from "../../firmware-protocols/zpl/host-status.ts";
import { STX } from "../../firmware-protocols/zpl/bytes.ts";

/** Where the simulator's outputs go. Both calls are synchronous, from inside `receive()`. */
export interface ZplSimulatorSink {
  /** Bytes the printer sends back to the host. */
  reply(bytes: Uint8Array): void;
  /** A format the printer printed; `index` counts printed formats from 1. */
  printed(format: { index: number; bytes: Uint8Array }): void;
}

export type ZplSimulatorFault = "media_out" | "head_open" | "ribbon_out" | "paused";

export interface ZplSimulatorOptions {
  sink: ZplSimulatorSink;
  /** The `~HI` reply; default the real ZT410 reply `ZT410-200dpi,V75.19.15Z,8,4096KB`. */
  identity?: string;
  /** Formats the receive buffer holds before `~HS` reports it full (default 100). */
  bufferCapacity?: number;
  /** Label length reported in `~HS` dddd, in dots (default 1200). */
  labelLengthDots?: number;
}

export interface ZplSimulatorState {
  faults: ZplSimulatorFault[];
  silent: boolean;
  /** True while the next `~HS` reply is to be preceded by junk bytes. */
  garbagePending: boolean;
  /** Formats received but held (fault or pause). */
  held: number;
  /** Formats printed so far. */
  printed: number;
  /** Formats dropped by `~JA`. */
  cancelled: number;
  /** `malformed` events from the stream parser. */
  malformed: number;
  /** The most recent control commands seen, in order (e.g. `HS`, `HQES`). */
  controls: string[];
  /** A format has started (`^XA`) but not ended. */
  partialFormat: boolean;
}

export interface ZplSimulator {
  /** Host → device bytes, in any chunking. */
  receive(chunk: Uint8Array): void;
  /** Raises or clears a fault. Clearing the last one prints the held formats in order. */
  setFault(condition: ZplSimulatorFault | "garbage", on: boolean): void;
  /** While on, `~HS` goes unanswered, like a real printer in some error states. */
  setSilent(on: boolean): void;
  state(): ZplSimulatorState;
}

/**
 * Junk put before the next `~HS` reply by the "garbage" fault: stray bytes outside any frame, a
 * frame opened by STX and never closed, and a stray CR — everything a decoder must skip before
 * it resynchronizes on the real reply's STX.
 */
export const GARBAGE_BEFORE_STATUS = Uint8Array.of(0x00, 0xff, 0x41, 0x0d, STX, 0x39, 0x39, 0x2c);

/** Control commands remembered for `state().controls` (the most recent ones). */
const MAX_CONTROLS_KEPT = 256;

export function createZplSimulator(options: ZplSimulatorOptions): ZplSimulator {
  const { sink } = options;
  const identity = options.identity ?? "ZT410-200dpi,V75.19.15Z,8,4096KB";
  const bufferCapacity = options.bufferCapacity ?? 100;
  const parser = createZplStreamParser();
  const faults = new Set<ZplSimulatorFault>();
  const held: Uint8Array[] = [];
  const controls: string[] = [];
  let silent = false;
  let garbagePending = false;
  let printed = 0;
  let cancelled = 0;
  let malformed = 0;

  const print = (bytes: Uint8Array): void => {
    printed++;
    sink.printed({ index: printed, bytes });
  };

  const flushHeld = (): void => {
    while (faults.size === 0 && held.length > 0) {
      const next = held.shift();
      if (next !== undefined) print(next);
    }
  };

  const statusReply = (): Uint8Array => {
    const s = idleHostStatus();
    s.paperOut = faults.has("media_out");
    s.paused = faults.has("paused");
    s.headUp = faults.has("head_open");
    s.ribbonOut = faults.has("ribbon_out");
    s.formatsInBuffer = Math.min(999, held.length);
    s.bufferFull = held.length >= bufferCapacity;
    s.partialFormat = parser.inFormat;
    s.labelLengthDots = options.labelLengthDots ?? s.labelLengthDots;
    return encodeHostStatus(s);
  };

  const onEvent = (ev: ZplStreamEvent): void => {
    switch (ev.type) {
      case "format":
        if (faults.size > 0 || held.length > 0) held.push(ev.bytes);
        else print(ev.bytes);
        return;
      case "malformed":
        malformed++;
        return;
      case "control":
        controls.push(ev.command + ev.params);
        if (controls.length > MAX_CONTROLS_KEPT) controls.shift();
        switch (ev.command) {
          case "HS":
            if (silent) return;
            if (garbagePending) {
              garbagePending = false;
              sink.reply(GARBAGE_BEFORE_STATUS.slice());
            }
            sink.reply(statusReply());
            return;
          case "HI":
            if (!silent) sink.reply(frameString(identity));
            return;
          case "JA":
            cancelled += held.length;
            held.length = 0;
            return;
          case "PP":
            faults.add("paused");
            return;
          case "PS":
            faults.delete("paused");
            flushHeld();
            return;
          default:
            return; // other control commands are accepted and ignored
        }
    }
  };

  return {
    receive(chunk) {
      for (const ev of parser.push(chunk)) onEvent(ev);
    },
    setFault(condition, on) {
      if (condition === "garbage") {
        garbagePending = on;
        return;
      }
      if (on) faults.add(condition);
      else {
        faults.delete(condition);
        flushHeld();
      }
    },
    setSilent(on) {
      silent = on;
    },
    state() {
      return {
        faults: [...faults].sort(),
        silent,
        garbagePending,
        held: held.length,
        printed,
        cancelled,
        malformed,
        controls: [...controls],
        partialFormat: parser.inFormat,
      };
    },
  };
}
