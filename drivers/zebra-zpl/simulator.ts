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
 * - `~DG` stores a graphic in memory after checking its Z64/B64 CRC (a bad one is refused and
 *   counted); `^XG` recalls it: a printed format's `preview` has each `^XG` replaced by the stored
 *   graphic as `^GF`, so a renderer that has no printer memory draws what the printer prints;
 *   `^ID` deletes; a format holding `^DF` is stored, not printed, and `^XF` recalls it;
 *   `~JR` (or {@link ZplSimulator.restart}) clears memory like a power cycle;
 * - `! U1 getvar "odometer.total_label_count"` is answered with the lifetime label count in
 *   quotes (firmware-protocols/zpl/sgd.ts); the count survives a power cycle (it is the printer's
 *   non-volatile odometer) and starts at {@link ZplSimulatorOptions.labelCount}, so a host that
 *   stores it can carry it across restarts of the simulator itself;
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
import { STX, decodeLatin1 } from "../../firmware-protocols/zpl/bytes.ts";
import {
  OBJECT_REF,
  decodeGraphicData,
  encodeZ64,
  objectNames,
} from "../../firmware-protocols/zpl/graphics.ts";
import { encodeHqesReply, HQES_ERROR } from "../../firmware-protocols/zpl/hqes.ts";
import {
  encodeSgdValue,
  parseSgdCommand,
  SGD_TOTAL_LABEL_COUNT,
} from "../../firmware-protocols/zpl/sgd.ts";
import { unzlibSync, zlibSync } from "fflate";

/** Where the simulator's outputs go. Both calls are synchronous, from inside `receive()`. */
export interface ZplSimulatorSink {
  /** Bytes the printer sends back to the host. */
  reply(bytes: Uint8Array): void;
  /**
   * A format the printer printed; `index` counts printed formats from 1 (this instance),
   * `labelCount` is the odometer after it (one label per format).
   */
  printed(format: {
    index: number;
    bytes: Uint8Array;
    preview?: Uint8Array;
    labelCount?: number;
  }): void;
}

export type ZplSimulatorFault = "media_out" | "head_open" | "ribbon_out" | "paused";

export interface ZplSimulatorOptions {
  sink: ZplSimulatorSink;
  /** The `~HI` reply; default the real ZT410 reply `ZT410-200dpi,V75.19.15Z,8,4096KB`. */
  identity?: string;
  /** The `~HQSN` serial number; default the synthetic `99J204600001`. */
  serialNumber?: string;
  /** Formats the receive buffer holds before `~HS` reports it full (default 100). */
  bufferCapacity?: number;
  /** Label length reported in `~HS` dddd, in dots (default 1200). */
  labelLengthDots?: number;
  /** The odometer's `odometer.total_label_count` at power-on (default 0). */
  labelCount?: number;
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
  /** The lifetime label count (`odometer.total_label_count`). */
  labelCount: number;
  /** Formats dropped by `~JA`. */
  cancelled: number;
  /** `malformed` events from the stream parser. */
  malformed: number;
  /** The most recent control commands seen, in order (e.g. `HS`, `HQES`). */
  controls: string[];
  /** A format has started (`^XA`) but not ended. */
  partialFormat: boolean;
  /** Graphics held in memory (`~DG`), by name. */
  graphics: string[];
  /** `~DG` downloads refused (bad CRC, bad data, size mismatch). */
  badGraphics: number;
  /** `^XG` / `^XF` recalls of an object not in memory (a real printer prints nothing there). */
  missingGraphics: number;
}

export interface ZplSimulator {
  /** Host → device bytes, in any chunking. */
  receive(chunk: Uint8Array): void;
  /** Raises or clears a fault. Clearing the last one prints the held formats in order. */
  setFault(condition: ZplSimulatorFault | "garbage", on: boolean): void;
  /** While on, `~HS` goes unanswered, like a real printer in some error states. */
  setSilent(on: boolean): void;
  /** A power cycle: memory (`R:` graphics), held formats and faults are cleared. */
  restart(): void;
  /**
   * Adds labels that came out besides the printed formats (an RFID printer's VOID labels, one
   * per failed inlay) to the odometer, as a real printer counts every label it feeds out.
   */
  countLabels(n: number): void;
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

/** A stored graphic enlarged sx × sy, as `^GF` data; undefined when its data cannot be read. */
function magnify(
  g: { total: number; perRow: number; data: string },
  sx: number,
  sy: number,
): { total: number; perRow: number; data: string } | undefined {
  const d = decodeGraphicData(g.data);
  let raw: Uint8Array;
  if (d.type === "z64") raw = unzlibSync(d.deflated);
  else if (d.type === "b64" || d.type === "hex") raw = d.raw;
  else return undefined;
  const rows = Math.floor(raw.length / g.perRow);
  const perRow = Math.ceil((g.perRow * 8 * sx) / 8);
  const out = new Uint8Array(perRow * rows * sy);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < g.perRow * 8; x++) {
      if (((raw[y * g.perRow + (x >> 3)] ?? 0) & (0x80 >> (x & 7))) === 0) continue;
      for (let yy = 0; yy < sy; yy++)
        for (let xx = 0; xx < sx; xx++) {
          const X = x * sx + xx;
          const i = (y * sy + yy) * perRow + (X >> 3);
          out[i] = (out[i] ?? 0) | (0x80 >> (X & 7));
        }
    }
  }
  return { total: out.length, perRow, data: encodeZ64(zlibSync(out)) };
}

export function createZplSimulator(options: ZplSimulatorOptions): ZplSimulator {
  const { sink } = options;
  const identity = options.identity ?? "ZT410-200dpi,V75.19.15Z,8,4096KB";
  const serialNumber = options.serialNumber ?? "99J204600001";
  const bufferCapacity = options.bufferCapacity ?? 100;
  const parser = createZplStreamParser();
  const faults = new Set<ZplSimulatorFault>();
  const held: Uint8Array[] = [];
  const controls: string[] = [];
  let silent = false;
  let garbagePending = false;
  let printed = 0;
  let labelCount = options.labelCount ?? 0;
  let cancelled = 0;
  let malformed = 0;
  const graphics = new Map<string, { total: number; perRow: number; data: string }>();
  const formats = new Map<string, string>();
  let badGraphics = 0;
  let missingGraphics = 0;

  const storeGraphic = (params: string): void => {
    // ~DGd:o.x,t,w,data (ZPL II PG, ~DG Download Graphics): d defaults to R:, .GRF is appended.
    const m = new RegExp(`^(${OBJECT_REF}),(\\d+),(\\d+),(.*)$`, "s").exec(params);
    const name = objectNames(m?.[1] ?? "", "GRF")[0];
    const decoded = m ? decodeGraphicData(m[4] ?? "") : undefined;
    if (!m || name === undefined || decoded === undefined || decoded.type === "malformed") {
      badGraphics++;
      return;
    }
    graphics.set(name, { total: Number(m[2]), perRow: Number(m[3]), data: m[4] ?? "" });
  };

  /**
   * A format holding `^DF<name>^FS` is stored under the name, not printed (ZPL II PG, ^DF
   * Download Format). Returns true when it was.
   */
  const storeFormat = (bytes: Uint8Array): boolean => {
    const text = decodeLatin1(bytes);
    // ^DFd:o.x: d defaults to R:, x is fixed at .ZPL (ZPL II PG, ^DF).
    const m = new RegExp(`\\^DF(${OBJECT_REF})\\^FS`, "i").exec(text);
    const name = objectNames(m?.[1] ?? "", "ZPL")[0];
    if (m === null || name === undefined) return false;
    const body = text.slice(m.index + m[0].length).replace(/\^XZ$/i, "");
    formats.set(name, body);
    return true;
  };

  /**
   * The format with `^XF` recalls replaced by the stored formats, `^XG` recalls by `^GF` of the
   * stored graphics, and `^ID` applied: what a renderer without printer memory must draw.
   */
  const expandGraphics = (bytes: Uint8Array): Uint8Array | undefined => {
    const text = decodeLatin1(bytes);
    if (!/\^XG|\^ID|\^XF/i.test(text)) return undefined;
    const out = text
      .replace(/\^ID([REBA]:[A-Z0-9_]{1,8}\.(GRF|ZPL))/gi, (_all, name: string) => {
        graphics.delete(name.toUpperCase());
        formats.delete(name.toUpperCase());
        return "";
      })
      .replace(new RegExp(`\\^XF(${OBJECT_REF})(\\^FS)?`, "gi"), (_all, ref: string) => {
        // Without a device, the first of R:, E:, B:, A: that holds it (ZPL II PG, ^XF).
        const name = objectNames(ref, "ZPL").find((n) => formats.has(n));
        const f = name === undefined ? undefined : formats.get(name);
        if (f === undefined) missingGraphics++;
        return f ?? "";
      })
      .replace(
        new RegExp(`\\^XG(${OBJECT_REF})(?:,(\\d*))?(?:,(\\d*))?`, "gi"),
        (_all, ref: string, mx?: string, my?: string) => {
          // Without a device, the first of R:, E:, B:, A: that holds it (ZPL II PG, ^XG).
          const name = objectNames(ref, "GRF").find((n) => graphics.has(n));
          const g = name === undefined ? undefined : graphics.get(name);
          if (g === undefined) {
            missingGraphics++;
            return "";
          }
          const sx = Math.min(10, Math.max(1, Number(mx || 1)));
          const sy = Math.min(10, Math.max(1, Number(my || 1)));
          if (sx === 1 && sy === 1) return `^GFA,${g.total},${g.total},${g.perRow},${g.data}`;
          // ^GF has no magnification: draw the stored dots enlarged (ZPL II PG, ^XG mx, my).
          const big = magnify(g, sx, sy);
          return big === undefined
            ? ""
            : `^GFA,${big.total},${big.total},${big.perRow},${big.data}`;
        },
      );
    // The text came from bytes one char per byte: map back the same way (UTF-8 stays intact).
    const back = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) back[i] = out.charCodeAt(i) & 0xff;
    return back;
  };

  const print = (bytes: Uint8Array): void => {
    printed++;
    labelCount++;
    const preview = expandGraphics(bytes);
    sink.printed({ index: printed, bytes, labelCount, ...(preview !== undefined && { preview }) });
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

  const hqesReply = (): Uint8Array =>
    encodeHqesReply(
      (faults.has("media_out") ? HQES_ERROR.mediaOut : 0) |
        (faults.has("ribbon_out") ? HQES_ERROR.ribbonOut : 0) |
        (faults.has("head_open") ? HQES_ERROR.headOpen : 0) |
        (faults.has("paused") ? HQES_ERROR.paused : 0),
      0,
    );

  const onEvent = (ev: ZplStreamEvent): void => {
    switch (ev.type) {
      case "format":
        if (storeFormat(ev.bytes)) return;
        if (faults.size > 0 || held.length > 0) held.push(ev.bytes);
        else print(ev.bytes);
        return;
      case "malformed":
        malformed++;
        return;
      case "sgd": {
        // Only the label counter is answered; other names are left to wrappers (the RFID
        // printer answers rfid.error.response) and go unanswered here.
        const c = parseSgdCommand(ev.line);
        if (!silent && c?.verb === "getvar" && c.name === SGD_TOTAL_LABEL_COUNT)
          sink.reply(encodeSgdValue(String(labelCount)));
        return;
      }
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
          case "HQ":
            // ~HQSN: heading and value lines in one frame (identity.ts documents the layout).
            if (!silent && ev.params.toUpperCase() === "SN")
              sink.reply(frameString(`\r\nSERIAL NUMBER\r\n${serialNumber}\r\n`));
            // ~HQES: the error / warning bitmasks of the faults (reference §1.3).
            if (!silent && ev.params.toUpperCase() === "ES") sink.reply(hqesReply());
            return;
          case "JA":
            cancelled += held.length;
            held.length = 0;
            return;
          case "DG":
            storeGraphic(ev.params);
            return;
          case "JR":
            restart();
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

  function restart(): void {
    graphics.clear();
    formats.clear();
    held.length = 0;
    faults.clear();
  }

  return {
    restart,
    countLabels(n) {
      labelCount += Math.max(0, Math.floor(n));
    },
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
        labelCount,
        cancelled,
        malformed,
        controls: [...controls],
        partialFormat: parser.inFormat,
        graphics: [...graphics.keys()].sort(),
        badGraphics,
        missingGraphics,
      };
    },
  };
}
