/**
 * Hosting of RFID simulators for the daemon and tests: the R2000 encoder simulator with a tag
 * field, its fault switches, and the tag-memory files `<dataDir>/sim/<device>/<n>.json` (the
 * whole field's memory after each write or lock, n counting on from the files already there).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { blankTag, createTagField, type TagField } from "../../drivers/rfid/tag-field.ts";
import { createR2000Simulator, type R2000Simulator } from "../../drivers/uhf-r2000/simulator.ts";
import {
  createZplRfidSimulator,
  type ZplRfidSimulator,
} from "../../drivers/zebra-zpl/rfid-simulator.ts";
import type { SimulatorSink } from "./tcp-host.ts";

/** Fault names of a hosted RFID simulator (`SimulatorFaults.set`). */
export const RFID_FAULTS = [
  "no_tag",
  "multiple_tags",
  "foreign_lock",
  "weak_signal",
  "fail_write",
  "half_write",
  "antenna_missing",
  "garbage",
  "bad_checksum",
  "mute_after_write",
] as const;
export type RfidFault = (typeof RFID_FAULTS)[number];
export const isRfidFault = (c: string): c is RfidFault =>
  (RFID_FAULTS as readonly string[]).includes(c);

/** Writes each tag-memory snapshot to `<dir>/<n>.json`, in order, off the receive path. */
export function createTagMemoryFiles(dir: string): {
  write(bytes: Uint8Array): void;
  flush(): Promise<void>;
} {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  for (const name of readdirSync(dir)) {
    const m = /^([0-9]+)\.json$/.exec(name);
    if (m?.[1] !== undefined) n = Math.max(n, Number(m[1]));
  }
  let chain: Promise<void> = Promise.resolve();
  return {
    write(bytes) {
      n++;
      const file = join(dir, `${n}.json`);
      const copy = bytes.slice();
      chain = chain.then(() => writeFile(file, copy)).catch(() => undefined);
    },
    flush: () => chain,
  };
}

/**
 * Applies a fault to a tag field (and the R2000 simulator's line faults). `no_tag` empties the
 * field; clearing it puts one blank tag back. `multiple_tags` adds a second tag; `foreign_lock`
 * puts a tag locked with somebody else's password in place of the first.
 */
export function setRfidFault(
  field: TagField,
  fault: RfidFault,
  on: boolean,
  r2000?: R2000Simulator,
): void {
  switch (fault) {
    case "no_tag":
      field.tags.splice(0, field.tags.length, ...(on ? [] : [blankTag({ serial: 1 })]));
      return;
    case "multiple_tags":
      if (on) field.tags.push(blankTag({ serial: 2, rssi: 0x90 }));
      else field.tags.splice(1);
      return;
    case "foreign_lock": {
      const t = blankTag({ serial: 3 });
      if (on) {
        new DataView(t.reserved.buffer).setUint32(4, 0x0badf00d);
        t.locks.epc = "locked";
        t.locks.access_password = "locked";
      }
      field.tags.splice(0, 1, t);
      return;
    }
    case "weak_signal":
      field.faults.weakSignal = on;
      return;
    case "fail_write":
      field.faults.failWrites = on ? 1_000_000 : 0;
      return;
    case "half_write":
      field.faults.halfWrites = on ? 1_000_000 : 0;
      return;
    case "antenna_missing":
      field.faults.antennaMissing = on;
      return;
    case "garbage":
    case "bad_checksum":
    case "mute_after_write":
      r2000?.setFault(fault, on);
      return;
  }
}

/** An R2000 simulator over a field with one blank tag, writing tag memory under `dir`. */
export function createHostedR2000(
  sink: SimulatorSink,
  dir: string,
): { simulator: R2000Simulator; field: TagField; files: ReturnType<typeof createTagMemoryFiles> } {
  const field = createTagField([blankTag({ serial: 1 })]);
  const files = createTagMemoryFiles(dir);
  const simulator = createR2000Simulator({
    field,
    sink: { reply: (b) => sink.reply(b), printed: ({ bytes }) => files.write(bytes) },
  });
  return { simulator, field, files };
}

/**
 * A ZPL printer simulator with an RFID encoder (drivers/zebra-zpl/rfid-simulator.ts). Its field
 * holds one blank inlay when the device's model names RFID (`"… RFID …"`, as the demo's
 * `zpl-rfid-1`), else none: a plain printer voids every label it is asked to encode. Tag memory
 * after each encode goes to `<dir>/<n>.json`.
 */
export function createHostedZplRfid(
  sink: SimulatorSink,
  model: string | undefined,
  dir: string,
): {
  simulator: ZplRfidSimulator;
  field: TagField;
  files: ReturnType<typeof createTagMemoryFiles>;
} {
  const field = createTagField(/RFID/i.test(model ?? "") ? [blankTag({ serial: 1 })] : []);
  const files = createTagMemoryFiles(dir);
  // The label odometer (odometer.total_label_count) outlives the process, as a printer's
  // non-volatile counter outlives a power cycle: read at start, written synchronously on every
  // print before the label's own file, so the count never runs behind what came out.
  const odometer = join(dir, "odometer");
  const labelCount = existsSync(odometer) ? Number(readFileSync(odometer, "utf8")) || 0 : 0;
  const simulator: ZplRfidSimulator = createZplRfidSimulator({
    sink: {
      reply: (b) => sink.reply(b),
      printed: (f) => {
        writeFileSync(odometer, String(simulator.state().labelCount));
        sink.printed(f);
      },
    },
    field,
    labelCount,
    onTagMemory: (b) => files.write(b),
  });
  return { simulator, field, files };
}
