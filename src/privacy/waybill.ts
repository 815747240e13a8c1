import { countNumberPositions, normalizeText } from "./normalize.ts";

/**
 * Waybill-number shapes per carrier, written from the table in reference/audit-and-privacy.md §B.3.
 * That table comes from community regexes, not from the carriers' own specifications [unverified].
 * They serve two purposes, and never reject a `waybill_no` for failing a format:
 * - to notice a waybill number sitting in a name, phone or address field (swapped fields, §B.4
 *   "Waybill number");
 * - to notice a waybill number in a free-text field (destination, sort code, item category, a
 *   site template's text fields): the Regulation's Art. 3 makes waybill numbers personal
 *   information, and issue #8 keeps them in their own field (`waybill_no`) only.
 * Shapes that start with letters are distinctive and are looked for anywhere. Digit-only shapes
 * collide with timestamps, ISBNs and order numbers (§B.5 pitfall 1; §B.6: `1732000000000` is no
 * false positive), so in free text they count only next to a waybill keyword, as the reference
 * recommends for ID numbers in free text (§B.5 pitfall 2, Purview's keyword rule).
 */
const PREFIXED_SHAPES: readonly RegExp[] = [
  /^SF[0-9A-Z]\d{12}$/, // SF: SF + 1 alphanumeric + 12 digits
  /^JD[0-9A-Z]{2}\d{11}$/, // JD: JD + 2 alphanumerics + 11 digits
  /^YT\d{13}$/, // YTO
  /^JT\d{13}$/, // J&T
  /^P[A-Z]\d{11}$/, // EMS
  /^DPK\d{12}$/, // Deppon
];
const DIGIT_SHAPES: readonly RegExp[] = [
  /^7[3-68]\d{12}$/, // ZTO: 14 digits starting 73–76 or 78
  /^[34]\d{14}$/, // Yunda, 15 digits
  /^5\d{12}$/, // Yunda, 13 digits
  /^(?:77|43)\d{12,15}$/, // STO
  /^[189]\d{12}$/, // EMS, 13 digits
  /^621\d{12}$/, // Cainiao
];
const WAYBILL_SHAPES: readonly RegExp[] = [...PREFIXED_SHAPES, ...DIGIT_SHAPES];

/** Words that say a number nearby is a waybill number (Chinese and English). */
const WAYBILL_KEYWORD = /运单|单号|面单|快递|快件|物流|waybill|tracking|awb|consignment/i;

/** Upper-case, normalized, with spaces and dashes removed: how waybill numbers are compared. */
export function compactWaybillText(value: string): string {
  return normalizeText(value).replace(/[ \-]/g, "").toUpperCase();
}

/** True when the whole value (after `compactWaybillText`) has one of the carrier shapes of §B.3. */
export function looksLikeWaybillNumber(value: string): boolean {
  const compact = compactWaybillText(value);
  return WAYBILL_SHAPES.some((shape) => shape.test(compact));
}

/**
 * True when a typed personal field holds a waybill number: either it has a carrier shape as a
 * whole, or it contains this job's own `waybill_no` (`ownWaybillNo` already compacted; ignored
 * when shorter than 8 characters, too short to be a meaningful match).
 */
export function holdsWaybillNumber(value: string, ownWaybillNo: string | undefined): boolean {
  const compact = compactWaybillText(value);
  if (ownWaybillNo !== undefined && ownWaybillNo.length >= 8 && compact.includes(ownWaybillNo)) {
    return true;
  }
  // Every carrier shape has at least 11 digits; most names and addresses have far fewer.
  return countNumberPositions(compact) >= 11 && WAYBILL_SHAPES.some((shape) => shape.test(compact));
}

/** A site's numbering of one carrier (config `waybills.carriers[]`), as far as detection needs. */
export interface CarrierFormat {
  readonly prefixes?: readonly string[] | undefined;
  readonly ranges?: readonly { readonly from: string; readonly to: string }[] | undefined;
  /** The whole number's shape; anchored here (`^(?:pattern)$`) when looking for it in text. */
  readonly pattern?: string | undefined;
}

/** Finds waybill numbers inside text. Build one per configuration; it is pure and reusable. */
export interface WaybillDetector {
  /**
   * True when normalized `text` holds a waybill number as one of its tokens: this job's own
   * number (`ownWaybillNo`, compacted, at least 8 characters), a site format, a lettered
   * built-in shape, or a digit-only built-in shape next to a waybill keyword.
   */
  inText(text: string, ownWaybillNo: string | undefined): boolean;
}

/** The shortest and longest number considered (config `waybills.carriers` allows 6–32). */
const MIN_LEN = 8;
const MAX_LEN = 32;
/** Letters and digits, with groups joined by up to three spaces or dashes (`SF 1234 5678 90123`). */
const RUN = /[A-Z0-9]+(?:[ \-]{1,3}[A-Z0-9]+)*/g;

/**
 * Candidate tokens of upper-cased text: every run of letters and digits, and every join of
 * consecutive groups of a run split by spaces or dashes (so `SF 1234 5678 90123 2件` yields
 * `SF1234567890123` as well as `SF12345678901232`). Boundaries are never inside a group, so a
 * number glued to more digits is not taken for a shorter one (§B.5 pitfall 1).
 */
function* candidates(upper: string): Generator<string> {
  for (const m of upper.matchAll(RUN)) {
    const groups = m[0].split(/[ \-]+/);
    for (let i = 0; i < groups.length; i++) {
      let joined = "";
      for (let j = i; j < groups.length; j++) {
        joined += groups[j];
        if (joined.length > MAX_LEN) break;
        if (joined.length >= MIN_LEN) yield joined;
      }
    }
  }
}

function compileSiteFormat(f: CarrierFormat): ((c: string) => boolean) | undefined {
  const prefixes = f.prefixes ?? [];
  const ranges = f.ranges ?? [];
  let pattern: RegExp | undefined;
  if (f.pattern !== undefined) {
    try {
      pattern = new RegExp(`^(?:${f.pattern})$`);
    } catch {
      pattern = undefined; // the configuration schema refuses an invalid pattern already
    }
  }
  if (pattern === undefined && prefixes.length === 0 && ranges.length === 0) return undefined;
  return (c) => {
    if (pattern !== undefined && !pattern.test(c)) return false;
    if (prefixes.length > 0) {
      const p = prefixes.find((x) => c.startsWith(x));
      if (p === undefined) return false;
      // A bare prefix says little about length: with nothing else declared, at least 8 digits
      // must follow it (no carrier numbers with fewer, §B.3), so `SF快递` or `SF-12` never match.
      if (
        pattern === undefined &&
        ranges.length === 0 &&
        (c.slice(p.length).match(/\d/g) ?? []).length < 8
      )
        return false;
    }
    if (
      ranges.length > 0 &&
      !ranges.some((r) => c.length === r.from.length && c >= r.from && c <= r.to)
    )
      return false;
    return true;
  };
}

/**
 * A detector for the built-in shapes of §B.3 plus the site's configured carrier formats
 * (`waybills.carriers`). The built-in shapes always apply, so a site that configures only its own
 * carrier still catches other carriers' numbers; the site's formats count anywhere in text, since
 * the site declared them.
 */
export function createWaybillDetector(site: readonly CarrierFormat[] = []): WaybillDetector {
  const siteFormats = site.map(compileSiteFormat).filter((f) => f !== undefined);
  return {
    inText(text, ownWaybillNo) {
      if (countNumberPositions(text) < 6) return false;
      const upper = text.toUpperCase();
      let keyword: boolean | undefined;
      for (const c of candidates(upper)) {
        if (ownWaybillNo !== undefined && ownWaybillNo.length >= MIN_LEN && c === ownWaybillNo)
          return true;
        if (siteFormats.some((f) => f(c))) return true;
        if (PREFIXED_SHAPES.some((s) => s.test(c))) return true;
        if (/^\d+$/.test(c) && DIGIT_SHAPES.some((s) => s.test(c))) {
          keyword ??= WAYBILL_KEYWORD.test(text);
          if (keyword) return true;
        }
      }
      return false;
    },
  };
}

/** The detector with the built-in shapes only (no site formats). */
export const DEFAULT_WAYBILL_DETECTOR: WaybillDetector = createWaybillDetector();
