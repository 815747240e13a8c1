import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApprovalStore, type ApprovalStore } from "../../../src/access/approvals.ts";
import { createOperatorStore } from "../../../src/access/operators.ts";
import { checkpointOrigin } from "../../../src/audit/checkpoint.ts";
import { exportAudit, verifyExtract, type Extract } from "../../../src/audit/export.ts";
import { purgeAudit } from "../../../src/audit/purge.ts";
import { verifyAuditTrail } from "../../../src/audit/trail.ts";
import { loadOrCreateSigningKey, type SigningKey } from "../../../src/crypto/keys.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { CodedError, isCodedError } from "../../../src/errors.ts";
import { makeFixture, sampleInput, T0, waybillNo, type Fixture } from "./helpers.ts";

const ORIGIN = checkpointOrigin("demo", "gw1");
const DAY = 86_400_000;
let f: Fixture;
let key: SigningKey;
let approvals: ApprovalStore;
let now = T0;

beforeEach(async () => {
  now = T0;
  f = makeFixture(() => now);
  key = loadOrCreateSigningKey(join(f.dir, "data"));
  const operators = createOperatorStore(f.db);
  await operators.add("E10293", "operator", now);
  await operators.add("S0007", "supervisor", now);
  await operators.add("S0008", "supervisor", now);
  approvals = createApprovalStore(f.db, operators);
  f.log.appendBatch(Array.from({ length: 20 }, (_, i) => sampleInput(i)));
});
afterEach(() => f.cleanup());

const exportWith = (approvalId: string, operator = "E10293"): Extract =>
  exportAudit({
    db: f.db,
    audit: f.log,
    approvals,
    key,
    keys: f.keys,
    origin: ORIGIN,
    approvalId,
    operator,
    now,
  });

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isCodedError(e) && e.code === "approval_required") return String(e.details["reason"]);
    throw e;
  }
  return undefined;
}

const exportRecords = () =>
  f.db
    .prepare("SELECT outcome, reason FROM audit_log WHERE action = 'export.performed' ORDER BY seq")
    .all();

async function trail() {
  const db = openDatabase(f.dbPath, { readonly: true });
  try {
    return await verifyAuditTrail(db, { publicRaw: key.publicRaw, origin: ORIGIN });
  } finally {
    db.close();
  }
}

describe("approved export", () => {
  it("is refused and audited without an approval, with an expired one, and with a self-approved one", () => {
    expect(refusal(() => exportWith("apr-20261130-00000000"))).toBe("unknown");

    const exp = approvals.request(
      {
        action: "audit.export",
        scope: {},
        reason: "regulator request",
        requester: "E10293",
        ttlMs: 60_000,
      },
      now,
    );
    approvals.grant(exp.id, "S0007", now);
    now += 120_000;
    expect(refusal(() => exportWith(exp.id))).toBe("expired");

    const self = approvals.request(
      {
        action: "audit.export",
        scope: {},
        reason: "regulator request",
        requester: "S0007",
        ttlMs: 3_600_000,
      },
      now,
    );
    expect(refusal(() => approvals.grant(self.id, "S0007", now))).toBe("self_approval");
    expect(refusal(() => exportWith(self.id, "S0007"))).toBe("not_granted");
    // A row edited by hand to look self-approved is refused too.
    f.db
      .prepare(
        "UPDATE approvals SET status = 'granted', decided_by = requester, decided_at = ? WHERE id = ?",
      )
      .run(now, self.id);
    expect(refusal(() => exportWith(self.id, "S0007"))).toBe("self_approval");

    expect(exportRecords()).toEqual([
      { outcome: "rejected", reason: "approval_required:unknown" },
      { outcome: "rejected", reason: "approval_required:expired" },
      { outcome: "rejected", reason: "approval_required:not_granted" },
      { outcome: "rejected", reason: "approval_required:self_approval" },
    ]);
  });

  it("is refused and audited during a lockdown, even with a proper approval", () => {
    const a = approvals.request(
      {
        action: "audit.export",
        scope: {},
        reason: "regulator request",
        requester: "E10293",
        ttlMs: 3_600_000,
      },
      now,
    );
    approvals.grant(a.id, "S0007", now);
    const frozen = () => {
      throw new CodedError("lockdown", "printing and exports are frozen on this gateway");
    };
    expect(() =>
      exportAudit({
        db: f.db,
        audit: f.log,
        approvals,
        key,
        keys: f.keys,
        origin: ORIGIN,
        approvalId: a.id,
        operator: "E10293",
        now,
        assertOpen: frozen,
      }),
    ).toThrow(expect.objectContaining({ code: "lockdown" }));
    expect(exportRecords()).toEqual([{ outcome: "rejected", reason: "lockdown" }]);
    expect(exportWith(a.id).records).toHaveLength(21); // the approval was not used up
  });

  it("with a proper approval writes decrypted records, a checkpoint and a proof that verifies; it is audited and single-use", async () => {
    const a = approvals.request(
      {
        action: "audit.export",
        scope: { device: "zpl-1", since: new Date(T0).toISOString() },
        reason: "regulator request",
        requester: "E10293",
        ttlMs: 3_600_000,
      },
      now,
    );
    approvals.grant(a.id, "S0007", now);
    const x = exportWith(a.id);
    expect(x.records).toHaveLength(20);
    expect(x.records[3]?.waybill_no).toBe(waybillNo(3));
    expect(verifyExtract(x, key.publicRaw)).toEqual({ ok: true, size: 21 });
    expect(exportRecords()).toEqual([{ outcome: "ok", reason: `approval:${a.id}` }]);
    expect((await trail()).verdict).toBe("ok");

    // The proof binds the readable fields: an edited extract fails.
    const edited = {
      ...x,
      records: x.records.map((r, i) => (i === 5 ? { ...r, outcome: "error" } : r)),
    };
    expect(verifyExtract(edited, key.publicRaw)).toMatchObject({
      ok: false,
      reason: "record_not_in_chain",
      seq: 6,
    });
    const other = loadOrCreateSigningKey(join(f.dir, "other"));
    expect(verifyExtract(x, other.publicRaw)).toMatchObject({ ok: false });

    expect(refusal(() => exportWith(a.id))).toBe("used");
  });
});

describe("approved retention purge", () => {
  function purgeApproval(): string {
    const a = approvals.request(
      {
        action: "audit.purge",
        scope: {},
        reason: "retention",
        requester: "E10293",
        ttlMs: 3_600_000,
      },
      now,
    );
    approvals.grant(a.id, "S0008", now);
    return a.id;
  }

  it("deletes records beyond the retention period under a signed tombstone, and verify still passes", async () => {
    now = T0 + 200 * DAY;
    f.log.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(100 + i)));
    const r = purgeAudit({
      db: f.db,
      audit: f.log,
      approvals,
      key,
      origin: ORIGIN,
      approvalId: purgeApproval(),
      operator: "E10293",
      now,
    });
    expect(r).toMatchObject({ below: 21, purged: 20 });
    const t = await trail();
    expect(t).toMatchObject({ verdict: "ok", purgedBelow: 21, range: { first: 21, last: 26 } });
    expect(
      f.db.prepare("SELECT action, outcome FROM audit_log ORDER BY seq DESC LIMIT 1").get(),
    ).toEqual({ action: "purge.performed", outcome: "ok" });
  });

  it("is refused (and audited) without an approval and below 180 days; a deletion without or with a forged tombstone fails verify", async () => {
    now = T0 + 200 * DAY;
    f.log.append(sampleInput(100));
    const base = {
      db: f.db,
      audit: f.log,
      approvals,
      key,
      origin: ORIGIN,
      operator: "E10293",
      now,
    };
    expect(refusal(() => purgeAudit({ ...base, approvalId: "apr-20261130-00000000" }))).toBe(
      "unknown",
    );
    expect(() => purgeAudit({ ...base, approvalId: purgeApproval(), retentionDays: 30 })).toThrow(
      /at least 180/,
    );
    expect(
      f.db.prepare("SELECT outcome, reason FROM audit_log WHERE action = 'purge.performed'").all(),
    ).toEqual([{ outcome: "rejected", reason: "approval_required:unknown" }]);
    f.db.close();
    const raw = new Database(f.dbPath);
    raw.prepare("DELETE FROM audit_log WHERE seq <= 10").run();
    raw.close();
    expect(await trail()).toMatchObject({
      verdict: "altered",
      firstFailure: { seq: 1, reason: "start_missing" },
    });
    const raw2 = new Database(f.dbPath);
    raw2
      .prepare(
        "INSERT INTO audit_tombstones (below, hash, approval, note) VALUES (11, ?, 'apr-x', 'forged')",
      )
      .run("00".repeat(32));
    raw2.close();
    expect(await trail()).toMatchObject({
      verdict: "altered",
      firstFailure: { reason: "tombstone_invalid" },
    });
  });
});
