/**
 * Privacy guard v0 (DESIGN.md §4): pure functions that decide whether waybill data is
 * de-identified before it reaches a label, an RFID tag, an e-paper tag, a log line or an audit
 * record. It validates and never masks: a job that fails is rejected with `privacy_rejected`, the
 * path of the field and a rule id, never the value (reference/audit-and-privacy.md §B.4).
 *
 * Legal basis: 《寄递服务用户个人信息安全管理规定》 (the Regulation, in force 2023-02-13) Art. 3
 * (names, ID numbers, phones, addresses and waybill numbers are personal information), Art. 7
 * (minimum collection), Art. 13 (de-identify waybill information with RFID, virtual secure numbers,
 * e-paper; exceptions only where law requires it or the user asks — `deid_exemption`, handled at
 * intake, not here); GB/T 41833-2022 《快递电子运单》 (name hides ≥1 Han character, phone hides ≥6
 * digits, address hides the unit/household/room number); GB 11643-1999 (resident ID number).
 */

/** Guard entry points: the whole `payload.data` of a job, or one free-text payload. */
export { guardText, guardWaybillData, type GuardOptions, type GuardResult } from "./guard.ts";

/** The rule ids a rejection can carry, with a summary and the basis of each. */
export { PRIVACY_RULES, type PrivacyRuleId, type Verdict } from "./rules.ts";

/** Names: GB/T 41833-2022 "hide ≥1 Chinese character"; reference §B.4 "Name". */
export { checkName, type NameContext } from "./name.ts";

/**
 * Phones: GB/T 41833-2022 "hide ≥6 digits" (default of `phoneMinHidden`); virtual secure numbers
 * per Regulation Art. 13; reference §B.3 and §B.4 (Mobile, Landline, Virtual, Service number).
 */
export {
  checkPhone,
  classifyNumber,
  DEFAULT_PHONE_MIN_HIDDEN,
  parsePhone,
  type ParsedPhone,
  type PhoneContext,
  type PhoneShape,
} from "./phone.ts";

/** Addresses: GB/T 41833-2022 "hide the unit/household/room number"; reference §B.4 "Address". */
export { checkAddress } from "./address.ts";

/** Resident ID numbers: GB 11643-1999, ISO 7064 MOD 11-2; Regulation Arts. 3, 7; reference §B.3. */
export { isResidentIdNumber, residentIdCheckChar, scanResidentIds } from "./resident-id.ts";

/** Free-text detectors with digit boundaries: reference §B.5 pitfalls 1 and 5. */
export { scanFreeText, scanPhoneNumbers } from "./free-text.ts";

/**
 * Waybill-number shapes (community formats, §B.3 [unverified]) and the site's carrier formats:
 * to spot swapped fields and waybill numbers in free text, never to refuse a `waybill_no`.
 */
export {
  createWaybillDetector,
  DEFAULT_WAYBILL_DETECTOR,
  looksLikeWaybillNumber,
  type CarrierFormat,
  type WaybillDetector,
} from "./waybill.ts";

/** Normalization applied before every match: reference §B.4 "Normalize first", §B.5 pitfall 5. */
export { normalizeText, stripChinaPrefix, stripNumberSeparators } from "./normalize.ts";

/** QR / RFID / e-paper payloads: the waybill number, an opaque token or ciphertext only (Art. 13). */
export { guardPayload } from "./payload.ts";

/** The allow-list of waybill data fields per template (Art. 7): unknown fields are refused. */
export {
  checkAllowedFields,
  TEMPLATE_FIELDS,
  WAYBILL_100X150_FIELDS,
  type FieldSpec,
} from "./allow-list.ts";

/** Config `privacy.remask_phones`: masks a too-lightly masked mobile further (audited). */
export { remaskPhones, tightenMobile } from "./remask.ts";
