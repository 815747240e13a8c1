/**
 * EPC binary codecs (GS1 EPC TDS 1.13): SSCC-96 for parcels, GRAI-96 for reusable bags, and the
 * private `labelgate-96` fallback. Pure, sans-IO (DESIGN.md §1). {@link encodeEpc} decodes what
 * it encoded and compares before returning: every EPC written to a tag has survived a round trip.
 */
import { decodeGrai96, encodeGrai96, GRAI96_HEADER, grai96TagUri, type Grai96 } from "./grai96.ts";
import { fail, type EpcResult } from "./gs1.ts";
import { decodePrivate96, encodePrivate96, PRIVATE96_HEADER, type Private96 } from "./private96.ts";
import { decodeSscc96, encodeSscc96, SSCC96_HEADER, sscc96TagUri, type Sscc96 } from "./sscc96.ts";

export * from "./gs1.ts";
export * from "./sscc96.ts";
export * from "./grai96.ts";
export * from "./private96.ts";

export type Epc = Sscc96 | Grai96 | Private96;

/** The Gen2 PC word for a 96-bit EPC: length 6 words, UMI 0, XI 0, toggle 0 (TDS Table 9-3). */
export const PC_96 = 0x3000;

function encodeRaw(e: Epc): EpcResult<Uint8Array> {
  switch (e.scheme) {
    case "sscc-96":
      return encodeSscc96(e);
    case "grai-96":
      return encodeGrai96(e);
    case "labelgate-96":
      return encodePrivate96(e);
  }
}

/** Decodes a 12-byte EPC of a known scheme (by its header byte). Never throws. */
export function decodeEpc(bytes: Uint8Array): EpcResult<Epc> {
  if (bytes.length !== 12) return fail("length", "epc");
  const header: number = bytes[0] ?? 0;
  switch (header) {
    case SSCC96_HEADER:
      return decodeSscc96(bytes);
    case GRAI96_HEADER:
      return decodeGrai96(bytes);
    case PRIVATE96_HEADER:
      return decodePrivate96(bytes);
    default:
      return fail("header", "header");
  }
}

const sameEpc = (a: Epc, b: Epc): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * Checks every field, packs the EPC, then decodes the bytes and compares them field by field with
 * the input: a mismatch (a codec bug, a silently truncated field) is `round_trip`, never bytes.
 */
export function encodeEpc(e: Epc): EpcResult<Uint8Array> {
  const enc = encodeRaw(e);
  if (!enc.ok) return enc;
  const dec = decodeEpc(enc.value);
  if (!dec.ok || !sameEpc(dec.value, e)) return fail("round_trip", "epc");
  return enc;
}

/** The EPC Tag URI (TDS §12); the private scheme uses `urn:labelgate:epc:…`, never a GS1 URN. */
export function epcTagUri(e: Epc): string {
  switch (e.scheme) {
    case "sscc-96":
      return sscc96TagUri(e);
    case "grai-96":
      return grai96TagUri(e);
    case "labelgate-96":
      return `urn:labelgate:epc:${e.kind}:${e.site}.${e.serial}`;
  }
}
