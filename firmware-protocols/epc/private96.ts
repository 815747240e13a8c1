/**
 * The documented non-GS1 fallback, `labelgate-96`, for sites without a GS1 Company Prefix
 * (reference/device-protocols.md §5.5, "closed-loop only"). It is a private 96-bit value, valid
 * only inside the site's own systems:
 *
 *   header 8 bits = 0x4C ('L') | kind 4 (1 parcel, 2 bag) | site 20 | serial 64
 *
 * 0x4C is not among the headers GS1 TDS 1.13 Table 14-1 assigns (0x2C–0x3F for the 96-bit and
 * variable schemes), so a GS1 decoder reports such a tag as unknown rather than misreading it as
 * somebody's GTIN or SSCC (the tests check this with an independent decoder). The PC word stays
 * at 0x3000 (toggle 0): the ISO toggle-1 route needs an AFI from the ISO/IEC 15961-2 register,
 * which has not been verified (reference §5.5, §10 item 6).
 */
import { bitField, bytesToBigInt, fail, packBits, type EpcResult } from "./gs1.ts";

export const PRIVATE96_HEADER = 0x4c;
export const PRIVATE96_MAX_SITE = (1 << 20) - 1;
export const PRIVATE96_MAX_SERIAL = (1n << 64n) - 1n;

export type PrivateKind = "parcel" | "bag";
const KIND_CODE: Record<PrivateKind, number> = { parcel: 1, bag: 2 };

export interface Private96 {
  scheme: "labelgate-96";
  kind: PrivateKind;
  /** The site number, 0 … 2^20−1, assigned by whoever runs the closed loop. */
  site: number;
  /** Decimal digits, no leading zero, ≤ 2^64−1. */
  serial: string;
}

export function encodePrivate96(e: Private96): EpcResult<Uint8Array> {
  if (!Number.isInteger(e.site) || e.site < 0 || e.site > PRIVATE96_MAX_SITE)
    return fail("field_range", "site");
  if (!/^(0|[1-9][0-9]{0,19})$/.test(e.serial)) return fail("field_format", "serial");
  const serial = BigInt(e.serial);
  if (serial > PRIVATE96_MAX_SERIAL) return fail("field_range", "serial");
  return {
    ok: true,
    value: packBits(
      [
        [BigInt(PRIVATE96_HEADER), 8],
        [BigInt(KIND_CODE[e.kind]), 4],
        [BigInt(e.site), 20],
        [serial, 64],
      ],
      96,
    ),
  };
}

export function decodePrivate96(bytes: Uint8Array): EpcResult<Private96> {
  if (bytes.length !== 12) return fail("length", "epc");
  const v = bytesToBigInt(bytes);
  if (bitField(v, 96, 0, 8) !== BigInt(PRIVATE96_HEADER)) return fail("header", "header");
  const k = Number(bitField(v, 96, 8, 4));
  const kind: PrivateKind | undefined = k === 1 ? "parcel" : k === 2 ? "bag" : undefined;
  if (kind === undefined) return fail("reserved_bits", "kind");
  return {
    ok: true,
    value: {
      scheme: "labelgate-96",
      kind,
      site: Number(bitField(v, 96, 12, 20)),
      serial: bitField(v, 96, 32, 64).toString(),
    },
  };
}
