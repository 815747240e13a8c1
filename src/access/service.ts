import { CodedError, isCodedError } from "../errors.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import {
  APPROVAL_ACTIONS,
  type Approval,
  type ApprovalAction,
  type ApprovalStore,
} from "./approvals.ts";
import type { ClientRole, ClientStore } from "./clients.ts";
import type { LockdownState, LockdownStore } from "./lockdown.ts";
import type { Operator, OperatorRole, OperatorStore } from "./operators.ts";

/**
 * The audited operations on operators, clients, approvals and lockdown, shared by the CLI and
 * the MQTT management requests: each does its work and appends its audit record (who, what,
 * outcome); a refusal is audited too (`approval.refused` …) and rethrown.
 */
export interface AccessServiceDeps {
  operators: OperatorStore;
  approvals: ApprovalStore;
  lockdown: LockdownStore;
  clients: ClientStore;
  audit: AuditAppend;
  approvalTtlMs: number;
}

export type AccessService = ReturnType<typeof createAccessService>;

export function createAccessService(d: AccessServiceDeps) {
  function refused<T>(
    action: "approval.refused" | "client.refused",
    operator: string,
    fn: () => T,
  ): T {
    try {
      return fn();
    } catch (e) {
      if (isCodedError(e)) {
        const why = e.details["reason"];
        d.audit({
          action,
          outcome: "rejected",
          reason: typeof why === "string" ? `${e.code}:${why}` : e.code,
          ...(/^[A-Za-z0-9_.-]{1,32}$/.test(operator) && { operator }),
        });
      }
      throw e;
    }
  }

  return {
    requestApproval(
      r: { operator: string; action: string; scope: Record<string, unknown>; reason: string },
      now: number,
    ): Approval {
      return refused("approval.refused", r.operator, () => {
        if (!(APPROVAL_ACTIONS as readonly string[]).includes(r.action))
          throw new CodedError(
            "invalid_request",
            `action: expected ${APPROVAL_ACTIONS.join(", ")}`,
            {
              path: "action",
            },
          );
        const a = d.approvals.request(
          {
            action: r.action as ApprovalAction,
            scope: r.scope,
            reason: r.reason,
            requester: r.operator,
            ttlMs: d.approvalTtlMs,
          },
          now,
        );
        d.audit({
          action: "approval.requested",
          outcome: "ok",
          reason: `${a.action}:${a.id}`,
          operator: r.operator,
        });
        return a;
      });
    },
    decideApproval(id: string, operator: string, grant: boolean, now: number): Approval {
      return refused("approval.refused", operator, () => {
        const a = grant
          ? d.approvals.grant(id, operator, now)
          : d.approvals.deny(id, operator, now);
        d.audit({
          action: grant ? "approval.granted" : "approval.denied",
          outcome: "ok",
          reason: `${a.action}:${a.id}`,
          operator,
        });
        return a;
      });
    },
    setLockdown(operator: string, reason: string, now: number): LockdownState {
      const s = d.lockdown.set(operator, reason, now);
      d.audit({ action: "lockdown.set", outcome: "ok", operator });
      return s;
    },
    liftLockdown(operator: string, reason: string, now: number): void {
      d.lockdown.lift(operator, reason, now);
      d.audit({ action: "lockdown.lifted", outcome: "ok", operator });
    },
    async addOperator(
      id: string,
      role: OperatorRole,
      now: number,
      password?: string,
    ): Promise<Operator> {
      const op = await d.operators.add(id, role, now, password);
      d.audit({ action: "operator.added", outcome: "ok", reason: role, operator: id });
      return op;
    },
    /** The operator's own credential for the console and management requests. */
    async setOperatorPassword(id: string, password: string, now: number): Promise<Operator> {
      const op = await d.operators.setPassword(id, password, now);
      d.audit({ action: "operator.password_set", outcome: "ok", operator: id });
      return op;
    },
    /** Takes effect at once: new jobs and queued, unsent jobs of `id` are refused. */
    setOperatorStatus(id: string, active: boolean, now: number): Operator {
      const op = d.operators.setStatus(id, active ? "active" : "disabled", now);
      d.audit({
        action: active ? "operator.enabled" : "operator.disabled",
        outcome: "ok",
        operator: id,
      });
      return op;
    },
    async addClient(id: string, role: ClientRole, password: string, now: number) {
      const c = await d.clients.add(id, role, password, now);
      d.audit({ action: "client.added", outcome: "ok", reason: role, client: id });
      return c;
    },
    /** A client that connects only with a TLS client certificate (CN = id); no password. */
    addCertificateClient(id: string, role: ClientRole, now: number) {
      const c = d.clients.addCertificateOnly(id, role, now);
      d.audit({ action: "client.added", outcome: "ok", reason: `${role}:certificate`, client: id });
      return c;
    },
    disableClient(id: string, now: number) {
      const c = d.clients.setStatus(id, "disabled", now);
      d.audit({ action: "client.disabled", outcome: "ok", client: id });
      return c;
    },
  };
}
