/**
 * Device-side simulator of a CPCL mobile printer (reference/device-protocols.md §4, §9). A label
 * is a `! … PRINT` session. `ESC h` / `ESC i` / `ESC v` are answered outside a session (inside
 * one, the reply waits for `PRINT`, as status commands work only outside sessions); `ESC N`
 * clears the reset bit. Faults: latch open, paper out (hold labels), low battery; `restart()`
 * sets the reset bit until `ESC N`; `garbage` puts junk before the next reply.
 */
import {
  createCpclStreamParser,
  encodeCpclStatus,
} from "../../firmware-protocols/cpcl/commands.ts";
import {
  createPrinterBuffer,
  createReplyChannel,
  switchFault,
  type PrinterSimulatorControls,
} from "../printer-buffer.ts";

export interface CpclSimulatorSink {
  reply(bytes: Uint8Array): void;
  printed(label: { index: number; bytes: Uint8Array }): void;
}

export const CPCL_FAULTS = ["head_open", "media_out", "battery_low"] as const;
export type CpclFault = (typeof CPCL_FAULTS)[number];

export interface CpclSimulator extends PrinterSimulatorControls<CpclFault> {
  restart(): void;
  state(): {
    faults: string[];
    held: number;
    printed: number;
    wasReset: boolean;
    inSession: boolean;
  };
}

/** Junk before the next reply (`garbage` fault): reserved bits set, so a reader can tell. */
export const CPCL_GARBAGE = Uint8Array.of(0xff, 0xe0);

export function createCpclSimulator(sink: CpclSimulatorSink): CpclSimulator {
  const parser = createCpclStreamParser();
  const faults = new Set<CpclFault>();
  const deferred: string[] = [];
  let session: number[] | undefined;
  let pendingEsc = false;
  let wasReset = false;

  const stops = (): boolean => faults.has("head_open") || faults.has("media_out");
  const channel = createReplyChannel((b) => sink.reply(b), CPCL_GARBAGE);
  const reply = channel.reply;
  /** Labels waiting while a fault stops the printer, in order. */
  const buffer = createPrinterBuffer({
    stopped: stops,
    print: (bytes, index) => sink.printed({ index, bytes }),
    reply,
  });
  const answer = (code: string): void => {
    if (code === "h") {
      reply(
        Uint8Array.of(
          encodeCpclStatus({
            busy: buffer.heldJobs() > 0,
            paperOut: faults.has("media_out"),
            latchOpen: faults.has("head_open"),
            batteryLow: faults.has("battery_low"),
            wasReset,
          }),
        ),
      );
    } else if (code === "i") reply(Uint8Array.of(0));
    else if (code === "v")
      reply(
        Uint8Array.of(...Array.from("ZQ630,V85.20.14Z,XXQLJ000000", (c) => c.charCodeAt(0)), 0),
      );
    else if (code === "N") wasReset = false;
  };
  return {
    receive(chunk) {
      for (const b of chunk) {
        // Bytes of a session are kept exactly, ESC sequences outside a session are not.
        if (session !== undefined) session.push(b);
        else if (b === 0x21 && !pendingEsc) session = [b];
        pendingEsc = b === 0x1b && session === undefined;
        for (const ev of parser.push(Uint8Array.of(b))) {
          if (ev.type === "immediate") {
            if (session !== undefined) deferred.push(ev.code);
            else answer(ev.code);
          } else if (
            ev.type === "line" &&
            session !== undefined &&
            String.fromCharCode(...ev.bytes) === "PRINT"
          ) {
            const bytes = Uint8Array.from(session);
            session = undefined;
            buffer.job(bytes);
            for (const code of deferred.splice(0)) answer(code);
          }
        }
      }
    },
    setFault(condition, on) {
      if (switchFault(faults, channel, condition, on)) buffer.flush();
    },
    setSilent: channel.setSilent,
    restart() {
      buffer.clear();
      session = undefined;
      wasReset = true;
    },
    state() {
      return {
        faults: [...faults].sort(),
        held: buffer.heldJobs(),
        printed: buffer.printed(),
        wasReset,
        inSession: session !== undefined,
      };
    },
  };
}
