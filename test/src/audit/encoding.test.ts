import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  createRecordHasher,
  GENESIS_HASH,
  HASHED_COLUMNS,
  type HashedValue,
} from "../../../src/audit/encoding.ts";

// A fixed record in HASHED_COLUMNS order. The expected hash below was computed outside this code
// base (a 10-line Python script implementing the encoding documented in encoding.ts), so it pins
// the documented encoding, not merely this implementation's current behaviour.
const VECTOR: HashedValue[] = [
  1,
  "2026-11-30T08:00:00.000Z",
  "demo",
  "gw1",
  '{"area":"杭州转运中心","site":"demo","workstation":"ws-12"}',
  '{"client":"ws-12","operator":"E10293"}',
  "print.dispatched",
  '{"device":"zpl-1","job_id":"01JD3K6W9Q2S7T5V8X0Y1Z2A3B"}',
  "ok",
  null,
  "ab".repeat(32),
  Uint8Array.of(1, 2, 3, 255),
  GENESIS_HASH,
];
const VECTOR_HASH = "5ea2f723f221b9e1d7b3988942cdcb681a991688c66dd065983a7af7c7f8af5b";

/** The documented encoding, written out naively as a verifier elsewhere would. */
function referenceHash(values: readonly HashedValue[]): string {
  const parts: Buffer[] = [Buffer.from("labelgate.audit.v1\0", "latin1")];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
      continue;
    }
    const bytes =
      typeof v === "string"
        ? Buffer.from(v, "utf8")
        : v instanceof Uint8Array
          ? Buffer.from(v)
          : Buffer.from(String(v), "ascii");
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    parts.push(len, bytes);
  }
  return createHash("sha256").update(Buffer.concat(parts)).digest("hex");
}

describe("audit record hash encoding", () => {
  it("matches the externally computed test vector", () => {
    expect(HASHED_COLUMNS).toHaveLength(13);
    expect(createRecordHasher()(VECTOR)).toBe(VECTOR_HASH);
    expect(referenceHash(VECTOR)).toBe(VECTOR_HASH);
  });

  it("ignores values after the 13th (a raw row with its hash column)", () => {
    expect(createRecordHasher()([...VECTOR, "f".repeat(64)])).toBe(VECTOR_HASH);
  });

  it("tells NULL from the empty string, and field boundaries apart", () => {
    const hash = createRecordHasher();
    const withEmpty = VECTOR.map((v, i) => (i === 9 ? "" : v));
    expect(hash(withEmpty)).not.toBe(VECTOR_HASH);
    // Moving a character across a boundary changes the hash (length prefixes, not separators).
    const shifted = VECTOR.map((v, i) => (i === 2 ? "demog" : i === 3 ? "w1" : v));
    expect(hash(shifted)).not.toBe(VECTOR_HASH);
    expect(hash(shifted)).toBe(referenceHash(shifted));
  });

  it("reuses its scratch buffer correctly across large and small records", () => {
    const hash = createRecordHasher();
    const big = VECTOR.map((v, i) => (i === 7 ? `{"device":"${"設".repeat(5000)}"}` : v));
    expect(hash(big)).toBe(referenceHash(big));
    expect(hash(VECTOR)).toBe(VECTOR_HASH);
  });

  it("refuses too few values and non-integer seq", () => {
    const hash = createRecordHasher();
    expect(() => hash(VECTOR.slice(0, 12))).toThrow(TypeError);
    expect(() => hash([1.5, ...VECTOR.slice(1)])).toThrow(TypeError);
  });

  it("writes canonical JSON: sorted keys, no undefined, no white space", () => {
    expect(canonicalJson({ workstation: "ws-1", site: "demo", area: undefined })).toBe(
      '{"site":"demo","workstation":"ws-1"}',
    );
    expect(canonicalJson({})).toBe("{}");
    expect(canonicalJson({ b: 'q"\\\n', a: "杭州" })).toBe('{"a":"杭州","b":"q\\"\\\\\\n"}');
  });
});
