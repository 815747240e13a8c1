import { CodedError } from "../errors.ts";
import { formatPath } from "../config/load.ts";
import type { Label } from "../../drivers/label/model.ts";
import type { Template } from "./types.ts";
import { waybill100x150 } from "./waybill-100x150.ts";
import { waybill76x130 } from "./waybill-76x130.ts";
import { bagTag100x70 } from "./bag-tag-100x70.ts";

// Each template keeps its own data type; the registry only needs the erased form.
type AnyTemplate = Template<never> & {
  schema: Template<unknown>["schema"];
  layout(data: unknown): Label;
  waybillNo(data: unknown): string | undefined;
};

const BUILT_IN = [waybill100x150, waybill76x130, bagTag100x70].map(
  (t) => [t.name, t as unknown as AnyTemplate] as const,
);
const TEMPLATES = new Map<string, AnyTemplate>(BUILT_IN);

/**
 * Adds a site template (src/templates/site.ts). Throws `config_invalid` when the name is taken by
 * a built-in template; a site template of the same name replaces the earlier one.
 */
export function registerTemplate<D>(t: Template<D>): void {
  if (BUILT_IN.some(([name]) => name === t.name))
    throw new CodedError(
      "config_invalid",
      `template '${t.name}' is built in and cannot be replaced`,
    );
  TEMPLATES.set(t.name, t as unknown as AnyTemplate);
}

/** The template's size in millimetres, or undefined for an unknown name. */
export function templateSize(name: string): { widthMm: number; heightMm: number } | undefined {
  const t = TEMPLATES.get(name);
  return t === undefined ? undefined : { widthMm: t.widthMm, heightMm: t.heightMm };
}

export function templateNames(): string[] {
  return [...TEMPLATES.keys()];
}

export interface RenderedJob {
  label: Label;
  waybillNo: string | undefined;
}

/** Validates the data against the template's schema and lays out the label. */
export function renderTemplate(name: string, data: unknown): RenderedJob {
  const t = TEMPLATES.get(name);
  if (!t)
    throw new CodedError("template_unknown", `no template named '${name.slice(0, 64)}'`, {
      template: name.slice(0, 64),
    });
  const r = t.schema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = `payload.data.${issue ? formatPath(issue.path) : ""}`;
    const msg =
      issue?.code === "unrecognized_keys"
        ? `unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`
        : (issue?.message ?? "invalid");
    throw new CodedError("template_data_invalid", `${path}: ${msg}`, { path });
  }
  return { label: t.layout(r.data), waybillNo: t.waybillNo(r.data) };
}
