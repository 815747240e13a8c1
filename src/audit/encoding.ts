/**
 * The hash of an audit record. This encoding is a public contract: verifiers outside the box
 * (a regulator's script, another language) must reproduce it byte for byte, and changing it
 * invalidates every stored chain. Change it only with a new domain string and a migration.
 *
 * ```
 * hash      = lowercase hex of SHA-256(M)
 * M         = "labelgate.audit.v1" (18 ASCII bytes) ‖ 0x00
 *             ‖ F(seq) ‖ F(ts) ‖ F(site) ‖ F(gateway) ‖ F(place) ‖ F(actor) ‖ F(action)
 *             ‖ F(target) ‖ F(outcome) ‖ F(reason) ‖ F(digest) ‖ F(waybill_enc) ‖ F(prev_hash)
 * F(NULL)   = FF FF FF FF
 * F(value)  = length of B(value) in bytes, unsigned 32-bit big-endian ‖ B(value)
 * B(INTEGER)= its decimal ASCII digits, no sign, no leading zeros        (seq)
 * B(TEXT)   = its UTF-8 bytes exactly as stored in the column           (all other columns)
 * B(BLOB)   = its bytes                                                 (waybill_enc)
 * ```
 *
 * The columns are the 13 columns of `audit_log` other than `hash`, in table order. JSON columns
 * (`place`, `actor`, `target`) are hashed as the stored text, so a verifier never re-serializes
 * JSON; the writer stores them canonically anyway (RFC 8785: sorted keys, no white space), so
 * equal content always gives equal bytes. The length prefix makes the encoding injective (no
 * two different records share M); the NULL marker keeps NULL apart from the empty string.
 * `prev_hash` of record 1 is {@link GENESIS_HASH}.
 */
import * as nodeCrypto from "node:crypto";

/** Domain-separation prefix of M, including its 0x00 terminator. */
export const HASH_DOMAIN = "labelgate.audit.v1\0";

/** `prev_hash` of record 1: 64 ASCII zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** The hashed columns, in the order they enter M (also the order `verify` selects them). */
export const HASHED_COLUMNS = [
  "seq",
  "ts",
  "site",
  "gateway",
  "place",
  "actor",
  "action",
  "target",
  "outcome",
  "reason",
  "digest",
  "waybill_enc",
  "prev_hash",
] as const;

/** One column value as SQLite hands it over (INTEGER, TEXT, BLOB or NULL). */
export type HashedValue = number | bigint | string | Uint8Array | null;

const NULL_LENGTH = 0xffffffff;

// crypto.hash (Node >= 20.12) is a one-shot without a Hash object: about twice as fast for
// records of a few hundred bytes, which is most of verify's time. Older Node 20 falls back.
const sha256Hex: (data: Uint8Array) => string =
  typeof nodeCrypto.hash === "function"
    ? (data) => nodeCrypto.hash("sha256", data, "hex")
    : (data) => nodeCrypto.createHash("sha256").update(data).digest("hex");
const COUNT = HASHED_COLUMNS.length;

/**
 * Returns a function that hashes the 13 {@link HASHED_COLUMNS} values of one record, given in
 * that order (further elements, such as a trailing `hash`, are ignored, so a raw row passes
 * without copying). It reuses one growing scratch buffer, so verifying millions of records
 * allocates almost nothing; the buffer belongs to the returned function, not the module.
 */
export function createRecordHasher(): (values: readonly HashedValue[]) => string {
  let scratch = Buffer.allocUnsafe(1024);
  const domainLength = Buffer.byteLength(HASH_DOMAIN, "latin1");

  return (values) => {
    if (values.length < COUNT) {
      throw new TypeError(`expected ${COUNT} column values, got ${values.length}`);
    }
    // Upper bound of M: UTF-8 needs at most 3 bytes per UTF-16 code unit.
    let bound = domainLength;
    for (let i = 0; i < COUNT; i++) {
      const v = values[i] ?? null; // never undefined: the length was checked
      bound += 4;
      if (typeof v === "string") bound += v.length * 3;
      else if (v instanceof Uint8Array) bound += v.length;
      else if (v !== null) bound += 24;
    }
    if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, scratch.length * 2));

    let at = scratch.write(HASH_DOMAIN, 0, "latin1");
    for (let i = 0; i < COUNT; i++) {
      const v = values[i] ?? null;
      if (v === null) {
        scratch.writeUInt32BE(NULL_LENGTH, at);
        at += 4;
        continue;
      }
      const start = at + 4;
      let n: number;
      if (typeof v === "string") {
        n = scratch.write(v, start, "utf8");
      } else if (v instanceof Uint8Array) {
        scratch.set(v, start);
        n = v.length;
      } else {
        if ((typeof v === "number" && !Number.isSafeInteger(v)) || v < 0) {
          throw new TypeError("integer column must be a non-negative safe integer");
        }
        n = scratch.write(String(v), start, "latin1");
      }
      scratch.writeUInt32BE(n, at);
      at = start + n;
    }
    return sha256Hex(scratch.subarray(0, at));
  };
}

/**
 * Canonical JSON (RFC 8785) of a flat object of string values, as stored in `place`, `actor`
 * and `target`: keys sorted by UTF-16 code units, absent (undefined) keys left out, no white
 * space. For strings, JSON.stringify already produces RFC 8785's string form.
 */
export function canonicalJson(value: Readonly<Record<string, string | undefined>>): string {
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`).join(",")}}`;
}
