import type { Label } from "../../drivers/label/model.ts";
import type { Template } from "./types.ts";
import { waybillDataSchema, type WaybillData } from "./waybill-100x150.ts";
import { layoutWaybill, type WaybillGeometry } from "./zones.ts";

/**
 * A 76 × 130 mm express waybill (the narrow stock of many handheld and desktop printers), with the
 * same data as `waybill-100x150` and the same zones of GB/T 41833-2022 top to bottom: code,
 * destination, recipient, sender, contents, signature.
 */
const W = 76;

/** Where the zones stand on 76 × 130 mm stock; a QR code of the waybill number in the footer. */
const GEOMETRY: WaybillGeometry = {
  widthMm: W,
  heightMm: 130,
  marginMm: 2.5,
  code: {
    carrierYMm: 2,
    carrierSizeMm: 4,
    barcode: { xMm: 10, yMm: 3, heightMm: 12, moduleMm: 0.25 },
    ruleYMm: 21,
  },
  destination: {
    sortCodeYMm: 23,
    sortCodeSizeMm: 10,
    destinationYMm: 35,
    destinationSizeMm: 5,
    ruleYMm: 43,
  },
  recipient: {
    yMm: 45,
    captionSizeMm: 4.5,
    indentMm: 9,
    nameSizeMm: 3.5,
    addressYMm: 50,
    addressSizeMm: 3,
    ruleYMm: 59,
  },
  sender: {
    yMm: 61,
    captionSizeMm: 4.5,
    indentMm: 9,
    nameSizeMm: 3,
    addressYMm: 65.5,
    addressSizeMm: 2.8,
    ruleYMm: 74,
  },
  contents: { yMm: 76, sizeMm: 3, ruleYMm: 82 },
  signature: { signYMm: 84, timeYMm: 94, sizeMm: 3, ruleYMm: 104 },
  footer: { textYMm: 108, sizeMm: 3, qr: { xMm: W - 22, yMm: 106, moduleMm: 0.5 } },
};

export function layoutWaybill76x130(d: WaybillData): Label {
  return layoutWaybill(d, GEOMETRY);
}

export const waybill76x130: Template<WaybillData> = {
  name: "waybill-76x130",
  widthMm: W,
  heightMm: 130,
  schema: waybillDataSchema,
  layout: layoutWaybill76x130,
  waybillNo: (d) => d.waybill_no,
};
