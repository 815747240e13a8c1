/**
 * `labelgate waybill history N | void N`: the life of one waybill number (Art. 13) — its first
 * print, reprints with reason and operator, voids and RFID encodes, and the audit records that
 * carry its keyed `waybill_ref`. The number is given on the command line and never stored in clear.
 */
import { CodedError } from "../errors.ts";
import { withAccess, type SiteOptions } from "./access.ts";

export function runWaybillHistory(o: SiteOptions & { json?: boolean }, waybillNo: string) {
  return withAccess(o, (a, c) => {
    const life = a.waybills.life(waybillNo);
    const records = c.log.search({ waybillNo, limit: 1000 }).reverse();
    const out = {
      waybill_ref: life.ref,
      prints: life.prints,
      reprints: life.reprints,
      voided: life.voided,
      events: life.events.map((e) => ({
        at: new Date(e.at).toISOString(),
        kind: e.kind,
        job_id: e.jobId,
        operator: e.operator,
        reason: e.reason,
        approval: e.approval,
      })),
      audit: records.map((r) => ({
        seq: r.seq,
        ts: r.ts,
        action: r.action,
        outcome: r.outcome,
        job_id: r.target.job_id,
        device: r.target.device,
        operator: r.actor.operator,
      })),
    };
    if (o.json) {
      console.log(JSON.stringify(out));
      return 0;
    }
    console.log(
      `waybill_ref ${life.ref}: ${life.prints} first print(s), ${life.reprints} reprint(s)${life.voided ? ", VOIDED" : ""}`,
    );
    for (const e of out.events)
      console.log(
        [e.at, e.kind, e.job_id ?? "-", e.operator ?? "-", e.approval ?? "-", e.reason ?? ""].join(
          "\t",
        ),
      );
    if (out.audit.length > 0) console.log("audit records:");
    for (const r of out.audit)
      console.log(
        [
          r.seq,
          r.ts,
          r.action,
          r.outcome,
          r.job_id ?? "-",
          r.device ?? "-",
          r.operator ?? "-",
        ].join("\t"),
      );
    return 0;
  });
}

export function runWaybillVoid(o: SiteOptions & { operator: string; reason: string }, no: string) {
  return withAccess(o, (a, c) => {
    if (!a.operators.isActive(o.operator))
      throw new CodedError("not_authorized", `'${o.operator}' is not an active operator`);
    const life = a.waybills.life(no);
    if (life.voided)
      throw new CodedError("invalid_request", "the waybill number is voided already");
    a.waybills.record(no, { kind: "void", operator: o.operator, reason: o.reason }, Date.now());
    c.audit({ action: "waybill.voided", outcome: "ok", operator: o.operator, waybillNo: no });
    console.log(`waybill_ref ${life.ref} voided`);
    return 0;
  });
}
