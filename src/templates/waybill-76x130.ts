import type { Label, LabelElement } from "../../drivers/label/model.ts";
import type { Template } from "./types.ts";
import { waybillDataSchema, type WaybillData } from "./waybill-100x150.ts";

/**
 * A 76 × 130 mm express waybill (the narrow stock of many handheld and desktop printers), with the
 * same data as `waybill-100x150` and the same zones of GB/T 41833-2022 top to bottom: code,
 * destination, recipient, sender, contents, signature.
 */
const W = 76;
const M = 2.5;

const hline = (y: number): LabelElement => ({
  type: "line",
  xMm: 0,
  yMm: y,
  widthMm: W,
  heightMm: 0.4,
  thicknessMm: 0.4,
});

const text = (
  x: number,
  y: number,
  size: number,
  value: string,
  extra: Partial<Extract<LabelElement, { type: "text" }>> = {},
): LabelElement => ({ type: "text", xMm: x, yMm: y, sizeMm: size, text: value, ...extra });

/** Text groups as in waybill-100x150.ts: the captions, and the sender's name and address. */
const CAPTION = { group: "caption" } as const;
const SENDER = { group: "sender" } as const;

export function layoutWaybill76x130(d: WaybillData): Label {
  const el: LabelElement[] = [];
  el.push(text(M, 2, 4, d.carrier, { bold: true }));
  el.push({
    type: "barcode",
    symbology: "code128",
    xMm: 10,
    yMm: 3,
    heightMm: 12,
    moduleMm: 0.25,
    data: d.waybill_no,
    humanReadable: true,
  });
  el.push(hline(21));
  el.push(text(M, 23, 10, d.sort_code, { bold: true, boxWidthMm: W - 2 * M, align: "center" }));
  el.push(text(M, 35, 5, d.destination, { boxWidthMm: W - 2 * M, align: "center" }));
  el.push(hline(43));
  el.push(text(M, 45, 4.5, "收", CAPTION));
  el.push(text(9, 45, 3.5, `${d.recipient.name}  ${d.recipient.phone}`));
  el.push(text(9, 50, 3, d.recipient.address, { boxWidthMm: W - 9 - M, maxLines: 2 }));
  el.push(hline(59));
  el.push(text(M, 61, 4.5, "寄", CAPTION));
  el.push(text(9, 61, 3, `${d.sender.name}  ${d.sender.phone}`, SENDER));
  el.push(text(9, 65.5, 2.8, d.sender.address, { boxWidthMm: W - 9 - M, maxLines: 2, ...SENDER }));
  el.push(hline(74));
  const item = d.item;
  const contents = item
    ? [
        item.category,
        // "1.00kg": one number-like run, printed in a resident font (waybill-100x150.ts).
        item.weight_g !== undefined ? `${(item.weight_g / 1000).toFixed(2)}kg` : "",
        item.pieces !== undefined ? `${item.pieces}件` : "",
      ]
        .filter((s) => s !== "")
        .join("  ")
    : "";
  el.push(text(M, 76, 3, `内件: ${contents}`, { boxWidthMm: W - 2 * M }));
  el.push(hline(82));
  el.push(text(M, 84, 3, "签收人:", CAPTION));
  el.push(text(M, 94, 3, "时间:", CAPTION));
  el.push(hline(104));
  el.push({
    type: "barcode",
    symbology: "qrcode",
    xMm: W - 22,
    yMm: 106,
    heightMm: 0,
    moduleMm: 0.5,
    data: d.waybill_no,
  });
  el.push(text(M, 108, 3, d.waybill_no));
  return { widthMm: W, heightMm: 130, elements: el };
}

export const waybill76x130: Template<WaybillData> = {
  name: "waybill-76x130",
  widthMm: W,
  heightMm: 130,
  schema: waybillDataSchema,
  layout: layoutWaybill76x130,
  waybillNo: (d) => d.waybill_no,
};
