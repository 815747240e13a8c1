import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createApprovalStore, type ApprovalStore } from "../../../src/access/approvals.ts";
import { createOperatorStore, type OperatorStore } from "../../../src/access/operators.ts";
import { openDatabase } from "../../../src/db/open.ts";

const HOUR = 3_600_000;

describe("approvals: the two-person rule", () => {
  let ops: OperatorStore;
  let approvals: ApprovalStore;
  const t0 = Date.parse("2026-11-30T08:00:00Z");

  beforeEach(async () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), "lg-apr-")), "db.sqlite"));
    ops = createOperatorStore(db);
    approvals = createApprovalStore(db, ops);
    await ops.add("E1", "operator", t0);
    await ops.add("S1", "supervisor", t0, "correct horse");
    await ops.add("S2", "supervisor", t0);
  });

  const ask = (requester = "S1") =>
    approvals.request(
      {
        action: "audit.export",
        scope: { since: "2026-11-01" },
        reason: "regulator request 42",
        requester,
        ttlMs: HOUR,
      },
      t0,
    );
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as { code: string; details: { reason: string } }).details.reason;
    }
    return "no error";
  };

  it("is granted by another active supervisor and consumed once", () => {
    const a = ask();
    expect(a.status).toBe("pending");
    expect(approvals.grant(a.id, "S2", t0 + 1).status).toBe("granted");
    expect(approvals.consume(a.id, "audit.export", t0 + 2, "S1").status).toBe("used");
    expect(code(() => approvals.consume(a.id, "audit.export", t0 + 3))).toBe("used");
  });

  it("refuses self-approval, non-supervisors, disabled supervisors, wrong action, expiry and denial", () => {
    const a = ask();
    expect(code(() => approvals.grant(a.id, "S1", t0))).toBe("self_approval");
    expect(code(() => approvals.grant(a.id, "E1", t0))).toBe("not_supervisor");
    ops.setStatus("S2", "disabled", t0);
    expect(code(() => approvals.grant(a.id, "S2", t0))).toBe("not_supervisor");
    ops.setStatus("S2", "active", t0);
    expect(code(() => approvals.consume(a.id, "audit.export", t0))).toBe("not_granted");
    approvals.grant(a.id, "S2", t0);
    expect(code(() => approvals.consume(a.id, "audit.purge", t0))).toBe("wrong_action");
    expect(code(() => approvals.consume(a.id, "audit.export", t0, "E1"))).toBe("wrong_requester");
    expect(code(() => approvals.consume(a.id, "audit.export", t0 + 2 * HOUR))).toBe("expired");
    const b = ask("E1");
    approvals.deny(b.id, "S2", t0);
    expect(code(() => approvals.consume(b.id, "audit.export", t0))).toBe("not_granted");
    expect(code(() => approvals.consume("apr-nope", "audit.export", t0))).toBe("unknown");
  });

  it("checks passwords with scrypt and refuses disabled operators at once", async () => {
    expect(await ops.verifyPassword("S1", "correct horse")).toBe(true);
    expect(await ops.verifyPassword("S1", "wrong")).toBe(false);
    ops.setStatus("S1", "disabled", t0);
    expect(await ops.verifyPassword("S1", "correct horse")).toBe(false);
    expect(ops.isActive("S1")).toBe(false);
  });
});
