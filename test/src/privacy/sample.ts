/**
 * The DESIGN.md §3 sample `payload.data` (synthetic, de-identified: the label tests' example
 * waybill) and ways to plant a value in it, shared by the guard tests and the corpus.
 */
import { EXAMPLE_WAYBILL } from "../../drivers/label/fixtures.ts";

/** A fresh deep copy of the sample, free to change. */
export function sample(): Record<string, unknown> {
  return structuredClone(EXAMPLE_WAYBILL) as unknown as Record<string, unknown>;
}

/** `base` (default a fresh sample) with `value` set at a dotted path, objects created on the way. */
export function withField(path: string, value: unknown, base = sample()): Record<string, unknown> {
  const keys = path.split(".");
  let obj: Record<string, unknown> = base;
  for (const key of keys.slice(0, -1)) {
    const next = obj[key];
    if (typeof next !== "object" || next === null) obj[key] = {};
    obj = obj[key] as Record<string, unknown>;
  }
  obj[keys[keys.length - 1] ?? ""] = value;
  return base;
}

/** A fresh sample with each `path: value` of `fields` set, in order. */
export function withFields(fields: Record<string, unknown>): Record<string, unknown> {
  const base = sample();
  for (const [path, value] of Object.entries(fields)) withField(path, value, base);
  return base;
}
