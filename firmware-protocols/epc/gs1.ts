/**
 * GS1 helpers shared by the EPC binary codecs (GS1 EPC Tag Data Standard 1.13, §7 and §14):
 * partition tables, the GS1 mod-10 check digit, bit packing of a 96-bit EPC into bytes, and the
 * result type the codecs return. Sans-IO: numbers in, `Uint8Array` out, no throws on input.
 */

/** Why an EPC could not be encoded or decoded; `field` names the offending field, never its value. */
export type EpcErrorCode =
  /** A field is not a string of decimal digits, or has the wrong number of digits. */
  | "field_format"
  /** A field's value does not fit the bits the partition gives it. */
  | "field_range"
  /** The company prefix length has no partition in the scheme's table. */
  | "partition"
  /** The bytes are not 12 bytes (96 bits). */
  | "length"
  /** The header byte is not one of the schemes this codec knows. */
  | "header"
  /** Bits that must be zero are not, or the partition value is out of the table. */
  | "reserved_bits"
  /** Encoding and decoding back did not give the same fields (checked before every write). */
  | "round_trip";

export type EpcResult<T> =
  { ok: true; value: T } | { ok: false; code: EpcErrorCode; field: string };

export const fail = (
  code: EpcErrorCode,
  field: string,
): { ok: false; code: EpcErrorCode; field: string } => ({
  ok: false,
  code,
  field,
});

/** One row of a partition table: bits and digits of the company prefix and of the second field. */
export interface PartitionRow {
  partition: number;
  gcpBits: number;
  gcpDigits: number;
  refBits: number;
  refDigits: number;
}

const rows = (r: Array<[number, number, number, number]>): PartitionRow[] =>
  r.map(([gcpBits, gcpDigits, refBits, refDigits], partition) => ({
    partition,
    gcpBits,
    gcpDigits,
    refBits,
    refDigits,
  }));

/** TDS 1.13 Table 14-5 (SSCC-96): company prefix and serial reference (extension digit included). */
export const SSCC_PARTITIONS: readonly PartitionRow[] = rows([
  [40, 12, 18, 5],
  [37, 11, 21, 6],
  [34, 10, 24, 7],
  [30, 9, 28, 8],
  [27, 8, 31, 9],
  [24, 7, 34, 10],
  [20, 6, 38, 11],
]);

/** TDS 1.13 Table 14-10 (GRAI-96): company prefix and asset type. */
export const GRAI_PARTITIONS: readonly PartitionRow[] = rows([
  [40, 12, 4, 0],
  [37, 11, 7, 1],
  [34, 10, 10, 2],
  [30, 9, 14, 3],
  [27, 8, 17, 4],
  [24, 7, 20, 5],
  [20, 6, 24, 6],
]);

/** The partition row for a company prefix of `digits` digits, if the table has one. */
export function partitionForPrefix(
  table: readonly PartitionRow[],
  digits: number,
): PartitionRow | undefined {
  return table.find((r) => r.gcpDigits === digits);
}

export const isDigits = (s: string, min: number, max: number): boolean =>
  s.length >= min && s.length <= max && /^[0-9]*$/.test(s);

/** GS1 General Specifications §7.9.1: mod-10 check digit of a digit string (weights 3,1 from the right). */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** Packs fields, most significant first, into `totalBits / 8` bytes. Widths must sum to totalBits. */
export function packBits(fields: Array<[bigint, number]>, totalBits: number): Uint8Array {
  let acc = 0n;
  for (const [value, width] of fields) acc = (acc << BigInt(width)) | value;
  const out = new Uint8Array(totalBits / 8);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(acc & 0xffn);
    acc >>= 8n;
  }
  return out;
}

/** Reads `bytes` as one big-endian unsigned integer. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let acc = 0n;
  for (const b of bytes) acc = (acc << 8n) | BigInt(b);
  return acc;
}

/** Bits [offset, offset+width) of a `total`-bit value, counted from the most significant bit. */
export function bitField(value: bigint, total: number, offset: number, width: number): bigint {
  return (value >> BigInt(total - offset - width)) & ((1n << BigInt(width)) - 1n);
}

/** Upper-case hex of bytes, two digits each, no separators. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s.toUpperCase();
}

/** Bytes of an even-length hex string; undefined when it is not hex. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A decimal digit string of `digits` digits (leading zeros kept) for `value`. */
export const padDigits = (value: bigint, digits: number): string =>
  value.toString().padStart(digits, "0");
