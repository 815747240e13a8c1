import type { Inbox, JobState, StoredOutcome } from "../jobs/inbox.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import type { JobLedger } from "./ledger.ts";

const NOT_DISPATCHED: ReadonlySet<JobState> = new Set(["accepted", "queued", "held"]);

/** This gateway's end state for a job the other owner reached `ledgerState` with. */
function closing(
  ledgerState: string,
):
  | { state: JobState; outcome: StoredOutcome; audit: "ok" | "error" | "expired" | "in_doubt" }
  | undefined {
  const data = { taken_over: true, state: ledgerState };
  switch (ledgerState) {
    case "done":
    case "resolved":
      return { state: "done", outcome: { status: "ok", data }, audit: "ok" };
    case "failed":
      return { state: "failed", outcome: { status: "error", data }, audit: "error" };
    case "expired":
      return { state: "expired", outcome: { status: "expired", data }, audit: "expired" };
    case "dispatching":
    case "in_doubt":
      return { state: "in_doubt", outcome: { status: "in_doubt", data }, audit: "in_doubt" };
    default:
      return undefined;
  }
}

/**
 * Before a gateway serves devices it claimed back (failover or handback, issue #11): jobs still
 * waiting in its own inbox from before it stood down may have been retried by their producers on
 * the other owner and printed there while this gateway was away. Recovery would print them
 * again. Every such job that the other owner dispatched or finished (as the ledger saw it) is
 * closed here with that outcome (`in_doubt` when only its dispatch was seen) and audited as
 * `job.resolved` (reason `taken_over:<state>`); a job the other owner never dispatched stays and
 * is run by recovery. Jobs this gateway itself had in flight are left to recovery (it asks the
 * device). Returns how many were closed.
 */
export function closeTakenOverJobs(d: {
  inbox: Inbox;
  ledger: JobLedger;
  audit: AuditAppend;
  clock: () => number;
  logger: Logger;
}): number {
  let closed = 0;
  for (const job of d.inbox.unfinished()) {
    if (!NOT_DISPATCHED.has(job.state)) continue;
    const seen = d.ledger.get(job.jobId);
    const end = seen === undefined ? undefined : closing(seen.state);
    if (end === undefined) continue;
    d.audit({
      action: "job.resolved",
      outcome: end.audit,
      reason: `taken_over:${seen!.state}`,
      jobId: job.jobId,
      device: job.device,
    });
    d.inbox.setState(job.jobId, end.state, d.clock(), end.outcome);
    closed++;
  }
  if (closed > 0)
    d.logger.warn(
      { closed },
      "jobs of this gateway that the other owner dispatched or finished are closed, not run again",
    );
  return closed;
}
