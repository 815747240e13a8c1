import { CodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AskDevice, DeviceVerdict } from "./device-verdict.ts";
import type { Inbox, InboxJob } from "./inbox.ts";
import type { AuditAppend, DeviceEventSend, ReplySend } from "./ports.ts";

/**
 * On start: jobs accepted but not yet dispatched go back on their device queues in arrival order;
 * jobs that were dispatching or sent when the process stopped may have printed. Their devices are
 * asked first (`askDevice`, src/jobs/device-verdict.ts), before any other job reaches them:
 * - the device shows the job done → `ok`, audited `job.resolved` with reason
 *   `confirm:by_device:<evidence>`;
 * - the device shows it never happened → it goes back on its queue in its place, audited
 *   `job.resolved` with reason `requeue:by_device:<evidence>`, and ends as any job does;
 * - otherwise (or without `askDevice`) it becomes `in_doubt` and is reported, never reprinted
 *   automatically (DESIGN.md §2).
 */
export async function recoverUnfinished(d: {
  inbox: Inbox;
  audit: AuditAppend;
  reply: ReplySend;
  event: DeviceEventSend;
  /** `pool`: the job came through that pool (inbox `pool`), so it may move to a sibling again. */
  enqueue: (device: string, jobId: string, pool?: string) => void;
  clock: () => number;
  logger: Logger;
  askDevice?: AskDevice;
}): Promise<{ requeued: number; inDoubt: number; resolvedByDevice: number }> {
  let requeued = 0;
  let inDoubt = 0;
  let resolvedByDevice = 0;
  const jobs = d.inbox.unfinished();
  const inFlight = (j: InboxJob) => j.state === "dispatching" || j.state === "sent";
  // All devices are asked at once; nothing is enqueued before every verdict is in.
  const verdicts = new Map<string, DeviceVerdict>();
  if (d.askDevice !== undefined) {
    const ask = d.askDevice;
    await Promise.all(jobs.filter(inFlight).map(async (j) => verdicts.set(j.jobId, await ask(j))));
  }
  for (const job of jobs) {
    if (!inFlight(job)) {
      d.enqueue(job.device, job.jobId, job.pool);
      requeued++;
      continue;
    }
    const v = verdicts.get(job.jobId);
    const base = {
      job_id: job.jobId,
      ...(job.transaction !== undefined && { transaction: job.transaction }),
    };
    if (v?.kind === "printed") {
      d.audit({
        action: "job.resolved",
        outcome: "ok",
        reason: `confirm:by_device:${v.evidence}`,
        jobId: job.jobId,
        device: job.device,
      });
      const data = { resolved_by: "device", resolution: "confirm", evidence: v.evidence };
      d.inbox.setState(job.jobId, "done", d.clock(), { status: "ok", data });
      d.event(job.device, {
        type: "job.resolved",
        job_id: job.jobId,
        resolution: "confirm",
        by: "device",
        evidence: v.evidence,
      });
      if (job.replyTo !== undefined) d.reply(job.replyTo, { status: "ok", ...base, data });
      resolvedByDevice++;
      continue;
    }
    if (v?.kind === "not_printed") {
      d.audit({
        action: "job.resolved",
        outcome: "ok",
        reason: `requeue:by_device:${v.evidence}`,
        jobId: job.jobId,
        device: job.device,
      });
      d.inbox.setState(job.jobId, "queued", d.clock(), {
        status: "accepted",
        data: { resolved_by: "device", resolution: "requeue", evidence: v.evidence },
      });
      d.event(job.device, {
        type: "job.resolved",
        job_id: job.jobId,
        resolution: "requeue",
        by: "device",
        evidence: v.evidence,
      });
      d.enqueue(job.device, job.jobId, job.pool);
      resolvedByDevice++;
      requeued++;
      continue;
    }
    const err = new CodedError(
      "in_doubt",
      "the gateway stopped after the job was dispatched; not reprinted automatically",
    );
    d.audit({
      action: "print.in_doubt",
      outcome: "in_doubt",
      // What the device said, when it was asked: e.g. `restart:label_count:3:5:1`.
      reason: v === undefined ? "restart" : `restart:${v.evidence}`,
      jobId: job.jobId,
      device: job.device,
    });
    d.inbox.setState(job.jobId, "in_doubt", d.clock(), {
      status: "in_doubt",
      error: err.toReply(),
      ...(v !== undefined && { data: { device_said: v.evidence } }),
    });
    d.event(job.device, { type: "job.in_doubt", job_id: job.jobId, code: "in_doubt" });
    if (job.replyTo !== undefined) {
      d.reply(job.replyTo, {
        status: "in_doubt",
        ...base,
        error: err.toReply(),
        ...(v !== undefined && { data: { device_said: v.evidence } }),
      });
    }
    inDoubt++;
  }
  if (requeued + inDoubt > 0)
    d.logger.info(
      { requeued, in_doubt: inDoubt, resolved_by_device: resolvedByDevice },
      "recovered unfinished jobs",
    );
  return { requeued, inDoubt, resolvedByDevice };
}
