import { z } from "zod";
import type { Label, LabelElement } from "../../drivers/label/model.ts";
import type { Template } from "./types.ts";

/**
 * A 100 × 150 mm express waybill laid out in the zones of GB/T 41833-2022: code zone (Code 128 of
 * the waybill number), destination zone (三段码 large, destination), recipient zone, sender zone,
 * contents zone and signature zone, top to bottom. Personal fields arrive de-identified (the
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

const W = 100;
const M = 3; // margin

function hline(y: number): LabelElement {
  return { type: "line", xMm: 0, yMm: y, widthMm: W, heightMm: 0.4, thicknessMm: 0.4 };
}

function text(
  x: number,
  y: number,
  size: number,
  value: string,
  extra: Partial<Extract<LabelElement, { type: "text" }>> = {},
): LabelElement {
  return { type: "text", xMm: x, yMm: y, sizeMm: size, text: value, ...extra };
}

/**
 * Text groups (drivers/label/model.ts): a printer that gets text as graphics stores the captions
 * as one object, and the sender's name and address — one party, on every label of a shipper — as
 * another. The recipient's name and address vary independently, so they stay apart.
 */
const CAPTION = { group: "caption" } as const;
const SENDER = { group: "sender" } as const;

export function layoutWaybill100x150(d: WaybillData): Label {
  const el: LabelElement[] = [];
  // Code zone: carrier and the waybill barcode.
  el.push(text(M, 3, 5, d.carrier, { bold: true }));
  el.push({
    type: "barcode",
    symbology: "code128",
    xMm: 12,
    yMm: 4,
    heightMm: 15,
    moduleMm: 0.375,
    data: d.waybill_no,
    humanReadable: true,
  });
  el.push(hline(26));
  // Destination zone: the sort code large enough to read from a belt, and the destination.
  el.push(text(M, 29, 12, d.sort_code, { bold: true, boxWidthMm: W - 2 * M, align: "center" }));
  el.push(text(M, 43, 6, d.destination, { boxWidthMm: W - 2 * M, align: "center" }));
  el.push(hline(52));
  // Recipient zone.
  el.push(text(M, 55, 6, "收", CAPTION));
  el.push(text(12, 55, 4, `${d.recipient.name}  ${d.recipient.phone}`));
  el.push(text(12, 61, 3.5, d.recipient.address, { boxWidthMm: W - 12 - M, maxLines: 2 }));
  el.push(hline(72));
  // Sender zone.
  el.push(text(M, 75, 6, "寄", CAPTION));
  el.push(text(12, 75, 3.5, `${d.sender.name}  ${d.sender.phone}`, SENDER));
  el.push(text(12, 80, 3, d.sender.address, { boxWidthMm: W - 12 - M, maxLines: 2, ...SENDER }));
  el.push(hline(89));
  // Contents zone.
  const item = d.item;
  // "1.00kg" without a space is one number-like run, which printers print in a resident font.
  const contents = item
    ? [
        item.category,
        item.weight_g !== undefined ? `${(item.weight_g / 1000).toFixed(2)}kg` : "",
        item.pieces !== undefined ? `${item.pieces}件` : "",
      ]
        .filter((s) => s !== "")
        .join("  ")
    : "";
  el.push(text(M, 92, 3.5, `内件: ${contents}`, { boxWidthMm: W - 2 * M }));
  el.push(hline(100));
  // Signature zone.
  el.push(text(M, 103, 3.5, "签收人:", CAPTION));
  el.push(text(M, 115, 3.5, "时间:", CAPTION));
  el.push(hline(128));
  el.push(text(M, 131, 3, d.waybill_no));
  return { widthMm: W, heightMm: 150, elements: el };
}

export const waybill100x150: Template<WaybillData> = {
  name: "waybill-100x150",
  widthMm: 100,
  heightMm: 150,
  schema: waybillDataSchema,
  layout: layoutWaybill100x150,
  waybillNo: (d) => d.waybill_no,
};
