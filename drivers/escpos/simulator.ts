/**
 * Device-side simulator of an ESC/POS printer (reference/device-protocols.md §3, §9): host bytes
 * in, status bytes and printed labels out. A label is every byte up to and including a cut
 * (`GS V`). `DLE EOT n` is answered at once with one byte; `GS I n` (n = 65–69) with its printer
 * information block (model, serial, firmware configurable); with `GS a n` enabled, a 4-byte ASB
 * block is pushed whenever a fault changes. Faults (cover open, paper end, near end, cutter
 * error) hold labels until they clear; `garbage` puts junk before the next reply. `GS I` is a
 * buffered command: while the printer is offline it is kept in order with the held labels and
 * answered when the fault clears (Epson ESC/POS references, GS I notes: stored in the receive
 * buffer and executed in normal command processing, so the reply lags; an offline printer does
 * not process its buffer, TM-T85 manual, ESC v notes).
 */
import {
  encodeAsb,
  encodeRealtimeReplies,
  type EscposRealtimeStatus,
} from "../../firmware-protocols/escpos/status.ts";
import { createEscposStreamParser } from "../../firmware-protocols/escpos/stream-parser.ts";
import {
  PRINTER_INFO,
  encodePrinterInfoReply,
} from "../../firmware-protocols/escpos/printer-info.ts";
import {
  createPrinterBuffer,
  createReplyChannel,
  switchFault,
  type PrinterSimulatorControls,
} from "../printer-buffer.ts";

export interface EscposSimulatorSink {
  reply(bytes: Uint8Array): void;
  printed(label: { index: number; bytes: Uint8Array }): void;
}

export const ESCPOS_FAULTS = ["cover_open", "media_out", "media_near_end", "cutter_fault"] as const;
export type EscposFault = (typeof ESCPOS_FAULTS)[number];

export interface EscposSimulator extends PrinterSimulatorControls<EscposFault> {
  state(): { faults: string[]; held: number; printed: number; malformed: number; asb: boolean };
}

export const ESCPOS_GARBAGE = Uint8Array.of(0xff, 0x00, 0x41);

/** Who the simulated printer says it is (`GS I` printer information B). */
export interface EscposSimulatorIdentity {
  /** `GS I 67` (default the synthetic `TM-T88VI`); null: the printer ignores that `n`. */
  model?: string | null;
  /** `GS I 68` (default the synthetic `X5SIM000001`); null: not supported (ignored). */
  serial?: string | null;
  /** `GS I 65` (default `30.01 ESC/POS`); null: not supported (ignored). */
  firmware?: string | null;
}

export function createEscposSimulator(
  sink: EscposSimulatorSink,
  identity: EscposSimulatorIdentity = {},
): EscposSimulator {
  // GS I n, n = 65–69: printer information B (Epson ESC/POS Command Reference, "GS I").
  const info: Record<number, string | null> = {
    [PRINTER_INFO.FIRMWARE]: identity.firmware === undefined ? "30.01 ESC/POS" : identity.firmware,
    [PRINTER_INFO.MAKER]: "SIMULATED",
    [PRINTER_INFO.MODEL]: identity.model === undefined ? "TM-T88VI" : identity.model,
    [PRINTER_INFO.SERIAL]: identity.serial === undefined ? "X5SIM000001" : identity.serial,
    [PRINTER_INFO.TYPE]: "INTERNATIONAL",
  };
  const parser = createEscposStreamParser();
  const faults = new Set<EscposFault>();
  let job: number[] = [];
  let asb = false;
  let malformed = 0;

  const status = (): EscposRealtimeStatus => ({
    offline: faults.has("cover_open") || faults.has("media_out") || faults.has("cutter_fault"),
    coverOpen: faults.has("cover_open"),
    paperEndStop: faults.has("media_out"),
    errorOccurred: faults.has("cutter_fault"),
    autocutterError: faults.has("cutter_fault"),
    unrecoverableError: false,
    autoRecoverableError: false,
    paperNearEnd: faults.has("media_near_end"),
    paperEnd: faults.has("media_out"),
  });
  const stops = (): boolean => [...faults].some((f) => f !== "media_near_end");
  const channel = createReplyChannel((b) => sink.reply(b), ESCPOS_GARBAGE);
  const reply = channel.reply;
  /** Labels and `GS I` replies waiting while the printer is offline, in buffer order. */
  const buffer = createPrinterBuffer({
    stopped: stops,
    print: (bytes, index) => sink.printed({ index, bytes }),
    reply,
  });

  return {
    receive(chunk) {
      for (const b of chunk) {
        job.push(b);
        for (const ev of parser.push(Uint8Array.of(b))) {
          if (ev.type === "malformed") malformed++;
          else if (ev.type === "realtime") {
            const r = encodeRealtimeReplies(status());
            if (ev.n >= 1 && ev.n <= 4) reply(Uint8Array.of(r[ev.n - 1] ?? 0x12));
            // DLE EOT is not part of a label: take its three bytes back out of the job.
            job.splice(-3, 3);
          } else if (ev.type === "command" && ev.name === "GS I") {
            // A query, not part of a label: its three bytes come back out of the job.
            job.splice(-3, 3);
            const text = info[ev.params[0] ?? 0];
            if (text === undefined || text === null) continue;
            buffer.reply(encodePrinterInfoReply(text));
          } else if (ev.type === "command" && ev.name === "GS a") {
            asb = (ev.params[0] ?? 0) !== 0;
          } else if (ev.type === "command" && ev.name === "GS V") {
            const bytes = Uint8Array.from(job);
            job = [];
            buffer.job(bytes);
          }
        }
      }
    },
    setFault(condition, on) {
      if (!switchFault(faults, channel, condition, on)) return;
      if (asb) reply(encodeAsb(status()));
      buffer.flush();
    },
    setSilent: channel.setSilent,
    state() {
      return {
        faults: [...faults].sort(),
        held: buffer.heldJobs(),
        printed: buffer.printed(),
        malformed,
        asb,
      };
    },
  };
}
