import { randomBytes } from "node:crypto";
import type { Db } from "../db/open.ts";
import { migrate } from "../db/open.ts";
import { CodedError } from "../errors.ts";
import type { OperatorStore } from "./operators.ts";

/**
 * Approvals: the two-person rule of Art. 15 for bulk export, copy and destroy (and, later, bulk
 * print and excess reprints). A requester asks for one action with a scope; an active supervisor
 * other than the requester grants or denies it; a granted approval is valid until it expires and
 * is consumed by the one operation it was granted for.
 */
export const APPROVAL_ACTIONS = [
  "audit.export",
  "audit.purge",
  "print.bulk",
  "print.reprint_over_limit",
] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];
export type ApprovalStatus = "pending" | "granted" | "denied" | "used" | "expired";

export interface Approval {
  id: string;
  action: ApprovalAction;
  /** What exactly is approved (e.g. a time range and filters for an export), canonical JSON. */
  scope: Record<string, unknown>;
  reason: string;
  requester: string;
  status: ApprovalStatus;
  decidedBy: string | undefined;
  requestedAt: number;
  decidedAt: number | undefined;
  expiresAt: number;
}

const MIGRATIONS = [
  `CREATE TABLE approvals (
     id           TEXT PRIMARY KEY,
     action       TEXT NOT NULL,
     scope        TEXT NOT NULL,
     reason       TEXT NOT NULL,
     requester    TEXT NOT NULL,
     status       TEXT NOT NULL CHECK (status IN ('pending','granted','denied','used')),
     decided_by   TEXT,
     requested_at INTEGER NOT NULL,
     decided_at   INTEGER,
     expires_at   INTEGER NOT NULL
   ) STRICT;`,
];

interface Row {
  id: string;
  action: ApprovalAction;
  scope: string;
  reason: string;
  requester: string;
  status: Exclude<ApprovalStatus, "expired">;
  decided_by: string | null;
  requested_at: number;
  decided_at: number | null;
  expires_at: number;
}

export interface ApprovalStore {
  request(
    r: {
      action: ApprovalAction;
      scope: Record<string, unknown>;
      reason: string;
      requester: string;
      ttlMs: number;
    },
    now: number,
  ): Approval;
  grant(id: string, granter: string, now: number): Approval;
  deny(id: string, decider: string, now: number): Approval;
  get(id: string, now: number): Approval | undefined;
  list(now: number, status?: ApprovalStatus): Approval[];
  /**
   * Checks that `id` is a granted, unexpired approval for `action` (and, when given, requested by
   * `requester`), then marks it used, atomically. Throws `approval_required` otherwise, with the
   * reason (`unknown`, `wrong_action`, `not_granted`, `expired`, `used`, `wrong_requester`).
   */
  consume(id: string, action: ApprovalAction, now: number, requester?: string): Approval;
}

export function createApprovalStore(db: Db, operators: OperatorStore): ApprovalStore {
  migrate(db, "approvals", MIGRATIONS);
  const getStmt = db.prepare<[string], Row>("SELECT * FROM approvals WHERE id = ?");
  const toApproval = (r: Row, now: number): Approval => ({
    id: r.id,
    action: r.action,
    scope: JSON.parse(r.scope) as Record<string, unknown>,
    reason: r.reason,
    requester: r.requester,
    status:
      (r.status === "pending" || r.status === "granted") && r.expires_at <= now
        ? "expired"
        : r.status,
    decidedBy: r.decided_by ?? undefined,
    requestedAt: r.requested_at,
    decidedAt: r.decided_at ?? undefined,
    expiresAt: r.expires_at,
  });
  const refuse = (reason: string, message: string): never => {
    throw new CodedError("approval_required", message, { reason });
  };

  function decide(
    id: string,
    decider: string,
    now: number,
    status: "granted" | "denied",
  ): Approval {
    return db.transaction(() => {
      const r = getStmt.get(id);
      if (!r) return refuse("unknown", `no approval '${id}'`);
      const a = toApproval(r, now);
      if (a.status !== "pending")
        return refuse(
          a.status === "expired" ? "expired" : "not_pending",
          `approval '${id}' is ${a.status}`,
        );
      if (decider === a.requester)
        return refuse("self_approval", "the requester cannot decide their own request");
      if (!operators.isActive(decider, ["supervisor", "admin"]))
        return refuse("not_supervisor", `'${decider}' is not an active supervisor`);
      db.prepare(
        "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
      ).run(status, decider, now, id);
      return toApproval(getStmt.get(id)!, now);
    })();
  }

  return {
    request(r, now) {
      if (!operators.isActive(r.requester))
        refuse("requester_inactive", `'${r.requester}' is not an active operator`);
      const id = `apr-${new Date(now).toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
      db.prepare(
        "INSERT INTO approvals (id, action, scope, reason, requester, status, requested_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
      ).run(id, r.action, JSON.stringify(r.scope), r.reason, r.requester, now, now + r.ttlMs);
      return toApproval(getStmt.get(id)!, now);
    },
    grant: (id, granter, now) => decide(id, granter, now, "granted"),
    deny: (id, decider, now) => decide(id, decider, now, "denied"),
    get(id, now) {
      const r = getStmt.get(id);
      return r ? toApproval(r, now) : undefined;
    },
    list(now, status) {
      return db
        .prepare<[], Row>("SELECT * FROM approvals ORDER BY requested_at DESC")
        .all()
        .map((r) => toApproval(r, now))
        .filter((a) => status === undefined || a.status === status);
    },
    consume(id, action, now, requester) {
      return db.transaction(() => {
        const r = getStmt.get(id);
        if (!r) return refuse("unknown", `no approval '${id}'`);
        const a = toApproval(r, now);
        if (a.action !== action)
          return refuse("wrong_action", `approval '${id}' is for ${a.action}, not ${action}`);
        if (a.status === "expired") return refuse("expired", `approval '${id}' has expired`);
        if (a.status === "used") return refuse("used", `approval '${id}' was used already`);
        if (a.status !== "granted") return refuse("not_granted", `approval '${id}' is ${a.status}`);
        if (requester !== undefined && requester !== a.requester)
          return refuse("wrong_requester", `approval '${id}' was requested by someone else`);
        db.prepare("UPDATE approvals SET status = 'used' WHERE id = ?").run(id);
        return { ...a, status: "used" as const };
      })();
    },
  };
}
