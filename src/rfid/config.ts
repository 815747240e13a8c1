import { z } from "zod";

/**
 * The site's RFID settings (config key `rfid`): how EPCs are numbered and the access password
 * that locks every tag this site encodes. With a GS1 Company Prefix parcels get SSCC-96 and bags
 * GRAI-96 (partition from the prefix length, TDS Tables 14-5 and 14-10); without one, the private
 * `labelgate-96` layout (firmware-protocols/epc/private96.ts), valid only inside the site.
 */
export const rfidSchema = z
  .strictObject({
    /** GS1 Company Prefix, 6–12 digits; omit when the site has none. */
    company_prefix: z
      .string()
      .regex(/^[0-9]{6,12}$/, { error: "expected 6–12 digits" })
      .optional(),
    /** GRAI asset type of the site's sorting bags: 12 − prefix length digits. */
    bag_asset_type: z
      .string()
      .regex(/^[0-9]{0,6}$/, { error: "expected up to 6 digits" })
      .optional(),
    /** SSCC-96 filter (TDS: 2 = full case for transport). */
    sscc_filter: z.number().int().min(0).max(7).default(2),
    /** GRAI-96 filter (TDS: 0 = all others). */
    grai_filter: z.number().int().min(0).max(7).default(0),
    /** Site number in the private `labelgate-96` EPC (0 … 1048575). */
    site_number: z
      .number()
      .int()
      .min(0)
      .max(2 ** 20 - 1)
      .default(0),
    /**
     * The site's tag access password, 8 hex digits, never all zero (a zero password protects
     * nothing, reference §5.1). A secret: left out of the published configuration. Without it no
     * tag is encoded (`rfid_not_configured`).
     */
    access_password: z
      .string()
      .regex(/^[0-9A-Fa-f]{8}$/, { error: "expected 8 hex digits" })
      .refine((s) => parseInt(s, 16) !== 0, { error: "must not be zero" })
      .optional(),
    /** Lock the EPC and the access password after a verified write (default true). */
    lock: z.boolean().default(true),
  })
  .superRefine((r, ctx) => {
    if (r.company_prefix === undefined) return;
    const want = 12 - r.company_prefix.length;
    if (r.bag_asset_type !== undefined && r.bag_asset_type.length !== want)
      ctx.addIssue({
        code: "custom",
        path: ["bag_asset_type"],
        message: `expected ${want} digits (12 minus the company prefix length)`,
      });
  })
  .default(() => ({ sscc_filter: 2, grai_filter: 0, site_number: 0, lock: true }));

export type RfidConfig = z.infer<typeof rfidSchema>;
