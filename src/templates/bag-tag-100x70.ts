import { z } from "zod";
import type { Label, LabelElement } from "../../drivers/label/model.ts";
import type { Template } from "./types.ts";
import { rule, text } from "./zones.ts";

/**
 * A 100 × 70 mm bag / cage tag for a sorting centre: the bag number as Code 128 (code zone), the
 * destination and its sort code large (destination zone), the piece count and the closing
 * operator's area (contents zone). A bag tag carries no personal information.
 */
export const bagTagDataSchema = z.strictObject({
  bag_no: z
    .string()
    .regex(/^[A-Z0-9]{6,32}$/, { error: "expected 6–32 upper-case letters or digits" }),
  destination: z.string().min(1).max(40),
  sort_code: z.string().min(1).max(20),
  pieces: z.number().int().min(0).max(99_999),
  weight_g: z.number().int().min(0).max(1_000_000).optional(),
  origin: z.string().min(1).max(40).optional(),
});

export type BagTagData = z.infer<typeof bagTagDataSchema>;

const W = 100;
const M = 3;

export function layoutBagTag100x70(d: BagTagData): Label {
  const el: LabelElement[] = [
    { type: "box", xMm: 1, yMm: 1, widthMm: W - 2, heightMm: 68, thicknessMm: 0.5 },
    {
      type: "barcode",
      symbology: "code128",
      xMm: 8,
      yMm: 4,
      heightMm: 14,
      moduleMm: 0.375,
      data: d.bag_no,
      humanReadable: true,
    },
    rule(24, W - 2, 1),
    text(M, 26, 12, d.sort_code, { bold: true, boxWidthMm: W - 2 * M, align: "center" }),
    text(M, 40, 7, d.destination, { boxWidthMm: W - 2 * M, align: "center" }),
    rule(51, W - 2, 1),
    text(M, 54, 5, `件数 ${d.pieces}`),
  ];
  if (d.weight_g !== undefined) el.push(text(45, 54, 5, `${(d.weight_g / 1000).toFixed(1)} kg`));
  if (d.origin !== undefined)
    el.push(text(M, 62, 3.5, `始发: ${d.origin}`, { boxWidthMm: W - 2 * M }));
  return { widthMm: W, heightMm: 70, elements: el };
}

export const bagTag100x70: Template<BagTagData> = {
  name: "bag-tag-100x70",
  widthMm: W,
  heightMm: 70,
  schema: bagTagDataSchema,
  layout: layoutBagTag100x70,
  waybillNo: () => undefined,
};
