import { CodedError } from "../errors.ts";
import { formatPath } from "../config/load.ts";
import type { Label } from "../../drivers/label/model.ts";
import type { Template } from "./types.ts";
import { waybill100x150 } from "./waybill-100x150.ts";

// Each template keeps its own data type; the registry only needs the erased form.
type AnyTemplate = Template<never> & {
  schema: Template<unknown>["schema"];
  layout(data: unknown): Label;
  waybillNo(data: unknown): string | undefined;
};

const TEMPLATES: ReadonlyMap<string, AnyTemplate> = new Map(
  [waybill100x150].map((t) => [t.name, t as unknown as AnyTemplate]),
);

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
