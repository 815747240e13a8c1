/**
 * Device-side simulator of an R2000 UHF encoder (reference/device-protocols.md §5.2, §9): `0xA0`
 * frames in, replies out, over a shared {@link TagField}. No I/O, no timers; `src/simulators/`
 * hosts it on a serial PTY, loopback TCP or an in-memory transport.
 *
 * Answers 0x72 (firmware), 0x68 (reader identifier), 0x76/0x77 (output power), 0x89 (real-time inventory: one record per
 * tag, then the round end), 0x81 read, 0x82 write, 0x83 lock, each with the result codes of the
 * reference table. After every write or lock it hands the whole field's memory to
 * `sink.printed` as JSON (the host writes it as `<n>.json`). Faults: antenna missing (0x22),
 * bad checksum on the next reply, garbage before the next reply, silence.
 */
import {
  CMD,
  createR2000Decoder,
  encodeFirmwareReply,
  encodeReaderIdentifierReply,
  encodeInventoryEnd,
  encodeInventoryTag,
  encodeOutputPowerReply,
  encodeResultReply,
  encodeTagOperationReply,
  LOCK_REGION,
  LOCK_TYPE,
  MEMBANK,
  SUCCESS,
  type FirmwareVersion,
} from "../../firmware-protocols/r2000/index.ts";
import {
  createTagField,
  tagEpc,
  type Bank,
  type LockRegion,
  type LockState,
  type SimTag,
  type TagField,
  type TagOpResult,
} from "../rfid/tag-field.ts";

export interface R2000SimulatorSink {
  reply(bytes: Uint8Array): void;
  /** The field's tag memory (JSON, UTF-8) after a write or lock; `index` counts from 1. */
  printed(out: { index: number; bytes: Uint8Array }): void;
}

/**
 * `mute_after_write`: the next write is carried out on the tag but never answered, and the reader
 * stays silent from then on (power cut, cable pulled mid-write) until the fault is cleared.
 */
export type R2000SimulatorFault =
  "antenna_missing" | "bad_checksum" | "garbage" | "mute_after_write";

export interface R2000SimulatorOptions {
  sink: R2000SimulatorSink;
  /** The field the antenna sees (default: one blank tag). */
  field?: TagField;
  /** Reported by 0x72 (default 1.3, as in the reference's example). */
  firmware?: FirmwareVersion;
  /** The reader's address in replies (default 0x01). */
  address?: number;
  /** Reported by 0x68, 12 bytes (default the synthetic `00…00 01`). */
  identifier?: Uint8Array;
}

export interface R2000Simulator {
  receive(chunk: Uint8Array): void;
  readonly field: TagField;
  setFault(fault: R2000SimulatorFault, on: boolean): void;
  /** While on, no command is answered. */
  setSilent(on: boolean): void;
  state(): { outputPowerDbm: number; commands: number; malformed: number; snapshots: number };
}

/** Tag operation outcome → result code of the reference table (§5.2). */
function codeOf(command: number, r: TagOpResult): number {
  switch (r) {
    case "ok":
      return SUCCESS;
    case "no_tag":
      return 0x36;
    case "access_denied":
      return 0x40;
    case "memory_locked":
      return command === CMD.LOCK ? 0x34 : 0x40;
    case "insufficient_power":
      return command === CMD.READ ? 0x32 : command === CMD.LOCK ? 0x34 : 0x33;
    case "memory_overrun":
      return 0x42;
  }
}

const BANKS: Record<number, Bank> = {
  [MEMBANK.RESERVED]: "reserved",
  [MEMBANK.EPC]: "epc",
  [MEMBANK.TID]: "tid",
  [MEMBANK.USER]: "user",
};
const REGIONS: Record<number, LockRegion> = {
  [LOCK_REGION.USER]: "user",
  [LOCK_REGION.TID]: "tid",
  [LOCK_REGION.EPC]: "epc",
  [LOCK_REGION.ACCESS_PASSWORD]: "access_password",
  [LOCK_REGION.KILL_PASSWORD]: "kill_password",
};
const LOCK_STATES: Record<number, LockState> = {
  [LOCK_TYPE.OPEN]: "open",
  [LOCK_TYPE.LOCK]: "locked",
  [LOCK_TYPE.PERMA_OPEN]: "perma_open",
  [LOCK_TYPE.PERMA_LOCK]: "perma_locked",
};

const u32At = (d: Uint8Array, at: number): number =>
  (((d[at] ?? 0) << 24) | ((d[at + 1] ?? 0) << 16) | ((d[at + 2] ?? 0) << 8) | (d[at + 3] ?? 0)) >>>
  0;

export function createR2000Simulator(o: R2000SimulatorOptions): R2000Simulator {
  const { sink } = o;
  const field = o.field ?? createTagField();
  const address = o.address ?? 0x01;
  const firmware = o.firmware ?? { major: 1, minor: 3 };
  const identifier = o.identifier ?? Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  const decoder = createR2000Decoder();
  let power = 30;
  let silent = false;
  let badChecksum = false;
  let garbage = false;
  let muteAfterWrite = false;
  let commands = 0;
  let malformed = 0;
  let snapshots = 0;

  const send = (bytes: Uint8Array): void => {
    if (garbage) {
      garbage = false;
      sink.reply(Uint8Array.of(0x00, 0xa0, 0x02, 0x55));
    }
    if (badChecksum) {
      badChecksum = false;
      const b = bytes.slice();
      b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 0x5a;
      sink.reply(b);
      return;
    }
    sink.reply(bytes);
  };

  const snapshot = (): void => {
    snapshots++;
    sink.printed({
      index: snapshots,
      bytes: new TextEncoder().encode(`${JSON.stringify(field.snapshot(), null, 2)}\n`),
    });
  };

  const tagReply = (command: number, tag: SimTag, resultCode: number, readData?: Uint8Array) =>
    encodeTagOperationReply(address, command, {
      tagCount: 1,
      pc: ((tag.epcBank[2] ?? 0) << 8) | (tag.epcBank[3] ?? 0),
      epc: tagEpc(tag),
      crc: ((tag.epcBank[0] ?? 0) << 8) | (tag.epcBank[1] ?? 0),
      resultCode,
      antenna: 1,
      count: 1,
      ...(readData && { readData }),
    });

  function handle(command: number, data: Uint8Array): void {
    commands++;
    switch (command) {
      case CMD.GET_FIRMWARE_VERSION:
        return send(encodeFirmwareReply(address, firmware));
      case CMD.GET_READER_IDENTIFIER:
        return send(encodeReaderIdentifierReply(address, identifier));
      case CMD.GET_OUTPUT_POWER:
        return send(encodeOutputPowerReply(address, power));
      case CMD.SET_OUTPUT_POWER: {
        const dbm = data[0];
        if (data.length < 1 || dbm === undefined || dbm > 33)
          return send(encodeResultReply(address, command, 0x48));
        power = dbm;
        return send(encodeResultReply(address, command, SUCCESS));
      }
      case CMD.REALTIME_INVENTORY: {
        if (field.faults.antennaMissing) return send(encodeResultReply(address, command, 0x22));
        const seen = field.inventory();
        for (const t of seen)
          send(
            encodeInventoryTag(address, {
              antenna: 1,
              pc: ((t.epcBank[2] ?? 0) << 8) | (t.epcBank[3] ?? 0),
              epc: tagEpc(t),
              rssi: t.rssi,
            }),
          );
        return send(
          encodeInventoryEnd(address, {
            antenna: 1,
            readRate: seen.length,
            totalRead: seen.length,
          }),
        );
      }
      case CMD.READ: {
        const bank = BANKS[data[0] ?? 0xff];
        if (data.length !== 7 || bank === undefined)
          return send(encodeResultReply(address, command, 0x43));
        if (field.faults.antennaMissing) return send(encodeResultReply(address, command, 0x22));
        const r = field.read(u32At(data, 3), bank, data[1] ?? 0, data[2] ?? 0);
        if (r.result !== "ok" || r.tag === undefined || r.data === undefined)
          return send(encodeResultReply(address, command, codeOf(command, r.result)));
        return send(tagReply(command, r.tag, SUCCESS, r.data));
      }
      case CMD.WRITE: {
        if (muteAfterWrite) {
          silent = true;
          muteAfterWrite = false;
        }
        const bank = BANKS[data[4] ?? 0xff];
        const words = data[6] ?? 0;
        if (bank === undefined) return send(encodeResultReply(address, command, 0x43));
        if (data.length !== 7 + words * 2) return send(encodeResultReply(address, command, 0x41));
        if (field.faults.antennaMissing) return send(encodeResultReply(address, command, 0x22));
        const r = field.write(u32At(data, 0), bank, data[5] ?? 0, data.slice(7));
        if (silent) return;
        if (r.tag === undefined)
          return send(encodeResultReply(address, command, codeOf(command, r.result)));
        if (r.result !== "no_tag" && r.result !== "access_denied") snapshot();
        // A tag that answered gets a per-tag reply carrying its result code (§5.2 Write).
        return send(tagReply(command, r.tag, codeOf(command, r.result)));
      }
      case CMD.LOCK: {
        const region = REGIONS[data[4] ?? 0xff];
        const state = LOCK_STATES[data[5] ?? 0xff];
        if (data.length !== 6 || region === undefined)
          return send(encodeResultReply(address, command, 0x44));
        if (state === undefined) return send(encodeResultReply(address, command, 0x45));
        if (field.faults.antennaMissing) return send(encodeResultReply(address, command, 0x22));
        const r = field.lock(u32At(data, 0), region, state);
        if (r.tag === undefined)
          return send(encodeResultReply(address, command, codeOf(command, r.result)));
        if (r.result === "ok") snapshot();
        return send(tagReply(command, r.tag, codeOf(command, r.result)));
      }
      default:
        // Unknown to this simulator: the parameter error real modules give.
        return send(encodeResultReply(address, command, 0x41));
    }
  }

  return {
    field,
    receive(chunk) {
      for (const ev of decoder.push(chunk)) {
        if (ev.type === "malformed") {
          malformed++;
          continue;
        }
        if (!silent) handle(ev.command, ev.data);
      }
    },
    setFault(fault, on) {
      if (fault === "antenna_missing") field.faults.antennaMissing = on;
      else if (fault === "mute_after_write") {
        muteAfterWrite = on;
        if (!on) silent = false;
      } else if (fault === "bad_checksum") badChecksum = on;
      else garbage = on;
    },
    setSilent(on) {
      silent = on;
    },
    state: () => ({ outputPowerDbm: power, commands, malformed, snapshots }),
  };
}
