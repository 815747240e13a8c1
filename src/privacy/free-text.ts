import {
  countNumberPositions,
  findNumberRuns,
  groupSpans,
  isFullMobile,
  isMobileShape,
  normalizeText,
} from "./normalize.ts";
import { scanResidentIds } from "./resident-id.ts";
import { fail, PASS, type Verdict } from "./rules.ts";

/**
 * Detectors for free text: every string that is not a name, phone, address or waybill number
 * (destination, sort code, item category, remarks, and RFID/QR/e-paper payloads decoded to text).
 * Reference/audit-and-privacy.md §B.4 rows 三段码 / Item details / RFID payload, and §B.5.
 *
 * Numbers are read as whole digit groups (§B.5 pitfall 1), after NFKC and with separators
 * tolerated between groups (pitfall 5). So:
 * - `13812345678`, `１３８１２３４５６７８`, `138-1234-5678`, `+86 138 1234 5678`, `0086…`, and a
 *   phone glued to letters (`tel13812345678`, `_13812345678`) are found;
 * - an 11-digit window inside a longer digit string is not: a ZTO waybill `73123456789012`, a
 *   13-digit millisecond timestamp `1732000000000`, an 18-digit order number;
 * - the sort code `300-W05-00` holds no phone.
 * A bare `86` glued to a mobile (`8613812345678`, 13 digits) counts only after a `+`: 13-digit EMS
 * waybill numbers start with 8 (§B.3).
 *
 * Names cannot be found in free text by pattern (§B.5 pitfall 8); they are checked only in typed
 * fields.
 */

/** Trunk 0 + 2-digit area (10, 2x) + 8 digits, or 0 + 3-digit area + 7–8 digits (§B.3). */
const FULL_LANDLINE = /^0(?:10|2\d)\d{8}$|^0[3-9]\d{9,10}$/;

function isUnmaskedPhone(span: string, atRunStart: boolean, plus: boolean): boolean {
  if (isFullMobile(span) || FULL_LANDLINE.test(span)) return true;
  if (span.startsWith("0086") && isFullMobile(span.slice(4))) return true;
  return atRunStart && plus && span.startsWith("86") && isFullMobile(span.slice(2));
}

/**
 * Finds phone numbers in normalized text: an unmasked mobile or landline (`phone.unmasked`), or a
 * masked mobile that hides fewer than `phoneMinHidden` digits (`phone.too_few_hidden`, e.g.
 * `138****5678` in a remark). A masked mobile that hides enough passes, as it would in a phone field.
 */
export function scanPhoneNumbers(text: string, phoneMinHidden: number): Verdict {
  if (countNumberPositions(text) < 11) return PASS;
  for (const run of findNumberRuns(text, { masks: false })) {
    for (const span of groupSpans(run, 15)) {
      if (isUnmaskedPhone(span.text, span.first === 0, run.plus)) return fail("phone.unmasked");
    }
  }
  for (const run of findNumberRuns(text, { masks: true })) {
    for (const span of groupSpans(run, 11)) {
      const t = span.text;
      if (t.length !== 11 || !t.includes("*") || !/\d/.test(t) || !isMobileShape(t)) continue;
      let hidden = 0;
      for (const ch of t) if (ch === "*") hidden++;
      if (hidden < phoneMinHidden) return fail("phone.too_few_hidden");
    }
  }
  return PASS;
}

/**
 * All free-text detectors over one raw string, in a fixed order: resident ID (whole, then
 * masked), then phone numbers.
 */
export function scanFreeText(value: string, phoneMinHidden: number): Verdict {
  const text = normalizeText(value);
  const id = scanResidentIds(text);
  if (!id.ok) return id;
  return scanPhoneNumbers(text, phoneMinHidden);
}
