/**
 * Authenticated encryption of small data at rest (AES-256-GCM), and the keyed look-up tag of a
 * waybill number. Used by the audit log for `waybill_enc` and `waybill_ref` (DESIGN.md §5).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { CodedError } from "../errors.ts";
import type { Keys } from "./keys.ts";

/** First byte of every sealed value; a new format gets a new version, old ones stay readable. */
export const SEAL_VERSION = 0x01;
/** GCM nonce size, in bytes (the size GCM is specified for; any other costs an extra GHASH). */
export const NONCE_BYTES = 12;
/** GCM tag size, in bytes (full length; truncated tags weaken forgery resistance). */
export const TAG_BYTES = 16;
/** Bytes a sealed value has beyond its plaintext: version, nonce and tag. */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

const CIPHER = "aes-256-gcm";

/**
 * Nonces come from a pool of CSPRNG bytes filled 4 KiB at a time: one `randomBytes(12)` per seal
 * was a sixth of an audit append's CPU time (one system-library call each), and bytes drawn in
 * bulk are as random as bytes drawn one nonce at a time. Every nonce is a distinct slice of a
 * pool that is never refilled in place (a refill allocates a new buffer), so no two seals can
 * share one. Per thread: each worker thread loads its own copy of this module.
 */
const NONCE_POOL_BYTES = 4096 - (4096 % NONCE_BYTES);
let noncePool: Buffer = Buffer.alloc(0);
let nonceAt = 0;

function freshNonce(): Buffer {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_POOL_BYTES);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/**
 * Encrypts `plaintext` under `key` (a 32-byte secret `KeyObject`, e.g. `Keys.data`) with a fresh
 * random nonce. Layout: `0x01 ‖ nonce (12) ‖ ciphertext (= plaintext length) ‖ tag (16)`.
 *
 * The additional authenticated data is `0x01 ‖ UTF-8(aad)` (no `aad` is the same as `""`): the
 * version byte is bound so it cannot be swapped, and `aad` binds the value to its context (e.g.
 * the audit record it belongs to) so it cannot be moved elsewhere undetected.
 *
 * Random 96-bit nonces keep GCM safe for about 2^32 seals per key (NIST SP 800-38D §8.3); at
 * 20 labels/s around the clock that is about 6 years, well beyond a key rotation period.
 */
export function seal(key: KeyObject, plaintext: Uint8Array, aad?: string): Uint8Array {
  checkKey(key);
  const nonce = freshNonce();
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(aad));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([Uint8Array.of(SEAL_VERSION), nonce, body, final, cipher.getAuthTag()]);
}

/**
 * Decrypts a value made by {@link seal} with the same `key` and `aad`. Throws CodedError
 * `internal` with `details.reason`: `"seal_too_short"` (fewer than {@link SEAL_OVERHEAD} bytes),
 * `"seal_version"` (unknown first byte), `"seal_auth_failed"` (wrong key, wrong `aad`, or any
 * byte changed). Never returns unauthenticated plaintext.
 */
export function open(key: KeyObject, sealed: Uint8Array, aad?: string): Uint8Array {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD) {
    throw new CodedError("internal", "sealed value is too short", {
      reason: "seal_too_short",
      size: sealed.length,
      minimum: SEAL_OVERHEAD,
    });
  }
  if (sealed[0] !== SEAL_VERSION) {
    throw new CodedError("internal", "sealed value has an unknown version", {
      reason: "seal_version",
      version: sealed[0],
    });
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(aad));
  decipher.setAuthTag(tag);
  const plain = decipher.update(body);
  try {
    // final() is where GCM checks the tag; until it passes, `plain` must not leave this function.
    const rest = decipher.final();
    return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
  } catch (e) {
    plain.fill(0);
    throw new CodedError(
      "internal",
      "sealed value failed authentication",
      { reason: "seal_auth_failed", size: sealed.length },
      e,
    );
  }
}

/** First byte of a sealed value that names its key (see {@link sealKeyed}). */
export const SEAL_VERSION_KEYED = 0x02;
/** Bytes of the key id in a version-2 sealed value. */
export const KEY_ID_BYTES = 4;

/** The data keys a keyed seal needs (`Keys` satisfies it). */
export type DataKeyring = Pick<Keys, "data" | "dataKeyId" | "dataKeys" | "firstDataKeyId">;

/**
 * Encrypts under the keyring's current data key and names that key in the value, so keys can be
 * rotated (`labelgate keys rotate`) without losing what older keys sealed. Layout:
 * `0x02 ‖ key id (4) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`; the additional authenticated data is
 * `0x02 ‖ key id ‖ UTF-8(aad)`, so neither the version nor the key id can be swapped.
 */
export function sealKeyed(ring: DataKeyring, plaintext: Uint8Array, aad: string): Uint8Array {
  checkKey(ring.data);
  // One buffer for the whole value: version and key id first (also the head of the AAD), then
  // the nonce, the ciphertext (GCM is a stream mode: as long as the plaintext) and the tag.
  const head = 1 + KEY_ID_BYTES;
  const out = Buffer.allocUnsafe(head + NONCE_BYTES + plaintext.length + TAG_BYTES);
  out[0] = SEAL_VERSION_KEYED;
  if (out.write(ring.dataKeyId, 1, KEY_ID_BYTES, "hex") !== KEY_ID_BYTES) {
    throw new CodedError("internal", "data key id must be 8 hex characters", {
      reason: "key_id",
    });
  }
  const nonce = out.subarray(head, head + NONCE_BYTES);
  freshNonce().copy(nonce);
  const cipher = createCipheriv(CIPHER, ring.data, nonce, { authTagLength: TAG_BYTES });
  const aadBytes = Buffer.allocUnsafe(head + Buffer.byteLength(aad, "utf8"));
  out.copy(aadBytes, 0, 0, head);
  aadBytes.write(aad, head, "utf8");
  cipher.setAAD(aadBytes);
  let at = head + NONCE_BYTES;
  at += cipher.update(plaintext).copy(out, at);
  at += cipher.final().copy(out, at);
  cipher.getAuthTag().copy(out, at);
  return out;
}

/**
 * Opens a value made by {@link sealKeyed} with the key it names, or a version-1 value made by
 * {@link seal} with the first data key (values sealed before key ids existed). Throws CodedError
 * `internal` with `details.reason` `"seal_unknown_key"` (the key id is not in the keyring), or as
 * {@link open} does.
 */
export function openKeyed(ring: DataKeyring, sealed: Uint8Array, aad: string): Uint8Array {
  if (sealed[0] === SEAL_VERSION) {
    const first = ring.dataKeys.get(ring.firstDataKeyId);
    if (first === undefined) throw unknownKey(ring.firstDataKeyId);
    return open(first, sealed, aad);
  }
  if (sealed[0] !== SEAL_VERSION_KEYED) return open(ring.data, sealed, aad); // reports the version
  if (sealed.length < 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES) {
    throw new CodedError("internal", "sealed value is too short", {
      reason: "seal_too_short",
      size: sealed.length,
      minimum: 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES,
    });
  }
  const kid = Buffer.from(sealed.subarray(1, 1 + KEY_ID_BYTES)).toString("hex");
  const key = ring.dataKeys.get(kid);
  if (key === undefined) throw unknownKey(kid);
  checkKey(key);
  const at = 1 + KEY_ID_BYTES;
  const nonce = sealed.subarray(at, at + NONCE_BYTES);
  const body = sealed.subarray(at + NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.concat([sealed.subarray(0, at), Buffer.from(aad, "utf8")]));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(body);
  try {
    const rest = decipher.final();
    return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
  } catch (e) {
    plain.fill(0);
    throw new CodedError(
      "internal",
      "sealed value failed authentication",
      { reason: "seal_auth_failed", size: sealed.length },
      e,
    );
  }
}

function unknownKey(kid: string): CodedError {
  return new CodedError("internal", "sealed value names a data key that is not in keys/", {
    reason: "seal_unknown_key",
    key_id: kid,
  });
}

/**
 * Normalizes a waybill number before it is tagged: Unicode NFKC (full-width `ＳＦ１２３` becomes
 * `SF123`, as a scanner in a Chinese IME might send), surrounding white space removed, upper
 * case. Carrier numbers are case-insensitive, so `sf…` and `SF…` must find the same records.
 */
export function normalizeWaybillNo(waybillNo: string): string {
  return waybillNo.normalize("NFKC").trim().toUpperCase();
}

/**
 * The HMAC keys of `waybill_ref` (`Keys` satisfies it). Without the rotation fields (a keyring
 * built by hand, e.g. in tests), `hmac` is the only generation.
 */
export type WaybillRefKeyring = Pick<Keys, "hmac"> &
  Partial<Pick<Keys, "waybillRefKey" | "waybillRefKeys">>;

/**
 * The look-up tag of a waybill number, as new records carry it: lowercase hex (64 characters) of
 * HMAC-SHA-256(current HMAC key, UTF-8(normalizeWaybillNo(waybillNo))), the current key being
 * the newest generation (`keys.waybillRefKey`; `keys.hmac` until a rotation). Keyed because a
 * plain hash of a ~10^13 number space is reversed in hours (reference A.4 item 3). Throws
 * CodedError `internal` (`details.reason = "waybill_empty"`) for a number that is empty after
 * normalization.
 */
export function waybillRef(keys: WaybillRefKeyring, waybillNo: string): string {
  return tag(keys.waybillRefKey ?? keys.hmac, normalizedOrThrow(waybillNo));
}

/**
 * The tags of a waybill number under every HMAC key generation, newest first (one element until
 * `keys rotate` made a second generation): a look-up matches `waybill_ref IN (…)`, so records
 * tagged before a rotation are found too. Throws as {@link waybillRef} does.
 */
export function waybillRefs(keys: WaybillRefKeyring, waybillNo: string): string[] {
  const normalized = normalizedOrThrow(waybillNo);
  const all = keys.waybillRefKeys === undefined ? [keys.hmac] : [...keys.waybillRefKeys.values()];
  return all.map((k) => tag(k, normalized));
}

function normalizedOrThrow(waybillNo: string): string {
  const normalized = normalizeWaybillNo(waybillNo);
  if (normalized.length === 0) {
    throw new CodedError("internal", "waybill number is empty", { reason: "waybill_empty" });
  }
  return normalized;
}

function tag(key: KeyObject, normalized: string): string {
  return createHmac("sha256", key).update(normalized, "utf8").digest("hex");
}

function additionalData(aad: string | undefined): Buffer {
  return Buffer.concat([Uint8Array.of(SEAL_VERSION), Buffer.from(aad ?? "", "utf8")]);
}

function checkKey(key: KeyObject): void {
  if (key.type !== "secret" || key.symmetricKeySize !== 32) {
    throw new CodedError("internal", "sealing key must be a 32-byte secret key", {
      reason: "key_size",
      size: key.symmetricKeySize ?? 0,
    });
  }
}
