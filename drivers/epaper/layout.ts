/**
 * The bag tag (`bag-tag-100x70` data) laid out for an e-paper tag, in tag pixels (see
 * raster.ts): bag number as Code 128 with 1 px modules on small tags and 2 px from 400 px wide,
 * the sort code large (in the tag's colour on a colour tag), the destination in Chinese, pieces.
 */
import type { Label, LabelElement } from "../label/model.ts";
import type { TagProfile } from "./raster.ts";

export interface BagTagContent {
  bag_no: string;
  destination: string;
  sort_code: string;
  pieces: number;
  weight_g?: number | undefined;
  origin?: string | undefined;
}

export interface TagLayout {
  label: Label;
  /** Indexes of elements drawn in the tag's colour (never barcodes). */
  accent: Set<number>;
}

export function layoutBagTagForTag(d: BagTagContent, tag: TagProfile): TagLayout {
  const W = tag.width;
  const H = tag.height;
  const module = W >= 400 ? 2 : 1;
  const m = Math.max(4, Math.round(W / 50));
  const barH = Math.round(H * 0.22);
  const big = Math.round(H * 0.2);
  const mid = Math.round(H * 0.13);
  const small = Math.max(12, Math.round(H * 0.09));
  const el: LabelElement[] = [
    // Quiet zone: 10 modules left of the bars (m ≥ 4 px, plus the start at x = 12 modules).
    {
      type: "barcode",
      symbology: "code128",
      xMm: 12 * module,
      yMm: m,
      heightMm: barH,
      moduleMm: module,
      data: d.bag_no,
    },
    { type: "text", xMm: 12 * module, yMm: m + barH + 2, sizeMm: small, text: d.bag_no },
    { type: "line", xMm: 0, yMm: m + barH + small + 6, widthMm: W, heightMm: 2, thicknessMm: 2 },
    {
      type: "text",
      xMm: m,
      yMm: m + barH + small + 10,
      sizeMm: big,
      text: d.sort_code,
      bold: true,
      boxWidthMm: W - 2 * m,
      align: "center",
    },
    {
      type: "text",
      xMm: m,
      yMm: m + barH + small + big + 14,
      sizeMm: mid,
      text: d.destination,
      boxWidthMm: W - 2 * m,
      align: "center",
    },
  ];
  const yInfo = m + barH + small + big + mid + 20;
  const info = `件数 ${d.pieces}${d.weight_g !== undefined ? `  ${(d.weight_g / 1000).toFixed(1)} kg` : ""}`;
  if (yInfo + small <= H) el.push({ type: "text", xMm: m, yMm: yInfo, sizeMm: small, text: info });
  return { label: { widthMm: W, heightMm: H, elements: el }, accent: new Set([3]) };
}
