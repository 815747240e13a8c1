import { z } from "zod";
import type { Label } from "../../drivers/label/model.ts";
import type { Template } from "./types.ts";
import { layoutWaybill, type WaybillGeometry } from "./zones.ts";

/**
 * A 100 × 150 mm express waybill laid out in the zones of GB/T 41833-2022: code zone (Code 128 of
 * the waybill number), destination zone (三段码 large, destination), recipient zone, sender zone,
 * contents zone and signature zone, top to bottom (zones.ts lays them out). Personal fields arrive de-identified (the
 * privacy guard checked them before the template runs).
 */
const party = z.strictObject({
  name: z.string().min(1).max(32),
  phone: z.string().min(1).max(32),
  address: z.string().min(1).max(120),
  sender_kind: z.enum(["person", "organization"]).optional(),
  phone_kind: z.enum(["real", "virtual"]).optional(),
  binding_expires_at: z.string().max(40).optional(),
});

export const waybillDataSchema = z.strictObject({
  waybill_no: z
    .string()
    .regex(/^[A-Z0-9]{8,32}$/, { error: "expected 8–32 upper-case letters or digits" }),
  carrier: z.string().min(1).max(16),
  sort_code: z.string().min(1).max(20),
  destination: z.string().min(1).max(40),
  recipient: party,
  sender: party,
  item: z
    .strictObject({
      category: z.string().min(1).max(32),
      weight_g: z.number().int().min(0).max(1_000_000).optional(),
      pieces: z.number().int().min(1).max(999).optional(),
    })
    .optional(),
});

export type WaybillData = z.infer<typeof waybillDataSchema>;

/** Where the zones stand on 100 × 150 mm stock. */
const GEOMETRY: WaybillGeometry = {
  widthMm: 100,
  heightMm: 150,
  marginMm: 3,
  code: {
    carrierYMm: 3,
    carrierSizeMm: 5,
    barcode: { xMm: 12, yMm: 4, heightMm: 15, moduleMm: 0.375 },
    ruleYMm: 26,
  },
  destination: {
    sortCodeYMm: 29,
    sortCodeSizeMm: 12,
    destinationYMm: 43,
    destinationSizeMm: 6,
    ruleYMm: 52,
  },
  recipient: {
    yMm: 55,
    captionSizeMm: 6,
    indentMm: 12,
    nameSizeMm: 4,
    addressYMm: 61,
    addressSizeMm: 3.5,
    ruleYMm: 72,
  },
  sender: {
    yMm: 75,
    captionSizeMm: 6,
    indentMm: 12,
    nameSizeMm: 3.5,
    addressYMm: 80,
    addressSizeMm: 3,
    ruleYMm: 89,
  },
  contents: { yMm: 92, sizeMm: 3.5, ruleYMm: 100 },
  signature: { signYMm: 103, timeYMm: 115, sizeMm: 3.5, ruleYMm: 128 },
  footer: { textYMm: 131, sizeMm: 3 },
};

export function layoutWaybill100x150(d: WaybillData): Label {
  return layoutWaybill(d, GEOMETRY);
}

export const waybill100x150: Template<WaybillData> = {
  name: "waybill-100x150",
  widthMm: 100,
  heightMm: 150,
  schema: waybillDataSchema,
  layout: layoutWaybill100x150,
  waybillNo: (d) => d.waybill_no,
};
