/**
 * The `rfid` block of a job (`rfid.encode`, and `label.print` on an RFID printer): what goes on
 * the tag, checked at intake and turned into a driver {@link RfidEncodeSpec} just before dispatch.
 * A tag carries an identifier, never personal data (Art. 13): the EPC is built from a bag number
 * or an SSCC serial reference, and user memory takes only a waybill number, an opaque token or
 * ciphertext, checked by the privacy guard.
 */
import { z } from "zod";
import { encodeEpc, epcTagUri, toHex, type Epc } from "../../firmware-protocols/epc/index.ts";
import type { RfidEncodeSpec } from "../../drivers/rfid/job.ts";
import { CodedError } from "../errors.ts";
import { guardText } from "../privacy/index.ts";
import type { RfidConfig } from "./config.ts";

/** Largest user-memory content, in characters (one byte each; 32 words). */
export const MAX_USER_MEMORY_CHARS = 64;

export const rfidBlockSchema = z
  .strictObject({
    /** A reusable bag's number → GRAI-96 serial (or the private layout's bag serial). */
    bag_no: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,19})$/, { error: "expected a number without leading zeros" })
      .optional(),
    /** SSCC serial reference (extension digit first), allocated by the WMS → SSCC-96. */
    serial_ref: z
      .string()
      .regex(/^[0-9]{1,20}$/, { error: "expected digits" })
      .optional(),
    /** Overrides the configured filter value (0–7). */
    filter: z.number().int().min(0).max(7).optional(),
    /** Overrides `rfid.lock`. */
    lock: z.boolean().optional(),
    /**
     * User-memory content: a waybill number, an opaque token or ciphertext (base64/hex), printable
     * ASCII without spaces; checked by the privacy guard.
     */
    user_memory: z
      .string()
      .regex(/^[A-Za-z0-9_.:+/=-]{1,64}$/, {
        error: "expected 1–64 characters: letters, digits, '_', '.', ':', '+', '/', '=', '-'",
      })
      .optional(),
  })
  .refine((b) => (b.bag_no === undefined) !== (b.serial_ref === undefined), {
    error: "expected exactly one of bag_no and serial_ref",
  });

export type RfidBlock = z.infer<typeof rfidBlockSchema>;

export interface PreparedRfid {
  epc: Epc;
  epcHex: string;
  uri: string;
  spec: RfidEncodeSpec;
}

/** The privacy check of what goes to the tag: the EPC's numbers and user memory (Art. 13). */
export function guardRfidBlock(
  block: RfidBlock,
  phoneMinHidden: number,
): { ok: true } | { ok: false; path: string; rule: string } {
  // The numbers that become the EPC are checked too: a "serial" that is a phone or resident ID
  // number would put personal data on the tag.
  for (const [key, value] of [
    ["bag_no", block.bag_no],
    ["serial_ref", block.serial_ref],
    ["user_memory", block.user_memory],
  ] as const) {
    if (value === undefined) continue;
    const g = guardText(value, `rfid.${key}`, { phoneMinHidden });
    if (!g.ok) return g;
  }
  return { ok: true };
}

/**
 * Builds the EPC and the driver's spec. Throws `rfid_not_configured` without an access password,
 * `rfid_epc_invalid` (with the field) when a number does not fit the scheme or the round trip
 * fails. Never echoes the numbers.
 */
export function prepareRfid(block: RfidBlock, config: RfidConfig): PreparedRfid {
  if (config.access_password === undefined)
    throw new CodedError("rfid_not_configured", "rfid.access_password is not configured", {
      path: "rfid.access_password",
    });
  const epc: Epc =
    config.company_prefix === undefined
      ? {
          scheme: "labelgate-96",
          kind: block.bag_no !== undefined ? "bag" : "parcel",
          site: config.site_number,
          serial: block.bag_no ?? String(BigInt(block.serial_ref ?? "0")),
        }
      : block.bag_no !== undefined
        ? {
            scheme: "grai-96",
            filter: block.filter ?? config.grai_filter,
            companyPrefix: config.company_prefix,
            assetType: config.bag_asset_type ?? "".padStart(12 - config.company_prefix.length, "0"),
            serial: block.bag_no,
          }
        : {
            scheme: "sscc-96",
            filter: block.filter ?? config.sscc_filter,
            companyPrefix: config.company_prefix,
            serialReference: block.serial_ref ?? "",
          };
  const r = encodeEpc(epc);
  if (!r.ok)
    throw new CodedError(
      "rfid_epc_invalid",
      `payload.rfid: ${r.field} does not fit ${epc.scheme} (${r.code})`,
      { path: `payload.rfid`, field: r.field, scheme: epc.scheme, reason: r.code },
    );
  const user = block.user_memory === undefined ? undefined : asciiWords(block.user_memory);
  return {
    epc,
    epcHex: toHex(r.value),
    uri: epcTagUri(epc),
    spec: {
      epc: r.value,
      accessPassword: parseInt(config.access_password, 16) >>> 0,
      lock: block.lock ?? config.lock,
      ...(user !== undefined && { userMemory: user }),
    },
  };
}

/** ASCII bytes padded with a NUL to whole 16-bit words. */
function asciiWords(s: string): Uint8Array {
  const out = new Uint8Array(s.length + (s.length % 2));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
