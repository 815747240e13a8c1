/**
 * Device-side simulator of a TSPL printer (DESIGN.md §6; reference/device-protocols.md §2, §9):
 * host bytes in, status bytes and printed jobs out through the sink. No I/O, no timers.
 *
 * - The stream goes through the device-side parser; a job is every byte since the previous job
 *   up to and including its `PRINT` line (immediate commands taken out), printed or held whole.
 * - `ESC ! ?` is answered with the status byte, `ESC ! S` with the 8-byte frame, `ESC ! R` resets.
 * - `~!T` is answered with the model name, `OUT GETSETTING$("SYSTEM","INFORMATION","SERIAL")`
 *   with the serial number (both configurable); neither is part of a job.
 * - Faults (head open, paper jam, media out, ribbon out, paused, cover open) hold jobs until they
 *   clear; `buffer_full` shows in `!S` b2; `garbage` puts junk before the next reply; silence
 *   leaves status requests unanswered.
 * - File memory (TSPL PM, "DOWNLOAD", "KILL", "PUTBMP"): `DOWNLOAD "NAME",size,…` stores a file
 *   (DRAM unless a memory letter is given), `KILL "NAME"` deletes it; a printed job's `preview` is
 *   the job preceded by the downloads of the stored files its `PUTBMP` lines name, so an
 *   interpreter without the printer's memory draws what the printer prints. A `PUTBMP` of a file
 *   not in memory prints nothing there and is counted (`missingFiles`). `restart()` is a power
 *   cycle: DRAM files, held jobs and faults are gone (files stored with a memory letter stay).
 */
import { concat } from "../../firmware-protocols/tspl/commands.ts";
import { createTsplStreamParser } from "../../firmware-protocols/tspl/stream-parser.ts";
import {
  SERIAL_SETTING,
  encodeModelNameReply,
  encodeOutReply,
} from "../../firmware-protocols/tspl/identity.ts";
import {
  encodeTsplExtendedStatus,
  encodeTsplStatusByte,
} from "../../firmware-protocols/tspl/status.ts";
import {
  createPrinterBuffer,
  createReplyChannel,
  switchFault,
  type PrinterSimulatorControls,
} from "../printer-buffer.ts";

export interface TsplSimulatorSink {
  reply(bytes: Uint8Array): void;
  /** A printed job; `preview` (when it uses stored files) is what to draw it from. */
  printed(job: { index: number; bytes: Uint8Array; preview?: Uint8Array }): void;
}

export const TSPL_FAULTS = [
  "head_open",
  "paper_jam",
  "media_out",
  "ribbon_out",
  "paused",
  "cover_open",
  "buffer_full",
] as const;
export type TsplFault = (typeof TSPL_FAULTS)[number];

export interface TsplSimulator extends PrinterSimulatorControls<TsplFault> {
  /** A power cycle: DRAM files, held jobs and faults are cleared. */
  restart(): void;
  state(): {
    faults: string[];
    held: number;
    printed: number;
    malformed: number;
    immediates: string[];
    /** Names of the stored files (`DOWNLOAD`), sorted. */
    files: string[];
    /** `PUTBMP` lines of printed jobs that named a file not in memory. */
    missingFiles: number;
  };
}

/**
 * `DOWNLOAD "NAME",size,<data>` CR LF for the preview, written for any name the printer accepted
 * (the host's encoder takes only the names labelgate itself uses).
 */
function downloadLine(name: string, data: Uint8Array): Uint8Array {
  const head = Uint8Array.from(`DOWNLOAD "${name}",${data.length},`, (c) => c.charCodeAt(0) & 0xff);
  return concat([head, data, Uint8Array.of(0x0d, 0x0a)]);
}

/** A `PUTBMP x,y,"NAME"` line; group 1 is the file name. */
const PUTBMP_LINE = /^PUTBMP [^\r\n"]*"([^"\r\n]+)"/gim;

/** Junk sent before the next status reply by the `garbage` fault (no STX among it). */
export const TSPL_GARBAGE = Uint8Array.of(0xff, 0x41, 0x0d, 0x0a, 0x00);

/** Who the simulated printer says it is. */
export interface TsplSimulatorIdentity {
  /** The `~!T` reply (default the synthetic `TE210`). */
  model?: string;
  /** `GETSETTING$("SYSTEM","INFORMATION","SERIAL")` (default the synthetic `T0SIM0000001`). */
  serial?: string;
}

export function createTsplSimulator(
  sink: TsplSimulatorSink,
  identity: TsplSimulatorIdentity = {},
): TsplSimulator {
  const model = identity.model ?? "TE210";
  const serial = identity.serial ?? "T0SIM0000001";
  const parser = createTsplStreamParser();
  const faults = new Set<TsplFault>();
  const immediates: string[] = [];
  let received: number[] = [];
  let malformed = 0;
  let missingFiles = 0;
  // name → content, and whether it was stored with a memory letter (flash: kept at power-off)
  const files = new Map<string, { data: Uint8Array; flash: boolean }>();

  const stops = (): boolean => [...faults].some((f) => f !== "buffer_full");
  const print = (bytes: Uint8Array, index: number): void => {
    // The job's PUTBMP x,y,"NAME" lines (TSPL PM, PUTBMP); the stored files they name go first.
    const text = new TextDecoder("latin1").decode(bytes);
    const names = [...new Set([...text.matchAll(PUTBMP_LINE)].map((m) => m[1] ?? ""))];
    const stored = names.filter((n) => files.has(n));
    missingFiles += names.length - stored.length;
    const preview =
      names.length === 0
        ? undefined
        : concat([
            ...stored.map((n) => downloadLine(n, files.get(n)?.data ?? new Uint8Array())),
            bytes,
          ]);
    sink.printed({ index, bytes, ...(preview !== undefined && { preview }) });
  };
  const channel = createReplyChannel((b) => sink.reply(b), TSPL_GARBAGE);
  const reply = channel.reply;
  /**
   * Jobs and `OUT` replies waiting while the printer is stopped by a fault, in buffer order: a
   * stopped printer does not work through its buffer [modelled; the manual does not say when an
   * `OUT` in the buffer is answered].
   */
  const buffer = createPrinterBuffer({ stopped: stops, print, reply });
  const statusByte = (): number =>
    encodeTsplStatusByte({
      headOpen: faults.has("head_open"),
      paperJam: faults.has("paper_jam"),
      paperOut: faults.has("media_out"),
      ribbonOut: faults.has("ribbon_out"),
      paused: faults.has("paused"),
      printing: false,
      coverOpen: faults.has("cover_open"),
      overTemperature: false,
    });
  const extended = (): Uint8Array => {
    const err = faults.has("media_out")
      ? "A"
      : faults.has("paper_jam")
        ? "B"
        : faults.has("ribbon_out")
          ? "D"
          : "@";
    const message = faults.has("paused") ? "`" : stops() ? "E" : "@";
    return encodeTsplExtendedStatus(message, faults.has("buffer_full") ? "H" : "@", "@", err);
  };

  return {
    receive(chunk) {
      for (const b of chunk) {
        received.push(b);
        for (const ev of parser.push(Uint8Array.of(b))) {
          if (ev.type === "malformed") malformed++;
          else if (ev.type === "download")
            files.set(ev.name, { data: ev.data, flash: ev.memory !== undefined });
          else if (ev.type === "command" && ev.name === "KILL") {
            // KILL [n,]"NAME" (TSPL PM, KILL): the last argument is the file name.
            const name = /"([^"]*)"\s*$/.exec(new TextDecoder("latin1").decode(ev.args))?.[1];
            if (name !== undefined) files.delete(name);
          } else if (ev.type === "immediate") {
            // An immediate command is not part of a job: take its three bytes back out.
            received.splice(-3, 3);
            immediates.push(ev.code);
            if (immediates.length > 256) immediates.shift();
            // ESC ! ? / ESC ! S / ESC ! R (TSPL PM, immediate commands).
            if (ev.code === "?") reply(Uint8Array.of(statusByte()));
            else if (ev.code === "S") reply(extended());
            else {
              buffer.clear();
              faults.clear();
            }
          } else if (ev.type === "command" && (ev.name === "~!T" || ev.name === "OUT")) {
            // Queries, not part of a job: the line comes back out of the job's bytes.
            received.splice(-(ev.end - ev.offset));
            const args = new TextDecoder("latin1").decode(ev.args).replace(/\s+/g, "");
            // `~` commands are answered only when the printer is ready (TSPL PM, "Document
            // Conventions"): a stopped printer (paper out, head open, paused…) ignores `~!T`.
            if (ev.name === "~!T") {
              if (!stops()) reply(encodeModelNameReply(model));
            } else if (args.toUpperCase() === SERIAL_SETTING) {
              buffer.reply(encodeOutReply(serial));
            }
          } else if (ev.type === "command" && ev.name === "PRINT") {
            const job = Uint8Array.from(received);
            received = [];
            buffer.job(job);
          }
        }
      }
    },
    setFault(condition, on) {
      // A cleared fault lets the held jobs print; a raised one stops the printer.
      if (switchFault(faults, channel, condition, on) && !on) buffer.flush();
    },
    setSilent: channel.setSilent,
    restart() {
      for (const [name, f] of files) if (!f.flash) files.delete(name);
      buffer.clear();
      faults.clear();
      received = [];
    },
    state() {
      return {
        faults: [...faults].sort(),
        held: buffer.heldJobs(),
        printed: buffer.printed(),
        malformed,
        immediates: [...immediates],
        files: [...files.keys()].sort(),
        missingFiles,
      };
    },
  };
}
