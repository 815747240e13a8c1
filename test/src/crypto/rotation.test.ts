import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/log.ts";
import { loadOrCreateKeys, rotateDataKey } from "../../../src/crypto/keys.ts";
import { openKeyed, seal, sealKeyed } from "../../../src/crypto/seal.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { isCodedError } from "../../../src/errors.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "labelgate-rotate-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isCodedError(e) ? e.details["reason"] : "other";
  }
  return undefined;
};

describe("data key rotation", () => {
  it("seals under the newest key, names it in the value, and still opens what older keys sealed", () => {
    const k1 = loadOrCreateKeys(dir);
    const legacy = seal(k1.data, Buffer.from("SF1234567890123"), "job:a"); // version 1, no key id
    const old = sealKeyed(k1, Buffer.from("SF1234567890124"), "job:b");
    expect(old[0]).toBe(0x02);
    expect(Buffer.from(old.subarray(1, 5)).toString("hex")).toBe(k1.dataKeyId);

    const r = rotateDataKey(dir);
    expect(r.generation).toBe(2);
    expect(statSync(join(dir, "keys", "data.2.key")).mode & 0o777).toBe(0o600);
    const k2 = loadOrCreateKeys(dir);
    expect(k2.dataKeyId).toBe(r.id);
    expect(k2.dataKeyId).not.toBe(k1.dataKeyId);
    expect(k2.fingerprint).toBe(k1.fingerprint); // the audit log keeps accepting the key set
    const fresh = sealKeyed(k2, Buffer.from("SF1234567890125"), "job:c");
    expect(Buffer.from(fresh.subarray(1, 5)).toString("hex")).toBe(k2.dataKeyId);

    expect(text(openKeyed(k2, legacy, "job:a"))).toBe("SF1234567890123");
    expect(text(openKeyed(k2, old, "job:b"))).toBe("SF1234567890124");
    expect(text(openKeyed(k2, fresh, "job:c"))).toBe("SF1234567890125");
    // The keys loaded before the rotation do not know the new key; a swapped key id fails.
    expect(reason(() => openKeyed(k1, fresh, "job:c"))).toBe("seal_unknown_key");
    const swapped = Buffer.from(fresh);
    swapped.set(Buffer.from(k1.dataKeyId, "hex"), 1);
    expect(reason(() => openKeyed(k2, swapped, "job:c"))).toBe("seal_auth_failed");
    expect(rotateDataKey(dir).generation).toBe(3);
  });

  it("keeps audit records readable and searchable across a rotation", () => {
    const dataDir = join(dir, "data");
    const path = join(dataDir, "labelgate.db");
    const record = (waybillNo: string) =>
      ({ action: "print.dispatched", outcome: "ok", waybillNo }) as const;
    let db = openDatabase(path);
    let log = createAuditLog({
      db,
      keys: loadOrCreateKeys(dataDir),
      site: "demo",
      gateway: "gw1",
      clock: () => 0,
    });
    const a = log.append(record("SF1234567890123"));
    db.close();
    rotateDataKey(dataDir);
    db = openDatabase(path);
    log = createAuditLog({
      db,
      keys: loadOrCreateKeys(dataDir),
      site: "demo",
      gateway: "gw1",
      clock: () => 1,
    });
    const b = log.append(record("SF1234567890123"));
    expect(log.openWaybill(a)).toBe("SF1234567890123");
    expect(log.openWaybill(b)).toBe("SF1234567890123");
    expect(log.search({ waybillNo: "SF1234567890123", limit: 10 }).map((r) => r.seq)).toEqual([
      2, 1,
    ]);
    db.close();
  });
});
