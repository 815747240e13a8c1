import { scanFreeText } from "./free-text.ts";
import { normalizeText } from "./normalize.ts";
import { DEFAULT_PHONE_MIN_HIDDEN } from "./phone.ts";
import type { GuardResult } from "./guard.ts";
import { compactWaybillText } from "./waybill.ts";

/**
 * What may travel in a QR code, an RFID tag's user memory or an e-paper tag (Regulation Art. 13:
 * de-identify with RFID, e-paper …; reference §B.4 "RFID / QR / e-paper payload"): the waybill
 * number, an opaque token, or ciphertext — nothing a person can read personal data from.
 *
 * Accepted, after NFKC normalization:
 * - the job's own waybill number (separators and case ignored);
 * - an opaque token: 16–512 of `A-Z a-z 0-9 _ -` (base64url, hex, ULID …) with letters and digits
 *   (an all-digit string could be a phone or ID number, an all-letter one a romanized name);
 * - ciphertext: standard base64 (`+ / =`), 24–4096 characters, with letters and digits;
 * - an `https://` URL whose path and query are made only of such tokens or the waybill number
 *   (a tracking link such as `https://t.example.cn/w/9fQ2…`);
 * - bytes (an EPC or an encrypted block): accepted unless their printable ASCII runs hold a phone
 *   or resident ID number.
 * Every accepted text is also scanned for phone and resident ID numbers (digit boundaries, §B.5).
 * Anything else — Han characters (names, addresses), JSON, spaces, `@` — is `payload.not_opaque`.
 */
export function guardPayload(
  value: string | Uint8Array,
  path: string,
  options: { waybillNo?: string | undefined; phoneMinHidden?: number | undefined } = {},
): GuardResult {
  const minHidden = options.phoneMinHidden ?? DEFAULT_PHONE_MIN_HIDDEN;
  const fail = (
    rule: "payload.not_opaque" | Exclude<ReturnType<typeof scanFreeText>, { ok: true }>["rule"],
  ): GuardResult => ({
    ok: false,
    path,
    rule,
  });
  if (value instanceof Uint8Array) {
    const runs = String.fromCharCode(...value).match(/[\x20-\x7e]{11,}/g) ?? [];
    for (const run of runs) {
      const v = scanFreeText(run, minHidden);
      if (!v.ok) return fail(v.rule);
    }
    return { ok: true };
  }
  const text = normalizeText(value).trim();
  if (text.length === 0) return fail("payload.not_opaque");
  const own = options.waybillNo === undefined ? undefined : compactWaybillText(options.waybillNo);
  const scan = scanFreeText(text, minHidden);
  if (!scan.ok) return fail(scan.rule);
  if (own !== undefined && own.length > 0 && compactWaybillText(text) === own) return { ok: true };
  if (isOpaque(text, own)) return { ok: true };
  const url = /^https:\/\/[a-z0-9.-]{1,253}(?::\d{1,5})?(\/[^?#\s]*)?(\?[^#\s]*)?$/i.exec(text);
  if (url) {
    const parts = `${url[1] ?? ""}${url[2] ?? ""}`.split(/[/?&=]/).filter((p) => p.length > 0);
    const fine = parts.every(
      // Short path words and parameter names (`w`, `t`, `id`, `v`) or small numbers (`2`): too
      // short to carry a name; everything longer must be a token or the waybill number.
      (p) =>
        /^[a-z_]{1,3}$/.test(p) ||
        /^\d{1,4}$/.test(p) ||
        isOpaque(p, own) ||
        compactWaybillText(p) === own,
    );
    if (fine) return { ok: true };
  }
  return fail("payload.not_opaque");
}

/**
 * A token or ciphertext: letters and digits both (random tokens virtually always mix them; a word
 * or a romanized name has no digits, an all-digit string could be a phone or an ID number).
 */
function isOpaque(text: string, own: string | undefined): boolean {
  if (!/[A-Za-z]/.test(text) || !/\d/.test(text)) return false;
  if (/^[A-Za-z0-9_-]{16,512}$/.test(text)) return true;
  if (/^[A-Za-z0-9+/]{22,4094}={0,2}$/.test(text) && text.length >= 24) return true;
  return own !== undefined && compactWaybillText(text) === own;
}
