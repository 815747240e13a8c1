import type { AccessService } from "../access/service.ts";
import type { Approval, ApprovalStatus, ApprovalStore } from "../access/approvals.ts";
import type { LockdownStore } from "../access/lockdown.ts";
import type { OperatorStore } from "../access/operators.ts";
import { CodedError } from "../errors.ts";
import { field, type ManagementRouter } from "./router.ts";

/**
 * The management actions of access control (README "Management requests"):
 * `approval.request|grant|deny|list`, `lockdown.set|lift|status`, `operator.disable|enable`.
 * Every request names the acting `operator`; the stores check their role.
 */
export function registerAccessActions(
  router: ManagementRouter,
  d: {
    service: AccessService;
    approvals: ApprovalStore;
    lockdown: LockdownStore;
    operators: OperatorStore;
  },
): void {
  router.register("approval.request", (req, now) => {
    const scope = req["scope"] ?? {};
    if (typeof scope !== "object" || scope === null || Array.isArray(scope))
      throw new CodedError("invalid_request", "scope: expected an object", { path: "scope" });
    const a = d.service.requestApproval(
      {
        operator: field(req, "operator", 32),
        action: field(req, "action", 64),
        scope: scope as Record<string, unknown>,
        reason: field(req, "reason"),
      },
      now,
    );
    return { approval: view(a) };
  });
  router.register("approval.grant", (req, now) => ({
    approval: view(
      d.service.decideApproval(field(req, "id", 64), field(req, "operator", 32), true, now),
    ),
  }));
  router.register("approval.deny", (req, now) => ({
    approval: view(
      d.service.decideApproval(field(req, "id", 64), field(req, "operator", 32), false, now),
    ),
  }));
  router.register("approval.list", (req, now) => {
    const status = req["status"];
    return {
      approvals: d.approvals
        .list(now, typeof status === "string" ? (status as ApprovalStatus) : undefined)
        .map(view),
    };
  });
  router.register("lockdown.set", (req, now) => {
    const s = d.service.setLockdown(field(req, "operator", 32), field(req, "reason"), now);
    return { lockdown: { active: true, by: s.by, since: new Date(s.since).toISOString() } };
  });
  router.register("lockdown.lift", (req, now) => {
    d.service.liftLockdown(field(req, "operator", 32), field(req, "reason"), now);
    return { lockdown: { active: false } };
  });
  // Departed staff: a supervisor disables an operator; their new and queued jobs are refused.
  for (const [action, active] of [
    ["operator.disable", false],
    ["operator.enable", true],
  ] as const) {
    router.register(action, (req, now) => {
      const by = field(req, "operator", 32);
      if (!d.operators.isActive(by, ["supervisor", "admin"]))
        throw new CodedError("not_authorized", `'${by}' is not an active supervisor`, {
          path: "operator",
        });
      const op = d.service.setOperatorStatus(field(req, "id", 32), active, now);
      return { operator: { id: op.id, role: op.role, status: op.status } };
    });
  }
  router.register("lockdown.status", () => {
    const s = d.lockdown.current();
    return {
      lockdown: s
        ? { active: true, by: s.by, reason: s.reason, since: new Date(s.since).toISOString() }
        : { active: false },
    };
  });
}

/** An approval as the API shows it (times as ISO 8601). */
export function view(a: Approval): Record<string, unknown> {
  return {
    id: a.id,
    action: a.action,
    scope: a.scope,
    reason: a.reason,
    requester: a.requester,
    status: a.status,
    decided_by: a.decidedBy,
    requested_at: new Date(a.requestedAt).toISOString(),
    expires_at: new Date(a.expiresAt).toISOString(),
  };
}
