import { countNumberPositions, normalizeText } from "./normalize.ts";

/**
 * Waybill-number shapes per carrier, written from the table in reference/audit-and-privacy.md §B.3.
 * That table comes from community regexes, not from the carriers' own specifications [unverified],
 * so these shapes are used only to notice a waybill number sitting in a name, phone or address
 * field (swapped fields, §B.4 "Waybill number"). They never detect personal data and never reject
 * a `waybill_no` for failing a format: many shapes are long digit strings that contain
 * phone-like windows (§B.3, §B.5 pitfall 1).
 */
const WAYBILL_SHAPES: readonly RegExp[] = [
  /^SF[0-9A-Z]\d{12}$/, // SF: SF + 1 alphanumeric + 12 digits
  /^JD[0-9A-Z]{2}\d{11}$/, // JD: JD + 2 alphanumerics + 11 digits
  /^YT\d{13}$/, // YTO
  /^7[3-68]\d{12}$/, // ZTO: 14 digits starting 73–76 or 78
  /^[34]\d{14}$/, // Yunda, 15 digits
  /^5\d{12}$/, // Yunda, 13 digits
  /^(?:77|43)\d{12,15}$/, // STO
  /^JT\d{13}$/, // J&T
  /^[189]\d{12}$/, // EMS, 13 digits
  /^P[A-Z]\d{11}$/, // EMS
  /^DPK\d{12}$/, // Deppon
  /^621\d{12}$/, // Cainiao
];

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
