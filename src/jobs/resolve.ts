import type { OperatorStore } from "../access/operators.ts";
import { CodedError } from "../errors.ts";
import { field, type ManagementRouter } from "../management/router.ts";
import { guardText } from "../privacy/index.ts";
import type { Inbox } from "./inbox.ts";
import type { AuditAppend, DeviceEventSend, ReplySend } from "./ports.ts";

/**
 * Resolving an in-doubt job (DESIGN.md §2): its bytes left for the device but the print was not
 * confirmed, so it is never reprinted automatically. A supervisor who looked at the printer says
 * what happened:
 * - `confirm` (also `printed`): it did print — the job is done, the producer is told `ok`;
 * - `not_printed`: it did not — the job is closed as an error, the producer told so;
 * - `reprint` with a `reason`: it did not, print it now — the same job goes back on its device's
 *   queue (same job_id, so a producer's retry still finds it) and ends as any job does.
 * Every resolution is audited (`job.resolved`, the resolution as reason code).
 */
export type Resolution = "confirm" | "printed" | "not_printed" | "reprint";

export interface ResolveDeps {
  inbox: Inbox;
  operators: OperatorStore;
  audit: AuditAppend;
  commit: <T>(fn: () => T) => Promise<T>;
  reply: ReplySend;
  event: DeviceEventSend;
  enqueue: (device: string, jobId: string) => void;
  phoneMinHidden: number;
  clock: () => number;
}

export async function resolveInDoubt(
  d: ResolveDeps,
  r: { jobId: string; resolution: Resolution; operator: string; reason?: string },
): Promise<{ job_id: string; state: string }> {
  const job = d.inbox.get(r.jobId);
  if (!job) throw new CodedError("invalid_request", "job_id: no such job", { path: "job_id" });
  if (job.state !== "in_doubt")
    throw new CodedError("invalid_request", `job_id: the job is ${job.state}, not in_doubt`, {
      path: "job_id",
    });
  if (!d.operators.isActive(r.operator, ["supervisor", "admin"]))
    throw new CodedError("not_authorized", "operator: not an active supervisor", {
      path: "operator",
    });
  if (r.resolution === "reprint") {
    if (r.reason === undefined)
      throw new CodedError("reprint_reason_required", "reason: required for a reprint", {
        path: "reason",
      });
    const verdict = guardText(r.reason, "reason", { phoneMinHidden: d.phoneMinHidden });
    if (!verdict.ok)
      throw new CodedError("privacy_rejected", "reason: not de-identified", {
        path: "reason",
        rule: verdict.rule,
      });
  }
  const now = d.clock();
  const base = {
    job_id: job.jobId,
    ...(job.transaction !== undefined && { transaction: job.transaction }),
  };
  const state =
    r.resolution === "reprint" ? "queued" : r.resolution === "not_printed" ? "failed" : "done";
  await d.commit(() => {
    d.audit({
      action: "job.resolved",
      outcome: "ok",
      reason: r.resolution === "printed" ? "confirm" : r.resolution,
      jobId: job.jobId,
      device: job.device,
      operator: r.operator,
    });
    d.inbox.setState(
      job.jobId,
      state,
      now,
      r.resolution === "reprint"
        ? { status: "accepted", data: { resolved_by: r.operator, resolution: "reprint" } }
        : r.resolution === "not_printed"
          ? {
              status: "error",
              error: { code: "in_doubt", message: "resolved as not printed", retryable: false },
              data: { resolved_by: r.operator },
            }
          : { status: "ok", data: { resolved_by: r.operator, resolution: "confirm" } },
    );
  });
  d.event(job.device, { type: "job.resolved", job_id: job.jobId, resolution: r.resolution });
  if (r.resolution === "reprint") {
    d.enqueue(job.device, job.jobId);
  } else if (job.replyTo !== undefined) {
    d.reply(
      job.replyTo,
      r.resolution === "not_printed"
        ? {
            status: "error",
            ...base,
            error: { code: "in_doubt", message: "resolved as not printed", retryable: false },
          }
        : { status: "ok", ...base, data: { resolved_by: r.operator, resolution: "confirm" } },
    );
  }
  return { job_id: job.jobId, state };
}

/** Management action `job.resolve`: `{job_id, resolution, operator, reason?, transaction?}`. */
export function registerJobActions(router: ManagementRouter, d: ResolveDeps): void {
  router.register("job.resolve", async (req) => {
    const resolution = field(req, "resolution", 16);
    if (!["confirm", "printed", "not_printed", "reprint"].includes(resolution))
      throw new CodedError(
        "invalid_request",
        "resolution: expected confirm, not_printed or reprint",
        { path: "resolution" },
      );
    const reason = req["reason"];
    return resolveInDoubt(d, {
      jobId: field(req, "job_id", 64),
      resolution: resolution as Resolution,
      operator: field(req, "operator", 32),
      ...(typeof reason === "string" && { reason: reason.slice(0, 200) }),
    });
  });
}
