/**
 * SSCC-96 (GS1 EPC TDS 1.13 §14.5.2): the EPC of a logistics unit — a parcel's smart label.
 * Layout, most significant bit first: header 8 bits (0x31) | filter 3 | partition 3 |
 * company prefix M | serial reference N (M + N = 58, Table 14-5) | 24 reserved bits, all zero.
 * The serial reference includes the SSCC's extension digit as its first digit.
 */
import {
  bitField,
  bytesToBigInt,
  fail,
  gs1CheckDigit,
  isDigits,
  packBits,
  padDigits,
  partitionForPrefix,
  SSCC_PARTITIONS,
  type EpcResult,
} from "./gs1.ts";

export const SSCC96_HEADER = 0x31;

export interface Sscc96 {
  scheme: "sscc-96";
  /** 0–7; TDS Table 10-x: 0 all others, 2 full case for transport, 6 unit load. */
  filter: number;
  /** The GS1 company prefix, 6–12 digits; its length selects the partition. */
  companyPrefix: string;
  /** Extension digit + serial, 17 − prefix length digits (leading zeros are significant). */
  serialReference: string;
}

/** Checks every field and packs the 12 bytes. Never throws. */
export function encodeSscc96(e: Sscc96): EpcResult<Uint8Array> {
  if (!Number.isInteger(e.filter) || e.filter < 0 || e.filter > 7)
    return fail("field_range", "filter");
  if (!isDigits(e.companyPrefix, 6, 12)) return fail("field_format", "company_prefix");
  const row = partitionForPrefix(SSCC_PARTITIONS, e.companyPrefix.length);
  if (row === undefined) return fail("partition", "company_prefix");
  if (!isDigits(e.serialReference, row.refDigits, row.refDigits))
    return fail("field_format", "serial_reference");
  const ref = BigInt(e.serialReference);
  if (ref >= 1n << BigInt(row.refBits)) return fail("field_range", "serial_reference");
  return {
    ok: true,
    value: packBits(
      [
        [BigInt(SSCC96_HEADER), 8],
        [BigInt(e.filter), 3],
        [BigInt(row.partition), 3],
        [BigInt(e.companyPrefix), row.gcpBits],
        [ref, row.refBits],
        [0n, 24],
      ],
      96,
    ),
  };
}

/** Decodes 12 bytes whose header is 0x31. Reserved bits must be zero, digit counts must fit. */
export function decodeSscc96(bytes: Uint8Array): EpcResult<Sscc96> {
  if (bytes.length !== 12) return fail("length", "epc");
  const v = bytesToBigInt(bytes);
  if (bitField(v, 96, 0, 8) !== BigInt(SSCC96_HEADER)) return fail("header", "header");
  const filter = Number(bitField(v, 96, 8, 3));
  const row = SSCC_PARTITIONS[Number(bitField(v, 96, 11, 3))];
  if (row === undefined) return fail("reserved_bits", "partition");
  const gcp = bitField(v, 96, 14, row.gcpBits);
  const ref = bitField(v, 96, 14 + row.gcpBits, row.refBits);
  if (bitField(v, 96, 72, 24) !== 0n) return fail("reserved_bits", "reserved");
  if (gcp >= 10n ** BigInt(row.gcpDigits)) return fail("field_range", "company_prefix");
  if (ref >= 10n ** BigInt(row.refDigits)) return fail("field_range", "serial_reference");
  return {
    ok: true,
    value: {
      scheme: "sscc-96",
      filter,
      companyPrefix: padDigits(gcp, row.gcpDigits),
      serialReference: padDigits(ref, row.refDigits),
    },
  };
}

/** `urn:epc:tag:sscc-96:F.CCCCCCC.SSSSSSSSSS` (TDS §12). */
export const sscc96TagUri = (e: Sscc96): string =>
  `urn:epc:tag:sscc-96:${e.filter}.${e.companyPrefix}.${e.serialReference}`;

/**
 * The 18-digit SSCC (GS1 element string `(00)`): extension digit, company prefix, the rest of
 * the serial reference, check digit (TDS §7.2).
 */
export function ssccDigits(e: Pick<Sscc96, "companyPrefix" | "serialReference">): string {
  const body = e.serialReference.slice(0, 1) + e.companyPrefix + e.serialReference.slice(1);
  return body + String(gs1CheckDigit(body));
}
