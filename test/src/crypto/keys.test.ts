import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KEY_BYTES, loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { waybillRef } from "../../../src/crypto/seal.ts";
import { CodedError } from "../../../src/errors.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "labelgate-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const posix = process.platform !== "win32";

function refusal(dataDir: string): CodedError {
  try {
    loadOrCreateKeys(dataDir);
  } catch (e) {
    if (e instanceof CodedError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("loadOrCreateKeys", () => {
  it.runIf(posix)(
    "creates two 32-byte keys, mode 0600, in a 0700 directory under a new data dir",
    () => {
      const dataDir = join(dir, "data"); // does not exist yet
      loadOrCreateKeys(dataDir);
      expect(statSync(join(dataDir, "keys")).mode & 0o777).toBe(0o700);
      for (const file of ["hmac.key", "data.key"]) {
        const st = statSync(join(dataDir, "keys", file));
        expect(st.mode & 0o777).toBe(0o600);
        expect(st.size).toBe(KEY_BYTES);
      }
      // No temporary files left behind.
      expect(readdirSync(join(dataDir, "keys")).sort()).toEqual(["data.key", "hmac.key"]);
    },
  );

  it("returns the same keys on the next start, and different keys for another data dir", () => {
    const a = loadOrCreateKeys(join(dir, "a"));
    const again = loadOrCreateKeys(join(dir, "a"));
    const b = loadOrCreateKeys(join(dir, "b"));
    expect(again.fingerprint).toBe(a.fingerprint);
    expect(waybillRef(again, "SF1234567890123")).toBe(waybillRef(a, "SF1234567890123"));
    expect(b.fingerprint).not.toBe(a.fingerprint);
    expect(waybillRef(b, "SF1234567890123")).not.toBe(waybillRef(a, "SF1234567890123"));
    expect(readFileSync(join(dir, "a", "keys", "hmac.key"))).not.toEqual(
      readFileSync(join(dir, "a", "keys", "data.key")),
    );
    expect(a.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it("does not reveal key bytes when printed or serialized", () => {
    const keys = loadOrCreateKeys(dir);
    const hex = readFileSync(join(dir, "keys", "hmac.key")).toString("hex");
    expect(JSON.stringify(keys)).not.toContain(hex);
    expect(inspect(keys, { depth: 5 })).not.toContain(hex);
  });

  it.each([0, 16, 31, 33, 64])("refuses a key file of %i bytes and leaves it untouched", (size) => {
    mkdirSync(join(dir, "keys"), { mode: 0o700 });
    const bad = Buffer.alloc(size, 7);
    writeFileSync(join(dir, "keys", "hmac.key"), bad, { mode: 0o600 });
    const e = refusal(dir);
    expect(e.code).toBe("config_invalid");
    expect(e.details).toMatchObject({ reason: "key_size", file: "hmac.key", size, expected: 32 });
    expect(readFileSync(join(dir, "keys", "hmac.key"))).toEqual(bad);
  });

  it.runIf(posix)("refuses a key file readable by group or others", () => {
    loadOrCreateKeys(dir);
    chmodSync(join(dir, "keys", "data.key"), 0o640);
    expect(refusal(dir)).toMatchObject({
      code: "config_invalid",
      details: { reason: "key_permissions", file: "data.key", mode: "640" },
    });
  });

  it("creates a missing key file next to an existing one", () => {
    const first = loadOrCreateKeys(dir);
    rmSync(join(dir, "keys", "data.key"));
    const second = loadOrCreateKeys(dir);
    expect(waybillRef(second, "SF1")).toBe(waybillRef(first, "SF1"));
    expect(second.fingerprint).not.toBe(first.fingerprint); // the audit log refuses this pair
  });
});
