import { normalizeText, stripChinaPrefix, stripNumberSeparators } from "./normalize.ts";
import { parsePhone } from "./phone.ts";

/**
 * The optional re-mask mode (config `privacy.remask_phones`): a mobile that is masked but hides
 * fewer than `minHidden` digits (`138****5678`, 4 hidden) is masked further to `minHidden`
 * (`138******78`), keeping the first three digits (the carrier prefix drivers need) and as many of
 * the last as remain. Only masked mobiles are touched: an unmasked number stays unmasked so the
 * guard refuses it (re-masking it would be masking on the producer's behalf, reference §B.4).
 * Mutates `data` in place and returns the JSON paths it changed (never the values).
 */
const PHONE_KEY = /(?:^|_)(?:phone|mobile|tel|telephone)(?:_number|_no)?$/;
const MAX_DEPTH = 32;

export function remaskPhones(data: Record<string, unknown>, minHidden: number): string[] {
  const changed: string[] = [];
  const visit = (obj: Record<string, unknown>, path: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    for (const key of Object.keys(obj).sort()) {
      const value = obj[key];
      const p = path === "" ? key : `${path}.${key}`;
      if (typeof value === "string" && PHONE_KEY.test(key.toLowerCase())) {
        const tightened = tightenMobile(value, minHidden);
        if (tightened !== undefined) {
          obj[key] = tightened;
          changed.push(p);
        }
      } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        visit(value as Record<string, unknown>, p, depth + 1);
      }
    }
  };
  visit(data, "", 0);
  return changed;
}

/** `138****5678` → `138******78` for minHidden 6; undefined when there is nothing to tighten. */
export function tightenMobile(value: string, minHidden: number): string | undefined {
  const parsed = parsePhone(value);
  if (!parsed || parsed.extension || parsed.shape.kind !== "mobile") return undefined;
  const hidden = parsed.shape.hidden;
  if (hidden === 0 || hidden >= minHidden) return undefined;
  const positions = [...stripChinaPrefix(stripNumberSeparators(normalizeText(value).trim()))];
  if (positions.length !== 11) return undefined;
  let count = hidden;
  for (let i = 3; i < positions.length && count < minHidden; i++) {
    if (positions[i] !== "*") {
      positions[i] = "*";
      count++;
    }
  }
  return count >= minHidden ? positions.join("") : undefined;
}
