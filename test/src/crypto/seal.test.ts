import { createSecretKey, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  normalizeWaybillNo,
  open,
  seal,
  SEAL_OVERHEAD,
  SEAL_VERSION,
  waybillRef,
} from "../../../src/crypto/seal.ts";
import { CodedError } from "../../../src/errors.ts";

const key = createSecretKey(randomBytes(32));
const otherKey = createSecretKey(randomBytes(32));
const utf8 = (s: string) => new TextEncoder().encode(s);

function reasonOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (e instanceof CodedError) return e.details["reason"];
    throw e;
  }
  return "no error";
}

describe("seal / open", () => {
  it("round-trips, with the documented layout", () => {
    const plain = utf8("SF1234567890123");
    const sealed = seal(key, plain, "ctx");
    expect(sealed.length).toBe(plain.length + SEAL_OVERHEAD);
    expect(sealed[0]).toBe(SEAL_VERSION);
    expect(Buffer.from(sealed).includes(Buffer.from(plain))).toBe(false);
    expect(Buffer.from(open(key, sealed, "ctx")).toString("utf8")).toBe("SF1234567890123");
  });

  it("round-trips empty and large plaintexts, with and without aad", () => {
    expect(open(key, seal(key, new Uint8Array(0)))).toHaveLength(0);
    const big = randomBytes(100_000);
    expect(Buffer.from(open(key, seal(key, big, ""))).equals(big)).toBe(true);
    // No aad is the same as an empty aad.
    expect(Buffer.from(open(key, seal(key, big), "")).equals(big)).toBe(true);
  });

  it("uses a fresh nonce every time", () => {
    const a = seal(key, utf8("same"));
    const b = seal(key, utf8("same"));
    expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
  });

  it("never repeats a nonce across refills of the nonce pool, and every value still opens", () => {
    // 2,000 nonces span several 4 KiB pools (341 nonces each).
    const nonces = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const sealed = seal(key, utf8(`SF${i}`), `ctx-${i}`);
      nonces.add(Buffer.from(sealed.subarray(1, 13)).toString("hex"));
      expect(Buffer.from(open(key, sealed, `ctx-${i}`)).toString()).toBe(`SF${i}`);
    }
    expect(nonces.size).toBe(2000);
  });

  it("detects a change to any single byte", () => {
    const sealed = seal(key, utf8("SF1234567890123"), "ctx");
    for (let i = 0; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed);
      bad[i] = (bad[i] ?? 0) ^ 0x80;
      expect(reasonOf(() => open(key, bad, "ctx"))).toBe(
        i === 0 ? "seal_version" : "seal_auth_failed",
      );
    }
  });

  it("refuses the wrong key, the wrong aad and truncated input", () => {
    const sealed = seal(key, utf8("SF1234567890123"), "ctx-7");
    expect(reasonOf(() => open(otherKey, sealed, "ctx-7"))).toBe("seal_auth_failed");
    expect(reasonOf(() => open(key, sealed, "ctx-8"))).toBe("seal_auth_failed");
    expect(reasonOf(() => open(key, sealed))).toBe("seal_auth_failed");
    expect(reasonOf(() => open(key, sealed.subarray(0, sealed.length - 1), "ctx-7"))).toBe(
      "seal_auth_failed",
    );
    expect(reasonOf(() => open(key, sealed.subarray(0, SEAL_OVERHEAD - 1)))).toBe("seal_too_short");
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(reasonOf(() => seal(createSecretKey(randomBytes(16)), utf8("x")))).toBe("key_size");
  });

  it("does not put the plaintext into its error", () => {
    const sealed = seal(key, utf8("SF1234567890123"));
    let caught: unknown;
    try {
      open(otherKey, sealed);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CodedError);
    expect(
      JSON.stringify(caught) + String(caught) + JSON.stringify((caught as CodedError).details),
    ).not.toContain("SF1234567890123");
  });
});

describe("waybillRef", () => {
  const keys = { hmac: createSecretKey(randomBytes(32)) };

  it("is a 64-hex keyed tag, stable for one key and different for another", () => {
    const ref = waybillRef(keys, "SF1234567890123");
    expect(ref).toMatch(/^[0-9a-f]{64}$/);
    expect(waybillRef(keys, "SF1234567890123")).toBe(ref);
    expect(waybillRef({ hmac: otherKey }, "SF1234567890123")).not.toBe(ref);
    expect(waybillRef(keys, "SF1234567890124")).not.toBe(ref);
  });

  it("normalizes case, width and surrounding space", () => {
    const ref = waybillRef(keys, "SF1234567890123");
    expect(waybillRef(keys, "sf1234567890123")).toBe(ref);
    expect(waybillRef(keys, " ＳＦ１２３４５６７８９０１２３\t")).toBe(ref);
    expect(normalizeWaybillNo(" ｙｔ００１ ")).toBe("YT001");
  });

  it("refuses an empty number", () => {
    expect(reasonOf(() => waybillRef(keys, "  "))).toBe("waybill_empty");
  });
});
