/**
 * A simulated RF field with zero, one or several EPC Gen2 tags in it, shared by the simulators of
 * every RFID-capable driver (R2000 encoder, ZPL RFID printer). Pure state, no I/O: a simulator
 * translates its protocol's commands into these operations and the outcomes back into its
 * protocol's result codes. Tag memory persists, so a read-back reads what was written.
 *
 * Gen2 rules modelled (reference/device-protocols.md §5.1): four banks (Reserved: kill password
 * words 0–1, access password words 2–3; EPC: CRC word 0, PC word 1, EPC from word 2; TID; User);
 * a tag whose access password is zero is in the secured state without an Access command, a tag
 * with a non-zero password only when the reader presents it; a bank locked "pwd-write" can be
 * written only in the secured state, a permalocked one never; the access password locked
 * "pwd-read/write" cannot be read or written outside the secured state.
 */
import { PC_96 } from "../../firmware-protocols/epc/index.ts";
import { gen2Crc16 } from "../../firmware-protocols/r2000/commands.ts";

export type Bank = "reserved" | "epc" | "tid" | "user";
export type LockRegion = "kill_password" | "access_password" | "epc" | "tid" | "user";
/** Gen2 lock action per region: open, password-protected, permanently open, permalocked. */
export type LockState = "open" | "locked" | "perma_open" | "perma_locked";

export interface SimTag {
  /** Reserved bank, 8 bytes: kill password (4), access password (4). */
  reserved: Uint8Array;
  /** EPC bank: CRC (2), PC (2), EPC (length from the PC word). */
  epcBank: Uint8Array;
  tid: Uint8Array;
  user: Uint8Array;
  locks: Record<LockRegion, LockState>;
  /** Received signal strength the reader reports (raw R2000 RSSI units). */
  rssi: number;
}

/** The outcome of one tag operation, protocol-neutral. */
export type TagOpResult =
  | "ok"
  /** No tag answered. */
  | "no_tag"
  /** The password presented is not the tag's access password. */
  | "access_denied"
  /** The bank (or region) is locked against this operation. */
  | "memory_locked"
  /** The tag answered but the operation did not complete (weak coupling). */
  | "insufficient_power"
  /** The address range is outside the bank. */
  | "memory_overrun";

export interface FieldFaults {
  /** Tags answer inventory, but every access fails for lack of power. */
  weakSignal: boolean;
  /** The next n writes fail without changing memory. */
  failWrites: number;
  /**
   * The next n writes change only the first half of their words yet report success, as a tag
   * that lost power mid-write can: only a read-back finds out.
   */
  halfWrites: number;
  /** No antenna on the port: the reader reports it and sees no tags. */
  antennaMissing: boolean;
}

export interface TagField {
  readonly tags: SimTag[];
  readonly faults: FieldFaults;
  /** Tags that answer an inventory round, strongest first. */
  inventory(): SimTag[];
  read(
    password: number,
    bank: Bank,
    wordAddress: number,
    wordCount: number,
  ): { result: TagOpResult; tag?: SimTag; data?: Uint8Array };
  write(
    password: number,
    bank: Bank,
    wordAddress: number,
    data: Uint8Array,
  ): { result: TagOpResult; tag?: SimTag };
  lock(
    password: number,
    region: LockRegion,
    state: LockState,
  ): { result: TagOpResult; tag?: SimTag };
  /** Every tag's memory as JSON-friendly hex, for `<data>/sim/<dev>/<n>.json`. */
  snapshot(): FieldSnapshot;
}

export interface FieldSnapshot {
  tags: Array<{
    epc: string;
    pc: string;
    access_password: string;
    kill_password: string;
    tid: string;
    user: string;
    locks: Record<LockRegion, LockState>;
  }>;
}

const hex = (b: Uint8Array): string =>
  [...b]
    .map((x) => x.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();

/** A blank factory tag: zero passwords, PC 0x3000, a 96-bit EPC of `epc` (default all zero). */
export function blankTag(o: { serial: number; epc?: Uint8Array; rssi?: number }): SimTag {
  const epcBank = new Uint8Array(16);
  epcBank[2] = PC_96 >> 8;
  epcBank[3] = PC_96 & 0xff;
  if (o.epc) epcBank.set(o.epc.subarray(0, 12), 4);
  const tid = Uint8Array.of(0xe2, 0x80, 0x11, 0x30, 0, 0, 0, 0, 0, 0, 0, 0);
  new DataView(tid.buffer).setUint32(8, o.serial >>> 0);
  const tag: SimTag = {
    reserved: new Uint8Array(8),
    epcBank,
    tid,
    user: new Uint8Array(64),
    locks: {
      kill_password: "open",
      access_password: "open",
      epc: "open",
      tid: "open",
      user: "open",
    },
    rssi: o.rssi ?? 0xc5,
  };
  updateCrc(tag);
  return tag;
}

/** The tag's current EPC (length from the PC word's length bits). */
export function tagEpc(t: SimTag): Uint8Array {
  const pc = ((t.epcBank[2] ?? 0) << 8) | (t.epcBank[3] ?? 0);
  return t.epcBank.slice(4, 4 + ((pc >> 11) & 0x1f) * 2);
}

export const accessPasswordOf = (t: SimTag): number =>
  new DataView(t.reserved.buffer, t.reserved.byteOffset).getUint32(4);

/** StoredCRC over PC + EPC, kept current as a real tag does (EPC Gen2 §6.3.2.1.3). */
function updateCrc(t: SimTag): void {
  const pc = ((t.epcBank[2] ?? 0) << 8) | (t.epcBank[3] ?? 0);
  const words = 1 + ((pc >> 11) & 0x1f);
  const crc = gen2Crc16(t.epcBank.subarray(2, 2 + words * 2));
  t.epcBank[0] = crc >> 8;
  t.epcBank[1] = crc & 0xff;
}

function bankBytes(t: SimTag, bank: Bank): Uint8Array {
  switch (bank) {
    case "reserved":
      return t.reserved;
    case "epc":
      return t.epcBank;
    case "tid":
      return t.tid;
    case "user":
      return t.user;
  }
}

export function createTagField(tags: SimTag[] = []): TagField {
  const faults: FieldFaults = {
    weakSignal: false,
    failWrites: 0,
    halfWrites: 0,
    antennaMissing: false,
  };

  const inventory = (): SimTag[] =>
    faults.antennaMissing ? [] : [...tags].sort((a, b) => b.rssi - a.rssi);

  /** Singulates the strongest tag and runs Access with `password`: open or secured state. */
  function access(password: number): { result: TagOpResult; tag?: SimTag; secured: boolean } {
    const tag = inventory()[0];
    if (tag === undefined) return { result: "no_tag", secured: false };
    const pwd = accessPasswordOf(tag);
    if (pwd === 0) return { result: "ok", tag, secured: true };
    if (password === 0) return { result: "ok", tag, secured: false };
    if (password !== pwd) return { result: "access_denied", tag, secured: false };
    return { result: "ok", tag, secured: true };
  }

  /** The lock region guarding `bank` at `wordAddress`. */
  const regionOf = (bank: Bank, wordAddress: number): LockRegion =>
    bank === "reserved"
      ? wordAddress < 2
        ? "kill_password"
        : "access_password"
      : bank === "epc"
        ? "epc"
        : bank;

  function writable(region: LockRegion, state: LockState, secured: boolean): boolean {
    if (state === "perma_locked") return false;
    if (state === "locked") return secured;
    return true;
  }

  return {
    tags,
    faults,
    inventory,
    read(password, bank, wordAddress, wordCount) {
      const a = access(password);
      if (a.tag === undefined || a.result !== "ok")
        return { result: a.result, ...(a.tag && { tag: a.tag }) };
      if (faults.weakSignal) return { result: "insufficient_power", tag: a.tag };
      const bytes = bankBytes(a.tag, bank);
      if ((wordAddress + wordCount) * 2 > bytes.length)
        return { result: "memory_overrun", tag: a.tag };
      const region = regionOf(bank, wordAddress);
      // Passwords locked pwd-read/write are unreadable outside the secured state.
      if (
        bank === "reserved" &&
        a.tag.locks[region] !== "open" &&
        a.tag.locks[region] !== "perma_open" &&
        !a.secured
      )
        return { result: "memory_locked", tag: a.tag };
      return {
        result: "ok",
        tag: a.tag,
        data: bytes.slice(wordAddress * 2, (wordAddress + wordCount) * 2),
      };
    },
    write(password, bank, wordAddress, data) {
      const a = access(password);
      if (a.tag === undefined || a.result !== "ok")
        return { result: a.result, ...(a.tag && { tag: a.tag }) };
      const tag = a.tag;
      if (faults.weakSignal) return { result: "insufficient_power", tag };
      const bytes = bankBytes(tag, bank);
      if (bank === "tid") return { result: "memory_locked", tag };
      if (wordAddress * 2 + data.length > bytes.length) return { result: "memory_overrun", tag };
      if (!writable(regionOf(bank, wordAddress), tag.locks[regionOf(bank, wordAddress)], a.secured))
        return { result: "memory_locked", tag };
      if (faults.failWrites > 0) {
        faults.failWrites--;
        return { result: "insufficient_power", tag };
      }
      if (faults.halfWrites > 0) {
        faults.halfWrites--;
        const words = Math.floor(data.length / 4);
        bytes.set(data.subarray(0, words * 2), wordAddress * 2);
        if (bank === "epc") updateCrc(tag);
        return { result: "ok", tag };
      }
      bytes.set(data, wordAddress * 2);
      if (bank === "epc") updateCrc(tag);
      return { result: "ok", tag };
    },
    lock(password, region, state) {
      const a = access(password);
      if (a.tag === undefined || a.result !== "ok")
        return { result: a.result, ...(a.tag && { tag: a.tag }) };
      if (faults.weakSignal) return { result: "insufficient_power", tag: a.tag };
      // Lock needs the secured state; permanent states cannot change (Gen2 Lock command).
      if (!a.secured) return { result: "access_denied", tag: a.tag };
      const now = a.tag.locks[region];
      if ((now === "perma_locked" || now === "perma_open") && now !== state)
        return { result: "memory_locked", tag: a.tag };
      a.tag.locks[region] = state;
      return { result: "ok", tag: a.tag };
    },
    snapshot() {
      return {
        tags: tags.map((t) => ({
          epc: hex(tagEpc(t)),
          pc: hex(t.epcBank.subarray(2, 4)),
          access_password: hex(t.reserved.subarray(4, 8)),
          kill_password: hex(t.reserved.subarray(0, 4)),
          tid: hex(t.tid),
          user: hex(t.user),
          locks: { ...t.locks },
        })),
      };
    },
  };
}
