/**
 * GRAI-96 (GS1 EPC TDS 1.13 §14.5.4): the EPC of a returnable asset — a reusable sorting bag.
 * Layout, most significant bit first: header 8 bits (0x33) | filter 3 | partition 3 |
 * company prefix M | asset type N (M + N = 44, Table 14-10) | serial 38 bits.
 */
import {
  bitField,
  bytesToBigInt,
  fail,
  gs1CheckDigit,
  GRAI_PARTITIONS,
  isDigits,
  packBits,
  padDigits,
  partitionForPrefix,
  type EpcResult,
} from "./gs1.ts";

export const GRAI96_HEADER = 0x33;
/** Largest serial GRAI-96 holds: 38 bits (TDS §14.5.4; larger or alphanumeric needs GRAI-170). */
export const GRAI96_MAX_SERIAL = (1n << 38n) - 1n;

export interface Grai96 {
  scheme: "grai-96";
  filter: number;
  /** The GS1 company prefix, 6–12 digits; its length selects the partition. */
  companyPrefix: string;
  /** 12 − prefix length digits (leading zeros are significant). */
  assetType: string;
  /** Decimal, no leading zero (TDS: GRAI-96 serials are numeric without leading zeros), ≤ 2^38−1. */
  serial: string;
}

/** Checks every field and packs the 12 bytes. Never throws. */
export function encodeGrai96(e: Grai96): EpcResult<Uint8Array> {
  if (!Number.isInteger(e.filter) || e.filter < 0 || e.filter > 7)
    return fail("field_range", "filter");
  if (!isDigits(e.companyPrefix, 6, 12)) return fail("field_format", "company_prefix");
  const row = partitionForPrefix(GRAI_PARTITIONS, e.companyPrefix.length);
  if (row === undefined) return fail("partition", "company_prefix");
  if (!isDigits(e.assetType, row.refDigits, row.refDigits))
    return fail("field_format", "asset_type");
  if (!isDigits(e.serial, 1, 12) || (e.serial.length > 1 && e.serial.startsWith("0")))
    return fail("field_format", "serial");
  const serial = BigInt(e.serial);
  if (serial > GRAI96_MAX_SERIAL) return fail("field_range", "serial");
  const assetType = e.assetType === "" ? 0n : BigInt(e.assetType);
  return {
    ok: true,
    value: packBits(
      [
        [BigInt(GRAI96_HEADER), 8],
        [BigInt(e.filter), 3],
        [BigInt(row.partition), 3],
        [BigInt(e.companyPrefix), row.gcpBits],
        [assetType, row.refBits],
        [serial, 38],
      ],
      96,
    ),
  };
}

/** Decodes 12 bytes whose header is 0x33. */
export function decodeGrai96(bytes: Uint8Array): EpcResult<Grai96> {
  if (bytes.length !== 12) return fail("length", "epc");
  const v = bytesToBigInt(bytes);
  if (bitField(v, 96, 0, 8) !== BigInt(GRAI96_HEADER)) return fail("header", "header");
  const filter = Number(bitField(v, 96, 8, 3));
  const row = GRAI_PARTITIONS[Number(bitField(v, 96, 11, 3))];
  if (row === undefined) return fail("reserved_bits", "partition");
  const gcp = bitField(v, 96, 14, row.gcpBits);
  const assetType = bitField(v, 96, 14 + row.gcpBits, row.refBits);
  const serial = bitField(v, 96, 58, 38);
  if (gcp >= 10n ** BigInt(row.gcpDigits)) return fail("field_range", "company_prefix");
  if (assetType >= 10n ** BigInt(row.refDigits)) return fail("field_range", "asset_type");
  return {
    ok: true,
    value: {
      scheme: "grai-96",
      filter,
      companyPrefix: padDigits(gcp, row.gcpDigits),
      assetType: row.refDigits === 0 ? "" : padDigits(assetType, row.refDigits),
      serial: serial.toString(),
    },
  };
}

/** `urn:epc:tag:grai-96:F.CCCCCCC.AAAAA.S` (TDS §12). */
export const grai96TagUri = (e: Grai96): string =>
  `urn:epc:tag:grai-96:${e.filter}.${e.companyPrefix}.${e.assetType}.${e.serial}`;

/**
 * The GRAI element string `(8003)` digits: a leading 0, company prefix, asset type, check digit,
 * then the serial (GS1 General Specifications §3.9.3).
 */
export function graiDigits(e: Pick<Grai96, "companyPrefix" | "assetType" | "serial">): string {
  const body = `0${e.companyPrefix}${e.assetType}`;
  return body + String(gs1CheckDigit(body)) + e.serial;
}
