import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManagementAuth } from "../../../src/access/management-auth.ts";
import { createOperatorStore, type OperatorStore } from "../../../src/access/operators.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { isCodedError } from "../../../src/errors.ts";
import type { AuditEvent } from "../../../src/jobs/ports.ts";

/**
 * The acting operator of a management request is bound by their own credential (scrypt), checked
 * before any handler runs (src/access/management-auth.ts). The daemon-level check over MQTT is in
 * job-access.test.ts.
 */
describe("management request credential", () => {
  let dir: string;
  let db: Db;
  let operators: OperatorStore;
  const audit: AuditEvent[] = [];
  let authorize: ReturnType<typeof createManagementAuth>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-mauth-"));
    db = openDatabase(join(dir, "labelgate.db"));
    operators = createOperatorStore(db);
    await operators.add("S1", "supervisor", 1, "pw-S1-synthetic");
    await operators.add("S2", "supervisor", 1); // no password yet
    authorize = createManagementAuth({ operators, audit: (e) => audit.push(e) });
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = async (action: string, req: Record<string, unknown>) => {
    try {
      await authorize(action, req);
      return "accepted";
    } catch (e) {
      if (!isCodedError(e)) throw e;
      return `${e.code}:${String(e.details["reason"])}`;
    }
  };

  it("passes read-only requests that name no operator", async () => {
    expect(await refusal("approval.list", { status: "pending" })).toBe("accepted");
  });

  it("refuses a missing, wrong or someone else's credential, and audits each refusal", async () => {
    const n = audit.length;
    expect(await refusal("approval.grant", { operator: "S1", id: "a" })).toBe(
      "not_authorized:credential_missing",
    );
    expect(await refusal("approval.grant", { operator: "S1", credential: "guess" })).toBe(
      "not_authorized:credential_invalid",
    );
    expect(await refusal("approval.grant", { operator: "S1", credential: 12345678 })).toBe(
      "not_authorized:credential_missing",
    );
    // S2 has no password: no credential can act as S2 until one is set.
    expect(await refusal("lockdown.set", { operator: "S2", credential: "pw-S1-synthetic" })).toBe(
      "not_authorized:credential_invalid",
    );
    expect(await refusal("lockdown.set", { operator: "ghost", credential: "x" })).toBe(
      "not_authorized:credential_invalid",
    );
    expect(audit.slice(n).map((e) => [e.action, e.reason, e.operator])).toEqual([
      ["management.refused", "not_authorized:credential_missing:approval.grant", "S1"],
      ["management.refused", "not_authorized:credential_invalid:approval.grant", "S1"],
      ["management.refused", "not_authorized:credential_missing:approval.grant", "S1"],
      ["management.refused", "not_authorized:credential_invalid:lockdown.set", "S2"],
      ["management.refused", "not_authorized:credential_invalid:lockdown.set", "ghost"],
    ]);
    expect(JSON.stringify(audit)).not.toContain("pw-S1-synthetic");
  });

  it("locks an operator after 5 wrong credentials for 15 minutes; a right one before that clears the count", async () => {
    let now = 1_000_000;
    const records: AuditEvent[] = [];
    const auth = createManagementAuth({
      operators,
      audit: (e) => records.push(e),
      clock: () => now,
    });
    await operators.add("S3", "supervisor", 1, "pw-S3-synthetic");
    const attempt = async (credential: string) => {
      try {
        await auth("lockdown.set", { operator: "S3", credential });
        return "accepted";
      } catch (e) {
        return isCodedError(e) ? String(e.details["reason"]) : "thrown";
      }
    };
    for (let i = 0; i < 4; i++) expect(await attempt(`guess-${i}`)).toBe("credential_invalid");
    expect(await attempt("pw-S3-synthetic")).toBe("accepted"); // clears the count
    for (let i = 0; i < 5; i++) expect(await attempt(`guess-${i}`)).toBe("credential_invalid");
    expect(await attempt("pw-S3-synthetic")).toBe("credential_locked");
    now += 15 * 60_000 - 1;
    expect(await attempt("pw-S3-synthetic")).toBe("credential_locked");
    now += 1;
    expect(await attempt("pw-S3-synthetic")).toBe("accepted");
    // Every refusal audited (4 + 5 wrong, 2 locked); accepted ones are audited by their action.
    expect(records).toHaveLength(11);
    expect(records.map((r) => r.reason).filter((r) => r?.includes("locked"))).toEqual([
      "not_authorized:credential_locked:lockdown.set",
      "not_authorized:credential_locked:lockdown.set",
    ]);
  });

  it("accepts the operator's own credential; a password set later works; disabling revokes it", async () => {
    expect(await refusal("approval.grant", { operator: "S1", credential: "pw-S1-synthetic" })).toBe(
      "accepted",
    );
    await expect(operators.setPassword("S2", "short", 2)).rejects.toThrow(/8 characters/);
    await operators.setPassword("S2", "pw-S2-synthetic", 2);
    expect(await refusal("lockdown.set", { operator: "S2", credential: "pw-S2-synthetic" })).toBe(
      "accepted",
    );
    operators.setStatus("S2", "disabled", 3);
    expect(await refusal("lockdown.set", { operator: "S2", credential: "pw-S2-synthetic" })).toBe(
      "not_authorized:credential_invalid",
    );
  });
});
