import type { AccessConfig, CarrierNumbering } from "../config/access-schema.ts";
import { CodedError } from "../errors.ts";
import { checkAllowedFields, TEMPLATE_FIELDS } from "../privacy/allow-list.ts";
import { remaskPhones } from "../privacy/remask.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import type { ApprovalAction, ApprovalStore } from "./approvals.ts";
import type { LockdownStore } from "./lockdown.ts";
import type { OperatorStore } from "./operators.ts";
import { checkWaybillNumbering, type WaybillStore } from "./waybills.ts";

/**
 * The access rules a job meets at intake and again before it goes to a device (Art. 10, 13, 15):
 * lockdown, the operator's status, the exemption's approver, the waybill number's range and life
 * cycle, and the approvals for bulk prints and excess reprints. `main.ts` wires it into the
 * intake (`precheck`, then `admit` inside the accept transaction) and the dispatcher (`preflight`).
 */
export interface AdmissionDeps {
  operators: OperatorStore;
  approvals: ApprovalStore;
  lockdown: LockdownStore;
  waybills: WaybillStore;
  access: AccessConfig;
  carriers: readonly CarrierNumbering[];
  /** Config `waybills.life_cycle`: track numbers and enforce reprint control. */
  lifeCycle: boolean;
  /** Config `privacy`: `phone_min_hidden` and the re-mask mode. */
  privacy: { phone_min_hidden: number; remask_phones: boolean };
  audit: AuditAppend;
}

export interface Admission {
  /**
   * Before the privacy guard: lockdown, the operator, the exemption. Returns whether the job's
   * `deid_exemption` is valid (an active supervisor / admin other than the operator approved it);
   * an invalid exemption is ignored, so the guard runs and refuses unmasked data.
   */
  precheck(env: JobEnvelope): { exemptionValid: boolean };
  /**
   * Inside the transaction that stores the job: numbering, first print / reprint, approvals
   * (consumed), and the waybill and exemption records. Throws a CodedError to refuse the job
   * (the transaction then rolls back, so nothing is consumed or recorded).
   */
  admit(env: JobEnvelope, device: string, waybillNo: string | undefined, now: number): void;
  /** Just before a queued job goes to its device: lockdown and the operator's status again. */
  preflight(env: JobEnvelope): CodedError | undefined;
}

export function createAdmission(d: AdmissionDeps): Admission {
  function checkOperator(env: JobEnvelope): void {
    if (env.operator === undefined) {
      if (d.access.require_operator)
        throw new CodedError("not_authorized", "operator: required on this gateway", {
          path: "operator",
        });
      return;
    }
    const op = d.operators.get(env.operator);
    // Without require_operator an unregistered id is only recorded (demo, sites without accounts);
    // a registered operator who was disabled is always refused.
    if (!op && !d.access.require_operator) return;
    if (!op)
      throw new CodedError("not_authorized", "operator: not a registered operator", {
        path: "operator",
      });
    if (op.status !== "active")
      throw new CodedError("operator_disabled", "operator: disabled", { path: "operator" });
  }

  function consume(
    env: JobEnvelope,
    action: ApprovalAction,
    now: number,
    scope: Record<string, unknown>,
  ): string {
    const actor = {
      jobId: env.job_id,
      ...(env.operator !== undefined && { operator: env.operator }),
    };
    if (env.approval === undefined) {
      throw new CodedError("approval_required", `approval: ${action} needs an approval`, {
        path: "approval",
        action,
        reason: "missing",
      });
    }
    const a = d.approvals.get(env.approval, now);
    for (const [k, v] of Object.entries(scope)) {
      if (a !== undefined && a.scope[k] !== undefined && a.scope[k] !== v)
        throw new CodedError("approval_required", `approval: granted for another ${k}`, {
          path: "approval",
          action,
          reason: "wrong_scope",
        });
    }
    // Throws approval_required with the reason (unknown, not_granted, expired, used, …).
    d.approvals.consume(env.approval, action, now, env.operator);
    d.audit({ action: "approval.used", outcome: "ok", reason: action, ...actor });
    return env.approval;
  }

  function exemptionValid(env: JobEnvelope): boolean {
    const ex = env.deid_exemption;
    return (
      ex !== undefined &&
      ex.approver !== env.operator &&
      d.operators.isActive(ex.approver, ["supervisor", "admin"])
    );
  }

  // Paths re-masked by precheck, audited by admit inside the accept transaction.
  const tightened = new WeakMap<JobEnvelope, string[]>();

  return {
    precheck(env) {
      d.lockdown.assertOpen();
      checkOperator(env);
      const template: string | undefined = env.payload.template;
      const spec = template === undefined ? undefined : TEMPLATE_FIELDS[template];
      if (spec !== undefined) {
        const r = checkAllowedFields(env.payload.data, spec);
        if (!r.ok)
          throw new CodedError(
            "privacy_rejected",
            `payload.data.${r.path}: not a field of template ${template} (${r.rule})`,
            { path: `payload.data.${r.path}`, rule: r.rule },
          );
      }
      if (d.privacy.remask_phones && env.deid_exemption === undefined) {
        const paths = remaskPhones(env.payload.data, d.privacy.phone_min_hidden);
        if (paths.length > 0) tightened.set(env, paths);
      }
      return { exemptionValid: exemptionValid(env) };
    },

    admit(env, device, waybillNo, now) {
      const actor = {
        jobId: env.job_id,
        device,
        ...(env.operator !== undefined && { operator: env.operator }),
        ...(env.origin?.client !== undefined && { client: env.origin.client }),
      };
      if (env.payload.copies > d.access.bulk_print_copies)
        consume(env, "print.bulk", now, { copies: env.payload.copies });
      for (const path of tightened.get(env) ?? [])
        d.audit({
          action: "deid.tightened",
          outcome: "ok",
          reason: `phone.too_few_hidden:${path.toLowerCase().replace(/[^a-z0-9_.]/g, "_")}`,
          ...actor,
        });
      if (env.deid_exemption !== undefined && exemptionValid(env)) {
        d.audit({
          action: "deid.exempted",
          outcome: "ok",
          reason: env.deid_exemption.basis,
          ...actor,
          operator: env.deid_exemption.approver,
        });
      }
      if (waybillNo === undefined) return;
      const carrier = env.payload.data["carrier"];
      checkWaybillNumbering(
        d.carriers,
        typeof carrier === "string" ? carrier : undefined,
        waybillNo,
      );
      if (!d.lifeCycle) return;
      const life = d.waybills.life(waybillNo);
      if (life.voided)
        throw new CodedError("waybill_voided", "payload.data.waybill_no: voided", {
          path: "payload.data.waybill_no",
        });
      if (env.kind === "rfid.encode") {
        d.waybills.record(waybillNo, { kind: "rfid_encode", ...who(env) }, now);
        d.audit({ action: "waybill.rfid_encoded", outcome: "ok", waybillNo, ...actor });
        return;
      }
      if (life.prints === 0) {
        d.waybills.record(waybillNo, { kind: "print", ...who(env) }, now);
        d.audit({ action: "waybill.printed", outcome: "ok", waybillNo, ...actor });
        return;
      }
      // Printed before under another job_id: a reprint, whatever the producer calls it.
      if (env.reprint === undefined)
        throw new CodedError(
          "reprint_reason_required",
          "reprint.reason: the waybill number was printed before",
          { path: "reprint.reason", prints: life.prints + life.reprints },
        );
      let approval: string | undefined;
      if (life.reprints >= d.access.max_reprints)
        approval = consume(env, "print.reprint_over_limit", now, { waybill_ref: life.ref });
      d.waybills.record(
        waybillNo,
        {
          kind: "reprint",
          ...who(env),
          reason: env.reprint.reason,
          ...(approval !== undefined && { approval }),
        },
        now,
      );
      d.audit({
        action: "waybill.reprinted",
        outcome: "ok",
        reason: approval === undefined ? "within_limit" : "approved_over_limit",
        waybillNo,
        ...actor,
      });
    },

    preflight(env) {
      try {
        d.lockdown.assertOpen();
        checkOperator(env);
        return undefined;
      } catch (e) {
        if (e instanceof CodedError) return e;
        throw e;
      }
    },
  };
}

function who(env: JobEnvelope): { jobId: string; operator?: string } {
  return { jobId: env.job_id, ...(env.operator !== undefined && { operator: env.operator }) };
}
