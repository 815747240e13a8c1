/**
 * The registry of privacy rule ids. A rejection names one of these ids and the JSON path of the
 * field, never the value (reference/audit-and-privacy.md §B.4: "records the rule ID and field name,
 * but not the offending value"). Ids are stable strings: they go into audit records
 * (`privacy_rejected:<rule>`) and clients may branch on them, so never rename one.
 *
 * Sources cited below:
 * - "the Regulation" = 《寄递服务用户个人信息安全管理规定》 (in force 2023-02-13); Art. 3 makes
 *   names, ID numbers, phone numbers, addresses and waybill numbers personal information; Art. 7
 *   limits collection to the minimum; Art. 13 requires de-identifying waybill information.
 * - GB/T 41833-2022 《快递电子运单》: the name hides ≥1 Chinese character, the phone hides ≥6
 *   digits, the address hides the unit/household/room number (as reported, §B.1 of the reference).
 * - GB 11643-1999: the resident ID number structure and its ISO 7064 MOD 11-2 check character.
 */
export const PRIVACY_RULES = {
  "name.unmasked": {
    summary:
      "a natural person's name shows every character (no `*` and no surname + honorific form)",
    basis: "GB/T 41833-2022 (name hides ≥1 Han character); reference §B.4 Name",
  },
  "name.too_few_masked": {
    summary: "a non-Han name masks fewer than half of its letters",
    basis: "GB/T 41833-2022 applied to non-Han names; reference §B.4 Name",
  },
  "name.looks_like_waybill": {
    summary: "a name field holds a waybill number (swapped fields)",
    basis: "Regulation Art. 13; reference §B.4 Waybill number",
  },
  "phone.unmasked": {
    summary:
      "a complete mobile or landline number, with no mask, no extension and no valid virtual binding",
    basis:
      "GB/T 41833-2022 (phone hides ≥6 digits); Regulation Art. 13; reference §B.4 Mobile phone / Landline",
  },
  "phone.too_few_hidden": {
    summary: "a masked phone number hides fewer digits than privacy.phone_min_hidden (default 6)",
    basis:
      "GB/T 41833-2022 (phone hides ≥6 digits); reference §B.2 (`138****5678` hides only 4), §B.5 pitfall 3",
  },
  "phone.virtual_binding_missing": {
    summary: "phone_kind is `virtual` but binding_expires_at is missing or not a time",
    basis: "Regulation Art. 13 (virtual secure numbers); reference §B.4 Virtual secure number",
  },
  "phone.virtual_binding_expired": {
    summary: "phone_kind is `virtual` but the binding expired at or before `now`",
    basis: "Regulation Art. 13; reference §B.3 (bindings expire), §B.4 Virtual secure number",
  },
  "phone.service_number_not_organization": {
    summary: "a 400/800/95xxx service number on a party that is not an organization sender",
    basis:
      "reference §B.3 Landlines (service numbers belong to organizations), §B.4 Service number",
  },
  "phone.unrecognized": {
    summary: "a phone field that is neither a masked, virtual, service nor fully masked number",
    basis: "fail closed: the guard validates what it can parse (reference §B.5 pitfall 3)",
  },
  "phone.looks_like_waybill": {
    summary: "a phone field holds a waybill number (swapped fields)",
    basis: "Regulation Art. 13; reference §B.4 Waybill number, §B.6",
  },
  "address.unit_room": {
    summary: "an address still shows a unit, household or room number",
    basis: "GB/T 41833-2022 (address hides 单元户室号); reference §B.4 Address",
  },
  "address.no_mask": {
    summary: "an address carries no mask run at all",
    basis: "GB/T 41833-2022; reference §B.4 Address",
  },
  "address.looks_like_waybill": {
    summary: "an address field holds a waybill number (swapped fields)",
    basis: "Regulation Art. 13; reference §B.4 Waybill number",
  },
  "resident_id.present": {
    summary: "an 18-character resident ID number (valid date and MOD 11-2 check) in any field",
    basis: "Regulation Arts. 3 and 7; GB 11643-1999; reference §B.3 Resident ID, §B.4",
  },
  "resident_id.masked": {
    summary: "a partly masked 18-position resident ID number (not needed for printing)",
    basis: "Regulation Art. 7 (minimum collection); reference §B.4 Resident ID",
  },
  "text.waybill_number": {
    summary:
      "a free-text field holds a waybill number (the job's own, a configured carrier format, or a built-in carrier shape); waybill numbers belong in `waybill_no` only",
    basis:
      "Regulation Arts. 3 and 13 (waybill numbers are personal information, managed for life); reference §B.3, §B.4 Waybill number",
  },
  "waybill_no.looks_like_phone": {
    summary: "the waybill number field holds a mobile number",
    basis: "reference §B.4 Waybill number (must hold what it claims), §B.5 pitfall 1",
  },
  "data.not_object": {
    summary: "the waybill data is not a JSON object",
    basis: "fail closed (DESIGN.md §3: payload.data is an object)",
  },
  "data.unsupported_value": {
    summary: "a value the guard cannot inspect (not JSON: a Map, a Date, a function …)",
    basis: "fail closed: what the guard cannot read it cannot clear",
  },
  "data.too_deep": {
    summary: "the data nests deeper than the guard walks",
    basis: "fail closed; bounds the walk",
  },
  "data.unknown_field": {
    summary: "a field the template does not print (allow-list); unknown fields are refused",
    basis: "Regulation Art. 7 (minimum collection); issue #8 (allow-list of waybill fields)",
  },
  "payload.not_opaque": {
    summary:
      "a QR, RFID or e-paper payload that is not the waybill number, an opaque token or ciphertext",
    basis: "Regulation Art. 13; DESIGN.md §4; reference §B.4 RFID / QR / e-paper payload",
  },
  "data.cycle": {
    summary: "the data refers to itself",
    basis: "fail closed; JSON cannot carry cycles",
  },
} as const satisfies Record<string, { summary: string; basis: string }>;

export type PrivacyRuleId = keyof typeof PRIVACY_RULES;

/** What one rule function says about one value. Never carries the value. */
export type Verdict = { ok: true } | { ok: false; rule: PrivacyRuleId };

export const PASS: Verdict = Object.freeze({ ok: true });

export function fail(rule: PrivacyRuleId): Verdict {
  return { ok: false, rule };
}
