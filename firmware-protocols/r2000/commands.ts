/**
 * R2000 commands used by the `uhf-r2000` driver and its simulator (reference/device-protocols.md
 * §5.2): request builders (host side), reply parsers (host side) and reply builders (device side,
 * for the simulator). All pure over `Uint8Array`. Parsers return `undefined` for a data part that
 * does not fit the layout, never throw.
 */
import { encodeFrame } from "./frame.ts";

/** Command bytes (§5.2 command list). */
export const CMD = {
  /**
   * 0x68 get reader identifier: a 12-byte identifier the vendor (or site) stores in the reader
   * (R2000 "UHF RFID Reader Serial Interface Protocol" command table, cmd_get_reader_identifier;
   * 0x67 sets it) [unverified on hardware: the reference §5.2 list does not carry it; the code
   * and layout are those of the vendor SDKs' v3.x command table].
   */
  GET_READER_IDENTIFIER: 0x68,
  RESET: 0x70,
  GET_FIRMWARE_VERSION: 0x72,
  SET_OUTPUT_POWER: 0x76,
  GET_OUTPUT_POWER: 0x77,
  READ: 0x81,
  WRITE: 0x82,
  LOCK: 0x83,
  KILL: 0x84,
  REALTIME_INVENTORY: 0x89,
} as const;

/** Gen2 memory banks as the read/write commands number them (§5.2 Write 0x82; §5.1). */
export const MEMBANK = { RESERVED: 0, EPC: 1, TID: 2, USER: 3 } as const;

/**
 * Lock regions of command 0x83 (§5.2 Lock; the enumeration is marked unverified in the
 * reference, §10 item 4): 1 user, 2 TID, 3 EPC, 4 access password, 5 kill password.
 */
export const LOCK_REGION = {
  USER: 1,
  TID: 2,
  EPC: 3,
  ACCESS_PASSWORD: 4,
  KILL_PASSWORD: 5,
} as const;
/** Lock actions of command 0x83: 0 open, 1 lock (password), 2 permanently open, 3 permalock. */
export const LOCK_TYPE = { OPEN: 0, LOCK: 1, PERMA_OPEN: 2, PERMA_LOCK: 3 } as const;

const u32 = (v: number): number[] => [
  (v >>> 24) & 0xff,
  (v >>> 16) & 0xff,
  (v >>> 8) & 0xff,
  v & 0xff,
];
const frame = (address: number, command: number, data: number[] | Uint8Array = []): Uint8Array =>
  encodeFrame({ address, command, data: Uint8Array.from(data) });

// ---- host → device ----------------------------------------------------------------------------

export const encodeGetFirmwareVersion = (address: number): Uint8Array =>
  frame(address, CMD.GET_FIRMWARE_VERSION);

export const encodeGetReaderIdentifier = (address: number): Uint8Array =>
  frame(address, CMD.GET_READER_IDENTIFIER);

/** One output power for every antenna, in dBm (0–33 on common modules). */
export const encodeSetOutputPower = (address: number, dbm: number): Uint8Array =>
  frame(address, CMD.SET_OUTPUT_POWER, [dbm & 0xff]);

export const encodeGetOutputPower = (address: number): Uint8Array =>
  frame(address, CMD.GET_OUTPUT_POWER);

/** Real-time inventory (0x89): `repeat` rounds (§5.2). */
export const encodeRealtimeInventory = (address: number, repeat: number): Uint8Array =>
  frame(address, CMD.REALTIME_INVENTORY, [repeat & 0xff]);

/**
 * Read (0x81): `MemBank(1) WordAdd(1) WordCnt(1) Password(4)`. The reference lists only the
 * command byte; this layout follows the vendor SDKs' v3.x documents [unverified on hardware].
 */
export const encodeRead = (
  address: number,
  r: { password: number; bank: number; wordAddress: number; wordCount: number },
): Uint8Array => frame(address, CMD.READ, [r.bank, r.wordAddress, r.wordCount, ...u32(r.password)]);

/** Write (0x82): `Password(4) MemBank(1) WordAdd(1) WordCnt(1) Data(2·WordCnt)` (§5.2). */
export function encodeWrite(
  address: number,
  w: { password: number; bank: number; wordAddress: number; data: Uint8Array },
): Uint8Array {
  if (w.data.length % 2 !== 0) throw new RangeError("write data must be whole 16-bit words");
  return frame(address, CMD.WRITE, [
    ...u32(w.password),
    w.bank,
    w.wordAddress,
    w.data.length / 2,
    ...w.data,
  ]);
}

/** Lock (0x83): `Password(4) Region(1) LockType(1)` (§5.2). */
export const encodeLock = (
  address: number,
  l: { password: number; region: number; lockType: number },
): Uint8Array => frame(address, CMD.LOCK, [...u32(l.password), l.region, l.lockType]);

// ---- device → host: parsers -------------------------------------------------------------------

/** A reply with exactly one data byte carries a result code (§5.2), `0x10` = success. */
export const resultCodeOf = (data: Uint8Array): number | undefined =>
  data.length === 1 ? data[0] : undefined;

export interface FirmwareVersion {
  major: number;
  minor: number;
}

/** Reply to 0x72: `Major(1) Minor(1)`. */
export const parseFirmwareVersion = (data: Uint8Array): FirmwareVersion | undefined =>
  data.length === 2 ? { major: data[0] ?? 0, minor: data[1] ?? 0 } : undefined;

/** Bytes of the reader identifier (0x68). */
export const READER_IDENTIFIER_BYTES = 12;

/** Reply to 0x68: the 12-byte identifier as 24 upper-case hex digits; undefined otherwise. */
export const parseReaderIdentifier = (data: Uint8Array): string | undefined =>
  data.length === READER_IDENTIFIER_BYTES
    ? [...data]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("")
        .toUpperCase()
    : undefined;

/** Reply to 0x77: one power byte (dBm) for all antennas, or one per antenna (first one kept). */
export const parseOutputPower = (data: Uint8Array): number | undefined =>
  data.length === 1 || data.length === 4 || data.length === 8 ? data[0] : undefined;

/** The tag part of read/write/lock replies. */
export interface TagOperationReply {
  tagCount: number;
  pc: number;
  epc: Uint8Array;
  /** Stored CRC-16 of the EPC bank. */
  crc: number;
  /** Result code of the operation on this tag; `0x10` = success. */
  resultCode: number;
  /** Antenna 1–4 (AntID low 2 bits + 1). */
  antenna: number;
  /** How many times the tag was written / locked (write/lock replies). */
  count: number;
  /** Read replies only: the words read. */
  readData?: Uint8Array;
}

/**
 * Reply to write 0x82 / lock 0x83 (§5.2): `TagCount(2) DataLen(1) PC(2) EPC(DataLen−4) CRC(2)
 * ErrCode(1) AntID(1) WriteCount(1)`.
 */
export function parseWriteOrLockReply(data: Uint8Array): TagOperationReply | undefined {
  if (data.length < 3) return undefined;
  const dataLen = data[2] ?? 0;
  if (dataLen < 4 || data.length !== 3 + dataLen + 3) return undefined;
  return {
    tagCount: ((data[0] ?? 0) << 8) | (data[1] ?? 0),
    pc: ((data[3] ?? 0) << 8) | (data[4] ?? 0),
    epc: data.slice(5, 3 + dataLen - 2),
    crc: ((data[3 + dataLen - 2] ?? 0) << 8) | (data[3 + dataLen - 1] ?? 0),
    resultCode: data[3 + dataLen] ?? 0,
    antenna: ((data[3 + dataLen + 1] ?? 0) & 0x03) + 1,
    count: data[3 + dataLen + 2] ?? 0,
  };
}

/**
 * Reply to read 0x81: `TagCount(2) DataLen(1) PC(2) EPC CRC(2) ReadData ReadLen(1) AntID(1)
 * ReadCount(1)`, DataLen covering PC to the end of ReadData, ReadLen in bytes [unverified].
 */
export function parseReadReply(data: Uint8Array): TagOperationReply | undefined {
  if (data.length < 6) return undefined;
  const dataLen = data[2] ?? 0;
  if (data.length !== 3 + dataLen + 3) return undefined;
  const readLen = data[3 + dataLen] ?? 0;
  const epcLen = dataLen - 4 - readLen;
  if (epcLen < 0) return undefined;
  return {
    tagCount: ((data[0] ?? 0) << 8) | (data[1] ?? 0),
    pc: ((data[3] ?? 0) << 8) | (data[4] ?? 0),
    epc: data.slice(5, 5 + epcLen),
    crc: ((data[5 + epcLen] ?? 0) << 8) | (data[6 + epcLen] ?? 0),
    resultCode: 0x10,
    antenna: ((data[3 + dataLen + 1] ?? 0) & 0x03) + 1,
    count: data[3 + dataLen + 2] ?? 0,
    readData: data.slice(7 + epcLen, 3 + dataLen),
  };
}

export type InventoryReply =
  | { type: "tag"; antenna: number; pc: number; epc: Uint8Array; rssi: number }
  | { type: "end"; antenna: number; readRate: number; totalRead: number }
  | { type: "result"; code: number };

/**
 * A reply frame of real-time inventory 0x89 (§5.2): a tag record `FreqAnt(1) PC(2) EPC(n)
 * RSSI(1)` (some firmware appends 2 phase bytes), the round end `AntID(1) ReadRate(2)
 * TotalRead(4)`, or a result code. The EPC length comes from the PC word's length bits.
 */
export function parseInventoryReply(data: Uint8Array): InventoryReply | undefined {
  if (data.length === 1) return { type: "result", code: data[0] ?? 0 };
  if (data.length >= 4) {
    const pc = ((data[1] ?? 0) << 8) | (data[2] ?? 0);
    const epcLen = ((pc >> 11) & 0x1f) * 2;
    if (data.length === 4 + epcLen || data.length === 6 + epcLen) {
      return {
        type: "tag",
        antenna: ((data[0] ?? 0) & 0x03) + 1,
        pc,
        epc: data.slice(3, 3 + epcLen),
        rssi: data[3 + epcLen] ?? 0,
      };
    }
  }
  if (data.length === 7) {
    return {
      type: "end",
      antenna: ((data[0] ?? 0) & 0x03) + 1,
      readRate: ((data[1] ?? 0) << 8) | (data[2] ?? 0),
      totalRead:
        (((data[3] ?? 0) << 24) |
          ((data[4] ?? 0) << 16) |
          ((data[5] ?? 0) << 8) |
          (data[6] ?? 0)) >>>
        0,
    };
  }
  return undefined;
}

// ---- device → host: builders (simulator side) ------------------------------------------------

export const encodeResultReply = (address: number, command: number, code: number): Uint8Array =>
  frame(address, command, [code]);

export const encodeFirmwareReply = (address: number, v: FirmwareVersion): Uint8Array =>
  frame(address, CMD.GET_FIRMWARE_VERSION, [v.major, v.minor]);

/** Device side: the 0x68 reply carrying a 12-byte identifier. */
export function encodeReaderIdentifierReply(address: number, identifier: Uint8Array): Uint8Array {
  if (identifier.length !== READER_IDENTIFIER_BYTES)
    throw new RangeError(`reader identifier must be ${READER_IDENTIFIER_BYTES} bytes`);
  return frame(address, CMD.GET_READER_IDENTIFIER, identifier);
}

export const encodeOutputPowerReply = (address: number, dbm: number): Uint8Array =>
  frame(address, CMD.GET_OUTPUT_POWER, [dbm]);

/** A write/lock reply (or, with `readData`, a read reply) for one tag. */
export function encodeTagOperationReply(
  address: number,
  command: number,
  r: TagOperationReply,
): Uint8Array {
  const read = r.readData ?? new Uint8Array(0);
  const dataLen = 2 + r.epc.length + 2 + (command === CMD.READ ? read.length : 0);
  const body = [
    (r.tagCount >> 8) & 0xff,
    r.tagCount & 0xff,
    dataLen,
    (r.pc >> 8) & 0xff,
    r.pc & 0xff,
    ...r.epc,
    (r.crc >> 8) & 0xff,
    r.crc & 0xff,
  ];
  if (command === CMD.READ) body.push(...read, read.length);
  else body.push(r.resultCode);
  body.push((r.antenna - 1) & 0x03, r.count & 0xff);
  return frame(address, command, body);
}

export const encodeInventoryTag = (
  address: number,
  t: { antenna: number; pc: number; epc: Uint8Array; rssi: number },
): Uint8Array =>
  frame(address, CMD.REALTIME_INVENTORY, [
    (t.antenna - 1) & 0x03,
    (t.pc >> 8) & 0xff,
    t.pc & 0xff,
    ...t.epc,
    t.rssi & 0xff,
  ]);

export const encodeInventoryEnd = (
  address: number,
  e: { antenna: number; readRate: number; totalRead: number },
): Uint8Array =>
  frame(address, CMD.REALTIME_INVENTORY, [
    (e.antenna - 1) & 0x03,
    (e.readRate >> 8) & 0xff,
    e.readRate & 0xff,
    ...u32(e.totalRead),
  ]);

/**
 * The Gen2 StoredCRC over PC + EPC words: CRC-16/GENIBUS (poly 0x1021, init 0xFFFF, result
 * inverted), as EPC Gen2 §6.3.2.1.3 specifies for the EPC bank.
 */
export function gen2Crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return ~crc & 0xffff;
}
