/**
 * What the built-in templates share: the element builders, the text groups, and the waybill laid
 * out in the zones of GB/T 41833-2022 — code zone, destination zone, recipient zone, sender zone,
 * contents zone and signature zone, top to bottom — from a table of where each zone stands. The
 * 100 × 150 and 76 × 130 waybills are the same layout on two stocks, so each is a
 * {@link WaybillGeometry} and one function lays out both.
 */
import type {
  BarcodeElement,
  Label,
  LabelElement,
  TextElement,
} from "../../drivers/label/model.ts";

export function text(
  x: number,
  y: number,
  size: number,
  value: string,
  extra: Partial<TextElement> = {},
): LabelElement {
  return { type: "text", xMm: x, yMm: y, sizeMm: size, text: value, ...extra };
}

/** A horizontal rule 0.4 mm thick from `x` (default the left edge), `widthMm` long. */
export function rule(y: number, widthMm: number, x = 0): LabelElement {
  return { type: "line", xMm: x, yMm: y, widthMm, heightMm: 0.4, thicknessMm: 0.4 };
}

/**
 * Text groups (drivers/label/model.ts): a printer that gets text as graphics stores the captions
 * as one object, and the sender's name and address — one party, on every label of a shipper — as
 * another. The recipient's name and address vary independently, so they stay apart.
 */
export const CAPTION = { group: "caption" } as const;
export const SENDER = { group: "sender" } as const;

/** One party of a waybill, de-identified before the template runs (the privacy guard). */
export interface WaybillParty {
  name: string;
  phone: string;
  address: string;
}

/** The fields {@link layoutWaybill} prints (the data of waybill-100x150.ts). */
export interface WaybillFields {
  waybill_no: string;
  carrier: string;
  sort_code: string;
  destination: string;
  recipient: WaybillParty;
  sender: WaybillParty;
  item?:
    { category: string; weight_g?: number | undefined; pieces?: number | undefined } | undefined;
}

/** Where a party zone's texts stand: the caption (收 / 寄) at the margin, the rest at `indentMm`. */
export interface PartyPlace {
  yMm: number;
  captionSizeMm: number;
  indentMm: number;
  /** Name and phone on the zone's first line. */
  nameSizeMm: number;
  /** The address, up to two lines from `addressYMm`. */
  addressYMm: number;
  addressSizeMm: number;
  /** The y of the rule under the zone. */
  ruleYMm: number;
}

/** Where each zone of a waybill stands, in millimetres from the label's top-left corner. */
export interface WaybillGeometry {
  widthMm: number;
  heightMm: number;
  marginMm: number;
  /** The carrier (bold) at the margin and the Code 128 of the waybill number beside it. */
  code: {
    carrierYMm: number;
    carrierSizeMm: number;
    barcode: Pick<BarcodeElement, "xMm" | "yMm" | "heightMm" | "moduleMm">;
    ruleYMm: number;
  };
  /** The sort code large enough to read from a belt (bold), and the destination; both centred. */
  destination: {
    sortCodeYMm: number;
    sortCodeSizeMm: number;
    destinationYMm: number;
    destinationSizeMm: number;
    ruleYMm: number;
  };
  recipient: PartyPlace;
  sender: PartyPlace;
  contents: { yMm: number; sizeMm: number; ruleYMm: number };
  signature: { signYMm: number; timeYMm: number; sizeMm: number; ruleYMm: number };
  /** The waybill number as text at the bottom, and where the stock allows a QR code of it. */
  footer: {
    textYMm: number;
    sizeMm: number;
    qr?: Pick<BarcodeElement, "xMm" | "yMm" | "moduleMm">;
  };
}

/** "日用品  1.20kg  1件": the contents zone's line; empty without an item. */
function contentsLine(item: WaybillFields["item"]): string {
  if (!item) return "";
  return [
    item.category,
    // "1.00kg" without a space is one number-like run, which printers print in a resident font.
    item.weight_g !== undefined ? `${(item.weight_g / 1000).toFixed(2)}kg` : "",
    item.pieces !== undefined ? `${item.pieces}件` : "",
  ]
    .filter((s) => s !== "")
    .join("  ");
}

function partyZone(
  el: LabelElement[],
  g: WaybillGeometry,
  p: PartyPlace,
  caption: string,
  party: WaybillParty,
  group: typeof SENDER | Record<string, never>,
): void {
  const box = g.widthMm - p.indentMm - g.marginMm;
  el.push(text(g.marginMm, p.yMm, p.captionSizeMm, caption, CAPTION));
  el.push(text(p.indentMm, p.yMm, p.nameSizeMm, `${party.name}  ${party.phone}`, group));
  el.push(
    text(p.indentMm, p.addressYMm, p.addressSizeMm, party.address, {
      boxWidthMm: box,
      maxLines: 2,
      ...group,
    }),
  );
  el.push(rule(p.ruleYMm, g.widthMm));
}

/** Lays out a waybill's zones top to bottom at the places `g` gives. */
export function layoutWaybill(d: WaybillFields, g: WaybillGeometry): Label {
  const W = g.widthMm;
  const M = g.marginMm;
  const el: LabelElement[] = [];
  // Code zone.
  el.push(text(M, g.code.carrierYMm, g.code.carrierSizeMm, d.carrier, { bold: true }));
  el.push({
    type: "barcode",
    symbology: "code128",
    ...g.code.barcode,
    data: d.waybill_no,
    humanReadable: true,
  });
  el.push(rule(g.code.ruleYMm, W));
  // Destination zone.
  const dz = g.destination;
  const centred = { boxWidthMm: W - 2 * M, align: "center" } as const;
  el.push(text(M, dz.sortCodeYMm, dz.sortCodeSizeMm, d.sort_code, { bold: true, ...centred }));
  el.push(text(M, dz.destinationYMm, dz.destinationSizeMm, d.destination, centred));
  el.push(rule(dz.ruleYMm, W));
  // Recipient and sender zones.
  partyZone(el, g, g.recipient, "收", d.recipient, {});
  partyZone(el, g, g.sender, "寄", d.sender, SENDER);
  // Contents zone.
  const cz = g.contents;
  el.push(text(M, cz.yMm, cz.sizeMm, `内件: ${contentsLine(d.item)}`, { boxWidthMm: W - 2 * M }));
  el.push(rule(cz.ruleYMm, W));
  // Signature zone.
  const sz = g.signature;
  el.push(text(M, sz.signYMm, sz.sizeMm, "签收人:", CAPTION));
  el.push(text(M, sz.timeYMm, sz.sizeMm, "时间:", CAPTION));
  el.push(rule(sz.ruleYMm, W));
  // Footer.
  const f = g.footer;
  if (f.qr !== undefined)
    el.push({
      type: "barcode",
      symbology: "qrcode",
      xMm: f.qr.xMm,
      yMm: f.qr.yMm,
      heightMm: 0,
      moduleMm: f.qr.moduleMm,
      data: d.waybill_no,
    });
  el.push(text(M, f.textYMm, f.sizeMm, d.waybill_no));
  return { widthMm: W, heightMm: g.heightMm, elements: el };
}
