import { checkAddress } from "./address.ts";
import { scanFreeText, scanPhoneNumbers } from "./free-text.ts";
import { checkName } from "./name.ts";
import { isFullMobile, normalizeText, stripNumberSeparators } from "./normalize.ts";
import { checkPhone, DEFAULT_PHONE_MIN_HIDDEN } from "./phone.ts";
import { scanResidentIds } from "./resident-id.ts";
import { fail, PASS, type PrivacyRuleId, type Verdict } from "./rules.ts";
import {
  compactWaybillText,
  DEFAULT_WAYBILL_DETECTOR,
  holdsWaybillNumber,
  type WaybillDetector,
} from "./waybill.ts";

/**
 * The privacy guard over the `payload.data` of a job (DESIGN.md §3, §4): pure, no I/O, time is a
 * parameter. It validates de-identification; it never masks or re-identifies (reference §B.4).
 */

export interface GuardOptions {
  /**
   * Digits a phone number must hide (config `privacy.phone_min_hidden`). Default 6, from
   * GB/T 41833-2022. An integer 1–11; anything else throws a RangeError (a configuration bug).
   */
  phoneMinHidden?: number | undefined;
  /** Milliseconds since the epoch; a virtual number's binding must expire after it. */
  now: number;
  /**
   * Finds waybill numbers in text fields (`createWaybillDetector(config.waybills.carriers)`);
   * default: the built-in carrier shapes only.
   */
  waybills?: WaybillDetector | undefined;
}

/**
 * `path` is a JSON path into the data (`recipient.phone`, `items[0].category`; `$` for the data
 * itself). A key that is not a plain identifier, or that itself holds personal data, is written
 * `[key#i]`, `i` its index among the object's keys in sorted order, so a path never echoes content.
 * `rule` is an id from PRIVACY_RULES. The offending value is never part of the result.
 */
export type GuardResult = { ok: true } | { ok: false; path: string; rule: PrivacyRuleId };

/** How a field is checked, decided by its key (DESIGN.md §3 field names). */
type FieldType = "name" | "phone" | "address" | "waybill_no";

const ROLES = "recipient|receiver|consignee|sender|shipper|contact|return";
const NAME_KEY = new RegExp(`^(?:name|(?:${ROLES})_name)$`);
const PHONE_KEY = /(?:^|_)(?:phone|mobile|tel|telephone)(?:_number|_no)?$/;
const ADDRESS_KEY = new RegExp(`^(?:address|(?:${ROLES})_address)$`);
const RECIPIENT_KEY = /^(?:recipients?|receivers?|consignees?)(?:_|$)/;
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PLAIN_KEY = /^[A-Za-z_]*$/;
/** Deeper than any waybill; bounds the recursion on hostile input. */
const MAX_DEPTH = 32;

/**
 * Typed fields by key name (case-insensitive): `name` and `<role>_name`; `phone`, `mobile`, `tel`,
 * `telephone` and any `…_phone`; `address` and `<role>_address`; `waybill_no`. So `item.name` is
 * checked as a person's name too: the guard cannot tell, and erring this way keeps names off labels.
 */
function fieldTypeOf(key: string): FieldType | undefined {
  const k = key.toLowerCase();
  if (k === "waybill_no") return "waybill_no";
  if (NAME_KEY.test(k)) return "name";
  if (PHONE_KEY.test(k)) return "phone";
  if (ADDRESS_KEY.test(k)) return "address";
  return undefined;
}

/** The object that holds a typed field: its declarations apply to that field only. */
interface Party {
  organization: boolean;
  recipientSide: boolean;
  phoneKind: string | undefined;
  bindingExpiresAt: unknown;
}

interface Walk {
  phoneMinHidden: number;
  now: number;
  waybillNo: string | undefined;
  waybills: WaybillDetector;
  ancestors: Set<object>;
}

type Failure = { path: string; rule: PrivacyRuleId };

function resolveMinHidden(value: number | undefined): number {
  if (value === undefined) return DEFAULT_PHONE_MIN_HIDDEN;
  if (!Number.isInteger(value) || value < 1 || value > 11) {
    throw new RangeError(`phoneMinHidden: expected an integer 1–11, got ${String(value)}`);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Above the top level of the data: nothing declared. */
const NO_PARTY: Party = {
  organization: false,
  recipientSide: false,
  phoneKind: undefined,
  bindingExpiresAt: undefined,
};

function partyOf(obj: Record<string, unknown>, key: string): Party {
  const kind = obj["sender_kind"];
  const phoneKind = obj["phone_kind"];
  return {
    organization: typeof kind === "string" && kind.trim().toLowerCase() === "organization",
    recipientSide: RECIPIENT_KEY.test(key.toLowerCase()),
    phoneKind: typeof phoneKind === "string" ? phoneKind.trim().toLowerCase() : undefined,
    bindingExpiresAt: obj["binding_expires_at"],
  };
}

/** `text` is `value` normalized, for the scans that run on normalized text. */
function typedVerdict(
  value: string,
  text: string,
  type: FieldType,
  key: string,
  party: Party,
  w: Walk,
): Verdict {
  switch (type) {
    case "name": {
      if (holdsWaybillNumber(value, w.waybillNo) || w.waybills.inText(text, w.waybillNo))
        return { ok: false, rule: "name.looks_like_waybill" };
      const v = checkName(value, { organization: party.organization });
      return v.ok ? scanPhoneNumbers(text, w.phoneMinHidden) : v;
    }
    case "address": {
      if (holdsWaybillNumber(value, w.waybillNo) || w.waybills.inText(text, w.waybillNo))
        return { ok: false, rule: "address.looks_like_waybill" };
      const v = checkAddress(value);
      return v.ok ? scanPhoneNumbers(text, w.phoneMinHidden) : v;
    }
    case "phone":
      return checkPhone(value, {
        phoneMinHidden: w.phoneMinHidden,
        now: w.now,
        organization: party.organization,
        recipientSide: party.recipientSide || RECIPIENT_KEY.test(key.toLowerCase()),
        phoneKind: party.phoneKind,
        bindingExpiresAt: party.bindingExpiresAt,
        waybillNo: w.waybillNo,
      });
    case "waybill_no": {
      // The waybill number is exempt from the phone scan (its digits hold phone-like windows,
      // §B.5 pitfall 1) but must not be a mobile number itself.
      // A bare `86` prefix is not stripped here: 13-digit EMS numbers start with 8 (§B.3).
      const compact = stripNumberSeparators(text.trim());
      const national = compact.replace(/^(?:\+86|0086)/, "");
      return isFullMobile(national)
        ? { ok: false, rule: "waybill_no.looks_like_phone" }
        : { ok: true };
    }
  }
}

/**
 * One string, in a fixed rule order: resident ID anywhere first (the gravest finding), then the
 * checks of its declared type, or the free-text phone scan for an untyped field.
 */
function checkString(
  value: string,
  type: FieldType | undefined,
  key: string,
  party: Party,
  w: Walk,
): Verdict {
  const text = normalizeText(value);
  const id = scanResidentIds(text);
  if (!id.ok) return id;
  if (type === undefined) {
    const phone = scanPhoneNumbers(text, w.phoneMinHidden);
    if (!phone.ok) return phone;
    // Waybill numbers belong in `waybill_no` only (Art. 3: they are personal information).
    return w.waybills.inText(text, w.waybillNo) ? fail("text.waybill_number") : PASS;
  }
  return typedVerdict(value, text, type, key, party, w);
}

function childPath(path: string, key: string, index: number, keyIsSafe: boolean): string {
  if (!keyIsSafe) return `${path}[key#${index}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Walks one value. `type` is set once a typed key has been passed and carries down into arrays
 * and objects below it (`phone: ["…", "…"]` checks each element as a phone). `key` is the nearest
 * object key above, which decides the type of a field and the recipient side of a party.
 */
function walk(
  value: unknown,
  path: string,
  type: FieldType | undefined,
  key: string,
  party: Party,
  w: Walk,
  depth: number,
): Failure | undefined {
  if (typeof value === "string" || typeof value === "number" || typeof value === "bigint") {
    // Numbers are scanned as text: an 11-digit number is a phone whatever its JSON type, while a
    // 13-digit millisecond timestamp is not (digit boundaries, §B.5 pitfall 1).
    const v = checkString(String(value), type, key, party, w);
    return v.ok ? undefined : { path, rule: v.rule };
  }
  if (value === null || value === undefined || typeof value === "boolean") return undefined;
  if (typeof value !== "object") return { path, rule: "data.unsupported_value" };
  if (depth >= MAX_DEPTH) return { path, rule: "data.too_deep" };
  if (w.ancestors.has(value)) return { path, rule: "data.cycle" };
  if (!Array.isArray(value) && !isPlainObject(value))
    return { path, rule: "data.unsupported_value" };
  w.ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const failure = walk(value[i], `${path}[${i}]`, type, key, party, w, depth + 1);
        if (failure !== undefined) return failure;
      }
      return undefined;
    }
    return walkObject(value, path, type, key, party, w, depth);
  } finally {
    w.ancestors.delete(value);
  }
}

function walkObject(
  obj: Record<string, unknown>,
  path: string,
  type: FieldType | undefined,
  key: string,
  outer: Party,
  w: Walk,
  depth: number,
): Failure | undefined {
  // An untyped object is its own party: its `sender_kind`, `phone_kind` and `binding_expires_at`
  // govern its own name/phone fields, not those of objects nested in it.
  const party = type === undefined ? partyOf(obj, key) : outer;
  // Sorted keys: the same data gives the same first failure whatever order the producer wrote.
  const keys = Object.keys(obj).sort();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] ?? "";
    // Keys are text too (a producer may key a map by phone number); a key that fails, or that is
    // not a plain identifier, is never echoed into the path.
    // (An ASCII key of letters and `_` cannot hold a digit, so it is not scanned.)
    const keyVerdict = PLAIN_KEY.test(k) ? PASS : scanFreeText(k, w.phoneMinHidden);
    const p = childPath(path, k, i, keyVerdict.ok && SAFE_KEY.test(k));
    if (!keyVerdict.ok) return { path: p, rule: keyVerdict.rule };
    const failure = walk(
      obj[k],
      p,
      type ?? fieldTypeOf(k),
      type === undefined ? k : key,
      party,
      w,
      depth + 1,
    );
    if (failure !== undefined) return failure;
  }
  return undefined;
}

/**
 * Checks the `payload.data` of a waybill job. Every string (and number) anywhere in the data is
 * checked, arrays included: `name`, `phone` and `address` fields by their type (reference §B.4),
 * `waybill_no` as a waybill number, everything else as free text (§B.5), and resident ID numbers
 * in every field. Keys are visited in sorted order at each level and the first failure wins, so the
 * result is deterministic. Returns `{ok: true}` or the path and rule id of the first failure.
 */
export function guardWaybillData(data: unknown, options: GuardOptions): GuardResult {
  const phoneMinHidden = resolveMinHidden(options.phoneMinHidden);
  if (!isPlainObject(data)) return { ok: false, path: "$", rule: "data.not_object" };
  const waybillRaw = data["waybill_no"];
  const waybillNo = typeof waybillRaw === "string" ? compactWaybillText(waybillRaw) : undefined;
  const w: Walk = {
    phoneMinHidden,
    now: options.now,
    waybillNo,
    waybills: options.waybills ?? DEFAULT_WAYBILL_DETECTOR,
    ancestors: new Set(),
  };
  const failure = walk(data, "", undefined, "", NO_PARTY, w, 0);
  return failure === undefined ? { ok: true } : { ok: false, ...failure };
}

/**
 * Checks one free-text value (a QR, RFID or e-paper payload decoded to text, a remark): resident
 * ID numbers, then phone numbers (reference §B.4 "RFID / QR / e-paper payload", §B.5). `path` is
 * returned as given on failure; it must not contain the value.
 */
export function guardText(
  value: string,
  path: string,
  options: { phoneMinHidden?: number | undefined } = {},
): GuardResult {
  const v = scanFreeText(value, resolveMinHidden(options.phoneMinHidden));
  return v.ok ? { ok: true } : { ok: false, path, rule: v.rule };
}
