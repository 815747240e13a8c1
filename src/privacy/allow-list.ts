import type { GuardResult } from "./guard.ts";

/**
 * The allow-list of waybill data fields (Art. 7, minimum collection): a field the template does
 * not print has no business on the gateway, so an unknown key is refused as `data.unknown_field`
 * before anything else looks at it — a producer cannot smuggle a full phone number or ID number
 * past the typed checks under an unexpected key. A spec maps each allowed key to `true` (a value)
 * or to the spec of a nested object. Paths never echo a key that is not a plain identifier.
 */
export interface FieldSpec {
  readonly [key: string]: true | FieldSpec;
}

const PARTY: FieldSpec = {
  name: true,
  phone: true,
  address: true,
  sender_kind: true,
  phone_kind: true,
  binding_expires_at: true,
};

/** The fields of template `waybill-100x150` (README "Template waybill-100x150 data"). */
export const WAYBILL_100X150_FIELDS: FieldSpec = {
  waybill_no: true,
  carrier: true,
  sort_code: true,
  destination: true,
  recipient: PARTY,
  sender: PARTY,
  item: { category: true, weight_g: true, pieces: true },
};

/** Allow-lists by template name; templates not listed here are checked by their own schema. */
export const TEMPLATE_FIELDS: Readonly<Record<string, FieldSpec>> = {
  "waybill-100x150": WAYBILL_100X150_FIELDS,
};

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function checkAllowedFields(data: Record<string, unknown>, spec: FieldSpec): GuardResult {
  const visit = (obj: Record<string, unknown>, s: FieldSpec, path: string): GuardResult => {
    const keys = Object.keys(obj).sort();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const p = SAFE_KEY.test(k) ? (path === "" ? k : `${path}.${k}`) : `${path}[key#${i}]`;
      const allowed = Object.hasOwn(s, k) ? s[k] : undefined;
      if (allowed === undefined) return { ok: false, path: p, rule: "data.unknown_field" };
      const v = obj[k];
      if (allowed !== true && typeof v === "object" && v !== null && !Array.isArray(v)) {
        const r = visit(v as Record<string, unknown>, allowed, p);
        if (!r.ok) return r;
      }
    }
    return { ok: true };
  };
  return visit(data, spec, "");
}
