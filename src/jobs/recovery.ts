import { CodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Inbox } from "./inbox.ts";
import type { AuditAppend, DeviceEventSend, ReplySend } from "./ports.ts";

/**
 * On start: jobs accepted but not yet dispatched go back on their device queues in arrival order;
 * jobs that were dispatching or sent when the process stopped become `in_doubt` (their bytes may
 * have printed) and are reported, never reprinted automatically (DESIGN.md §2).
 */
export function recoverUnfinished(d: {
  inbox: Inbox;
  audit: AuditAppend;
  reply: ReplySend;
  event: DeviceEventSend;
  enqueue: (device: string, jobId: string) => void;
  clock: () => number;
  logger: Logger;
}): { requeued: number; inDoubt: number } {
  let requeued = 0;
  let inDoubt = 0;
  for (const job of d.inbox.unfinished()) {
    if (job.state === "dispatching" || job.state === "sent") {
      const err = new CodedError(
        "in_doubt",
        "the gateway stopped after the job was dispatched; not reprinted automatically",
      );
      d.audit({
        action: "print.in_doubt",
        outcome: "in_doubt",
        reason: "restart",
        jobId: job.jobId,
        device: job.device,
      });
      d.inbox.setState(job.jobId, "in_doubt", d.clock(), {
        status: "in_doubt",
        error: err.toReply(),
      });
      d.event(job.device, { type: "job.in_doubt", job_id: job.jobId, code: "in_doubt" });
      if (job.replyTo !== undefined) {
        d.reply(job.replyTo, {
          status: "in_doubt",
          job_id: job.jobId,
          ...(job.transaction !== undefined && { transaction: job.transaction }),
          error: err.toReply(),
        });
      }
      inDoubt++;
    } else {
      d.enqueue(job.device, job.jobId);
      requeued++;
    }
  }
  if (requeued + inDoubt > 0)
    d.logger.info({ requeued, in_doubt: inDoubt }, "recovered unfinished jobs");
  return { requeued, inDoubt };
}
