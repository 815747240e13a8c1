import { z } from "zod";

/**
 * Configuration of access control, approvals and the waybill-number life cycle (issue #8),
 * kept apart from `schema.ts` so it can grow without touching the shared file.
 */

/** `access`: operators, approvals and reprint control (Art. 15). */
export const accessSchema = z
  .strictObject({
    /**
     * Every job must name a registered, active `operator`. Off (the default): a job may omit it or
     * name an unregistered id, but a registered operator who is disabled is always refused.
     */
    require_operator: z.boolean().default(false),
    /** A job with more copies than this is a bulk print and needs a `print.bulk` approval. */
    bulk_print_copies: z.number().int().min(1).max(1000).default(20),
    /** Reprints of one waybill number allowed before a `print.reprint_over_limit` approval. */
    max_reprints: z.number().int().min(0).max(100).default(3),
    /** How long a requested approval stays valid, in seconds (default one hour). */
    approval_ttl_s: z
      .number()
      .int()
      .min(10)
      .max(7 * 86400)
      .default(3600),
  })
  .default(() => ({
    require_operator: false,
    bulk_print_copies: 20,
    max_reprints: 3,
    approval_ttl_s: 3600,
  }));

const waybillNo = z.string().regex(/^[A-Z0-9]{6,32}$/, {
  error: "expected 6–32 capital letters and digits",
});

/** One carrier's numbering: prefixes and/or inclusive ranges (same length, compared as text). */
export const carrierNumberingSchema = z
  .strictObject({
    carrier: z.string().regex(/^[A-Z0-9]{1,16}$/, { error: "expected a carrier code such as SF" }),
    prefixes: z.array(z.string().regex(/^[A-Z0-9]{1,16}$/)).default([]),
    ranges: z.array(z.strictObject({ from: waybillNo, to: waybillNo })).default([]),
    /** The whole number's shape, e.g. `^SF\\d{13}$` (checked before prefixes and ranges). */
    pattern: z.string().max(200).optional(),
  })
  .superRefine((c, ctx) => {
    c.ranges.forEach((r, i) => {
      if (r.from.length !== r.to.length || r.from > r.to)
        ctx.addIssue({
          code: "custom",
          path: ["ranges", i],
          message: "expected from ≤ to, both of the same length",
        });
    });
    if (c.pattern !== undefined) {
      try {
        new RegExp(c.pattern);
      } catch {
        ctx.addIssue({
          code: "custom",
          path: ["pattern"],
          message: "expected a regular expression",
        });
      }
    }
  });

/** `waybills`: the numbers this site may print (Art. 13, waybill numbers managed for life). */
export const waybillsSchema = z
  .strictObject({
    /** Empty: any number is accepted. Otherwise a number must match its carrier's entry. */
    carriers: z.array(carrierNumberingSchema).default([]),
    /**
     * Track each number's prints, reprints, voids and RFID encodes and enforce reprint control
     * (a second print needs a reason; over `access.max_reprints` an approval). Only test setups
     * that print one fixture number many times turn it off.
     */
    life_cycle: z.boolean().default(true),
  })
  .default(() => ({ carriers: [], life_cycle: true }));

export type AccessConfig = z.infer<typeof accessSchema>;
export type WaybillsConfig = z.infer<typeof waybillsSchema>;
export type CarrierNumbering = z.infer<typeof carrierNumberingSchema>;
