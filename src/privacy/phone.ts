import { isMobileShape, normalizeText, stripChinaPrefix } from "./normalize.ts";
import { fail, PASS, type Verdict } from "./rules.ts";
import { holdsWaybillNumber } from "./waybill.ts";

/**
 * Phone fields (reference/audit-and-privacy.md §B.3 "Mobile numbers", "Landlines", "Virtual
 * numbers"; §B.4 rows Mobile phone, Landline, Virtual secure number, Service number).
 *
 * The value is parsed, not merely matched (§B.5 pitfall 3): we find the main number, an optional
 * extension, and count exactly how many positions are masked with `*`. Then:
 * - masked mobile or landline: passes when hidden ≥ `phoneMinHidden` (GB/T 41833-2022: ≥6, so the
 *   common `138****5678` fails by default, §B.2);
 * - main number + extension (`17012345678-123`, `0571******23转1009`, `…,12`, `…#12`, `…ext12`):
 *   a virtual secure number (Regulation Art. 13; AXN/AXE formats, §B.3), passes;
 * - a complete number without extension passes only with `phone_kind: "virtual"` and a
 *   `binding_expires_at` later than `now` (§B.4); otherwise `phone.unmasked`;
 * - 400/800 + 7 digits and 95xxx pass only for an organization that is not the recipient (§B.4
 *   "Service number": rejected as a recipient's phone);
 * - a value made only of `*` shows nothing and passes; an empty value passes;
 * - anything else is `phone.unrecognized` (or `phone.looks_like_waybill` when it has a waybill
 *   shape): the guard fails closed on what it cannot read.
 */

/** Default for `phoneMinHidden`: GB/T 41833-2022 asks for at least 6 hidden digits. */
export const DEFAULT_PHONE_MIN_HIDDEN = 6;

export type PhoneShape =
  | { kind: "mobile" | "landline"; hidden: number }
  | { kind: "service" }
  | { kind: "all_masked" }
  | { kind: "unrecognized" };

export interface ParsedPhone {
  shape: PhoneShape;
  /** An extension follows the main number (a virtual secure number, §B.3). */
  extension: boolean;
}

export interface PhoneContext {
  /** Masked positions a mobile or landline must have; an integer 1–11. */
  phoneMinHidden: number;
  /** Milliseconds since the epoch, compared with `binding_expires_at`. */
  now: number;
  /** The party declares `sender_kind: "organization"`. */
  organization: boolean;
  /** The field belongs to the recipient, who may not carry a service number (§B.4). */
  recipientSide: boolean;
  /** The party's `phone_kind`, when it is a string. */
  phoneKind: string | undefined;
  /** The party's `binding_expires_at`: an RFC 3339 time or epoch milliseconds. */
  bindingExpiresAt: unknown;
  /** This job's `waybill_no`, compacted, to notice it in the phone field. */
  waybillNo: string | undefined;
}

/**
 * Extension written with an explicit marker: `转`/`轉`/`分机`, `ext`/`ext.`, `,` or `#`, then 1–4
 * digits (Aliyun extensions have 1–3 digits, Huawei AXE 2–4, WeChat shows 4; §B.2, §B.3).
 */
const MARKED_EXTENSION = /^(.+?) ?(?:转|轉|分机|ext\.?|,|#) ?(\d{1,4})$/iu;
/** Extension written after a dash, read only when the whole value is not a number by itself. */
const DASH_EXTENSION = /^(.+?) ?- ?(\d{1,4})$/u;
/** What may make up a main number: digits, masks, separators, a leading `+`. */
// A leading `(` is allowed too: `(0571)******78` writes the area code in brackets.
const NUMBER_TEXT = /^(?:\+ ?)?\(?[0-9*][0-9* ()\-.]*$/;

function countMasks(positions: string): number {
  let n = 0;
  for (const ch of positions) if (ch === "*") n++;
  return n;
}

/** Classifies one main number written with digits, `*` and separators. */
export function classifyNumber(text: string): PhoneShape {
  if (!NUMBER_TEXT.test(text)) return { kind: "unrecognized" };
  let positions = stripChinaPrefix(text.replace(/[^0-9*+]/g, ""));
  if (positions.startsWith("+")) {
    // Only a China number is readable here; `+86 571 8888 1234` is a landline whose trunk `0`
    // is dropped in international form (a `+86` mobile was already stripped above).
    const national = positions.slice(3);
    if (!positions.startsWith("+86") || !/^[1-9*][0-9*]{8,10}$/.test(national)) {
      return { kind: "unrecognized" };
    }
    positions = `0${national}`;
  }
  if (/^\*+$/.test(positions)) return { kind: "all_masked" };
  if (/^(?:400|800)\d{7}$/.test(positions) || /^95\d{3}$/.test(positions))
    return { kind: "service" };
  if (isMobileShape(positions)) return { kind: "mobile", hidden: countMasks(positions) };
  // 13-digit IoT data-card numbers (§B.3): only their complete form is recognized.
  if (/^14\d{11}$/.test(positions)) return { kind: "mobile", hidden: 0 };
  // Trunk `0` + area code + 7–8 digit subscriber: 10–12 positions (`0\d{2,3}\d{7,8}`, §B.4).
  if (/^[0*][0-9*]{9,11}$/.test(positions))
    return { kind: "landline", hidden: countMasks(positions) };
  return { kind: "unrecognized" };
}

function isFullNumber(shape: PhoneShape): boolean {
  return (shape.kind === "mobile" || shape.kind === "landline") && shape.hidden === 0;
}

/** Parses a phone field; `undefined` when it is empty. */
export function parsePhone(value: string): ParsedPhone | undefined {
  const text = normalizeText(value).trim();
  if (text === "") return undefined;
  const marked = MARKED_EXTENSION.exec(text);
  if (marked !== null) {
    const shape = classifyNumber(marked[1] ?? "");
    // A masked main number with a marked extension is still a virtual number
    // (`0571******23转1009` is one of the accepted vectors of §B.6).
    if (shape.kind === "mobile" || shape.kind === "landline" || shape.kind === "service") {
      return { shape, extension: true };
    }
    return { shape: { kind: "unrecognized" }, extension: false };
  }
  const whole = classifyNumber(text);
  if (whole.kind !== "unrecognized") return { shape: whole, extension: false };
  // `17012345678-123`: the dash is an extension marker only when the digits before it form a
  // complete number and the whole value is not one (`138-1234-5678` is a mobile with separators).
  const dashed = DASH_EXTENSION.exec(text);
  if (dashed !== null) {
    const main = classifyNumber(dashed[1] ?? "");
    if (isFullNumber(main)) return { shape: main, extension: true };
  }
  return { shape: whole, extension: false };
}

/** `binding_expires_at` as epoch milliseconds: a finite number, or an RFC 3339 date-time string. */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/.test(
      value.trim(),
    )
  )
    return undefined;
  const ms = Date.parse(value.trim());
  return Number.isFinite(ms) ? ms : undefined;
}

function virtualBinding(ctx: PhoneContext): Verdict {
  const expires = parseInstant(ctx.bindingExpiresAt);
  if (expires === undefined) return fail("phone.virtual_binding_missing");
  return expires > ctx.now ? PASS : fail("phone.virtual_binding_expired");
}

export function checkPhone(value: string, ctx: PhoneContext): Verdict {
  const parsed = parsePhone(value);
  if (parsed === undefined) return PASS;
  const { shape } = parsed;
  switch (shape.kind) {
    case "unrecognized":
      return holdsWaybillNumber(value, ctx.waybillNo)
        ? fail("phone.looks_like_waybill")
        : fail("phone.unrecognized");
    case "all_masked":
      return PASS;
    case "service":
      return ctx.organization && !ctx.recipientSide
        ? PASS
        : fail("phone.service_number_not_organization");
    case "mobile":
    case "landline":
      if (parsed.extension || shape.hidden >= ctx.phoneMinHidden) return PASS;
      // A declared virtual number is judged by its binding alone (§B.4 Virtual secure number).
      if (ctx.phoneKind === "virtual") return virtualBinding(ctx);
      return shape.hidden === 0 ? fail("phone.unmasked") : fail("phone.too_few_hidden");
  }
}
