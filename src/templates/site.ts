/**
 * Site templates: a template a site adds without code, as a YAML (or JSON) file in the
 * `templates/` folder next to its configuration file. The file declares the label size, the data
 * fields (each a string or an integer with limits) and the elements, whose `text` / `data` may
 * name fields as `{field}`. Example (examples/templates/shelf-60x40.yaml):
 *
 * ```yaml
 * name: shelf-60x40
 * width_mm: 60
 * height_mm: 40
 * fields:
 *   shelf: { type: string, max: 16, pattern: "^[A-Z0-9-]+$" }
 *   zone: { type: string, max: 20 }
 * elements:
 *   - { type: text, x_mm: 3, y_mm: 3, size_mm: 9, text: "{shelf}", bold: true }
 *   - { type: text, x_mm: 3, y_mm: 15, size_mm: 5, text: "区域 {zone}" }
 *   - { type: barcode, symbology: code128, x_mm: 3, y_mm: 23, height_mm: 12, module_mm: 0.25, data: "{shelf}" }
 * ```
 *
 * Job data is validated against the declared fields (unknown keys refused) before it reaches a
 * label; values are substituted as text, so a value can never add or change an element.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Label, LabelElement } from "../../drivers/label/model.ts";
import { formatIssues } from "../config/load.ts";
import { CodedError } from "../errors.ts";
import type { Template } from "./types.ts";

const mm = z.number().min(0).max(1000);
const fieldSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("string"),
    min: z.number().int().min(0).max(1000).default(1),
    max: z.number().int().min(1).max(1000).default(64),
    pattern: z.string().max(200).optional(),
    optional: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal("integer"),
    min: z.number().int().default(0),
    max: z.number().int().default(1_000_000),
    optional: z.boolean().default(false),
  }),
]);
const common = { x_mm: mm, y_mm: mm };
const elementSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("text"),
    ...common,
    size_mm: z.number().min(0.5).max(100),
    text: z.string().max(500),
    box_width_mm: mm.optional(),
    max_lines: z.number().int().min(1).max(20).optional(),
    align: z.enum(["left", "center", "right"]).optional(),
    bold: z.boolean().optional(),
    rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]).optional(),
    // Texts of one group go to a printer without a CJK font as one graphic (label model).
    group: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/)
      .optional(),
  }),
  z.strictObject({
    type: z.literal("barcode"),
    ...common,
    symbology: z.enum(["code128", "qrcode", "datamatrix", "pdf417"]),
    height_mm: mm.default(0),
    module_mm: z.number().min(0.1).max(5),
    data: z.string().max(500),
    human_readable: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal("line"),
    ...common,
    width_mm: mm,
    height_mm: mm,
    thickness_mm: mm,
  }),
  z.strictObject({
    type: z.literal("box"),
    ...common,
    width_mm: mm,
    height_mm: mm,
    thickness_mm: mm,
  }),
]);
export const siteTemplateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]{1,64}$/),
  width_mm: z.number().positive().max(300),
  height_mm: z.number().positive().max(1000),
  fields: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), fieldSchema),
  /** The field holding the waybill number (sealed in the audit log), if any. */
  waybill_field: z.string().optional(),
  elements: z.array(elementSchema).min(1).max(200),
});

type SiteData = Record<string, string | number>;

function dataSchema(fields: z.infer<typeof siteTemplateSchema>["fields"]): z.ZodType<SiteData> {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, f] of Object.entries(fields)) {
    let s: z.ZodType;
    if (f.type === "string") {
      let str = z.string().min(f.min).max(f.max);
      if (f.pattern !== undefined)
        str = str.regex(new RegExp(f.pattern), { error: "does not match the field's pattern" });
      s = str;
    } else s = z.number().int().min(f.min).max(f.max);
    shape[k] = f.optional ? s.optional() : s;
  }
  return z.strictObject(shape) as unknown as z.ZodType<SiteData>;
}

/** `{field}` → the value as text; unknown names stay as written. */
function fill(template: string, data: SiteData): string {
  return template.replace(/\{([a-z][a-z0-9_]{0,31})\}/g, (all, k: string) =>
    Object.hasOwn(data, k) ? String(data[k] ?? "") : all,
  );
}

/** Validates a parsed site-template document; throws `config_invalid` naming paths, not values. */
export function parseSiteTemplate(doc: unknown, source: string): Template<SiteData> {
  const r = siteTemplateSchema.safeParse(doc);
  if (!r.success)
    throw new CodedError("config_invalid", `${source}: ${formatIssues(r.error).join("; ")}`);
  const def = r.data;
  if (def.waybill_field !== undefined && !Object.hasOwn(def.fields, def.waybill_field))
    throw new CodedError("config_invalid", `${source}: waybill_field: not a declared field`);
  for (const f of Object.values(def.fields))
    if (f.type === "string" && f.pattern !== undefined) {
      try {
        new RegExp(f.pattern);
      } catch {
        throw new CodedError(
          "config_invalid",
          `${source}: fields: a pattern is not a valid regular expression`,
        );
      }
    }
  const layout = (d: SiteData): Label => ({
    widthMm: def.width_mm,
    heightMm: def.height_mm,
    elements: def.elements.map((e): LabelElement => {
      switch (e.type) {
        case "text":
          return {
            type: "text",
            xMm: e.x_mm,
            yMm: e.y_mm,
            sizeMm: e.size_mm,
            text: fill(e.text, d),
            ...(e.box_width_mm !== undefined && { boxWidthMm: e.box_width_mm }),
            ...(e.max_lines !== undefined && { maxLines: e.max_lines }),
            ...(e.align !== undefined && { align: e.align }),
            ...(e.bold !== undefined && { bold: e.bold }),
            ...(e.rotation !== undefined && { rotation: e.rotation }),
            ...(e.group !== undefined && { group: e.group }),
          };
        case "barcode":
          return {
            type: "barcode",
            symbology: e.symbology,
            xMm: e.x_mm,
            yMm: e.y_mm,
            heightMm: e.height_mm,
            moduleMm: e.module_mm,
            data: fill(e.data, d),
            ...(e.human_readable !== undefined && { humanReadable: e.human_readable }),
          };
        case "line":
        case "box":
          return {
            type: e.type,
            xMm: e.x_mm,
            yMm: e.y_mm,
            widthMm: e.width_mm,
            heightMm: e.height_mm,
            thicknessMm: e.thickness_mm,
          };
      }
    }),
  });
  const wf = def.waybill_field;
  return {
    name: def.name,
    widthMm: def.width_mm,
    heightMm: def.height_mm,
    schema: dataSchema(def.fields),
    layout,
    waybillNo: (d) => (wf !== undefined && d[wf] !== undefined ? String(d[wf]) : undefined),
  };
}

/** Every `*.yaml` / `*.yml` / `*.json` in `dir`, parsed; a missing folder gives none. */
export function loadSiteTemplates(dir: string): Array<Template<SiteData>> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.(ya?ml|json)$/.test(n))
      .sort();
  } catch {
    return [];
  }
  return names.map((n) => {
    const file = join(dir, n);
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, "utf8"));
    } catch {
      throw new CodedError("config_invalid", `${file}: not valid YAML or JSON`);
    }
    return parseSiteTemplate(doc, file);
  });
}
