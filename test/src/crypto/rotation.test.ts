import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/log.ts";
import { createWaybillStore } from "../../../src/access/waybills.ts";
import { runKeysRotate } from "../../../src/cli/keys.ts";
import { loadOrCreateKeys, rotateDataKey, rotateHmacKey } from "../../../src/crypto/keys.ts";
import { openKeyed, seal, sealKeyed, waybillRef, waybillRefs } from "../../../src/crypto/seal.ts";
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

describe("HMAC key rotation (waybill_ref)", () => {
  const no = "SF1234567890126";

  it("tags new records under the new key and still finds the old ones by waybill number", () => {
    const dataDir = join(dir, "data");
    const path = join(dataDir, "labelgate.db");
    const open = () => {
      const db = openDatabase(path);
      const keys = loadOrCreateKeys(dataDir);
      const log = createAuditLog({ db, keys, site: "demo", gateway: "gw1", clock: () => 0 });
      return { db, keys, log, waybills: createWaybillStore(db, keys) };
    };
    let g = open();
    const k1 = g.keys;
    expect([...k1.waybillRefKeys.keys()]).toEqual([k1.waybillRefKeyId]);
    const a = g.log.append({ action: "print.dispatched", outcome: "ok", waybillNo: no });
    g.waybills.record(no, { kind: "print" }, 0);
    g.db.close();

    const r = rotateHmacKey(dataDir);
    expect(r.generation).toBe(2);
    expect(statSync(join(dataDir, "keys", "hmac.2.key")).mode & 0o777).toBe(0o600);
    g = open();
    const k2 = g.keys;
    expect(k2.waybillRefKeyId).toBe(r.id);
    expect([...k2.waybillRefKeys.keys()]).toEqual([r.id, k1.waybillRefKeyId]);
    // The intake's content-hash key and the key-set fingerprint do not change.
    expect(k2.fingerprint).toBe(k1.fingerprint);
    expect(waybillRef({ hmac: k2.hmac }, no)).toBe(waybillRef(k1, no));

    const b = g.log.append({ action: "print.dispatched", outcome: "ok", waybillNo: no });
    expect(b.target.waybill_ref).toBe(waybillRef(k2, no));
    expect(b.target.waybill_ref).not.toBe(a.target.waybill_ref);
    expect(waybillRefs(k2, no)).toEqual([b.target.waybill_ref, a.target.waybill_ref]);
    // Look-ups by number find the records of both generations.
    expect(g.log.search({ waybillNo: no, limit: 10 }).map((x) => x.seq)).toEqual([2, 1]);
    expect(g.log.search({ waybillNo: "SF1234567890127", limit: 10 })).toEqual([]);
    // So does the waybill life cycle: the print before the rotation still counts.
    g.waybills.record(no, { kind: "reprint" }, 1);
    const life = g.waybills.life(no);
    expect([life.prints, life.reprints]).toEqual([1, 1]);
    g.db.close();
  });

  it("keys rotate makes a new generation of both keys and audits their ids", () => {
    const dataDir = join(dir, "data");
    const db = openDatabase(join(dataDir, "labelgate.db"));
    createAuditLog({
      db,
      keys: loadOrCreateKeys(dataDir),
      site: "demo",
      gateway: "gw1",
      clock: () => 0,
    });
    db.close();
    expect(runKeysRotate({ dataDir, operator: "S0007" })).toBe(0);
    const keys = loadOrCreateKeys(dataDir);
    const check = openDatabase(join(dataDir, "labelgate.db"));
    const row = check
      .prepare("SELECT action, reason, actor FROM audit_log ORDER BY seq DESC LIMIT 1")
      .get();
    check.close();
    expect(row).toEqual({
      action: "keys.rotated",
      reason: `data_key:${keys.dataKeyId}+hmac_key:${keys.waybillRefKeyId}`,
      actor: '{"operator":"S0007"}',
    });
  });
});
