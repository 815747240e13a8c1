import {
  countNumberPositions,
  findNumberRuns,
  groupSpans,
  normalizeText,
  stripNumberSeparators,
} from "./normalize.ts";
import { fail, PASS, type Verdict } from "./rules.ts";

/**
 * Resident ID numbers (居民身份证号码, GB 11643-1999; reference/audit-and-privacy.md §B.3): 6-digit
 * administrative-division code, birth date YYYYMMDD, 3-digit sequence, and a check character by
 * ISO 7064 MOD 11-2. They never belong on a label (Regulation Arts. 3 and 7), so one that passes
 * the whole check is rejected in any field (`resident_id.present`). The checks are ours, written
 * from the standard's description, not taken from a library.
 *
 * Legacy 15-digit numbers (no check character) are not detected: with only a date to check they
 * would match too many Yunda/EMS waybill numbers (15 and 13 digits, §B.3).
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = "10X98765432";

/**
 * First two digits of GB/T 2260 province-level codes, plus 71 (Taiwan), 81/82 (Hong Kong, Macao
 * residence permits), 83 (Taiwan residence permits); any code starting with 9 covers the 2023
 * foreigner permanent-residence ID card. Narrowing the region lowers false positives on long
 * order numbers (§B.5 pitfall 2) without missing a real number.
 */
const PROVINCES = new Set(
  (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 " +
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83"
  ).split(" "),
);

const SHAPE = /^(\d{6})((?:19|20)\d{2})(\d{2})(\d{2})\d{3}[\dX]$/;

function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [
    31,
    (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return day <= (days[month - 1] ?? 0);
}

/** ISO 7064 MOD 11-2 over the first 17 digits; `null` when they are not 17 digits. */
export function residentIdCheckChar(first17: string): string | null {
  if (!/^\d{17}$/.test(first17)) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS[sum % 11] ?? null;
}

/**
 * True when `candidate` is exactly one resident ID number: 18 characters after normalization
 * (full-width digits, separators such as `3604 2619 9101 0100 71` removed, a lower-case `x`
 * accepted), a known region, a real calendar date between 1900 and 2099, and a matching check
 * character. `360426199101010071` passes; `360426199101010072` (bad check) does not.
 */
export function isResidentIdNumber(candidate: string): boolean {
  const id = stripNumberSeparators(normalizeText(candidate).trim()).toUpperCase();
  const m = SHAPE.exec(id);
  if (m === null) return false;
  const region = m[1] ?? "";
  if (!PROVINCES.has(region.slice(0, 2)) && !region.startsWith("9")) return false;
  if (!isValidDate(Number(m[2]), Number(m[3]), Number(m[4]))) return false;
  return residentIdCheckChar(id.slice(0, 17)) === id[17];
}

/**
 * 18 positions shaped like a resident ID with part of it masked (`360426********0071`): at least
 * one `*` and at least one visible digit. Not needed for printing (Art. 7), so rejected too.
 */
function isMaskedResidentId(positions: string): boolean {
  return /^[0-9*]{17}[0-9X*]$/.test(positions) && positions.includes("*") && /\d/.test(positions);
}

/**
 * Scans normalized text for a resident ID number, whole or masked, with digit boundaries: the
 * candidate is made of whole digit groups (so 18 digits inside a 19-digit order number are not an
 * ID) and may be split by spaces or dashes (`360426-19910101-0071`).
 */
export function scanResidentIds(text: string): Verdict {
  if (countNumberPositions(text) < 17) return PASS;
  for (const run of findNumberRuns(text, { masks: false })) {
    for (const span of groupSpans(run, 18)) {
      if (span.text.length === 18 && isResidentIdNumber(span.text))
        return fail("resident_id.present");
    }
  }
  for (const run of findNumberRuns(text, { masks: true })) {
    for (const span of groupSpans(run, 18)) {
      if (span.text.length === 18 && isMaskedResidentId(span.text))
        return fail("resident_id.masked");
    }
  }
  return PASS;
}
