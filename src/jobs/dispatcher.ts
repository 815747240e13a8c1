import { createHash } from "node:crypto";
import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { DeviceRuntime } from "../devices/runtime.ts";
import { isDiskFull } from "../db/group-commit.ts";
import { CodedError, isCodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { renderTemplate } from "../templates/index.ts";
import type { RfidConfig } from "../rfid/config.ts";
import { runRfidJob } from "../rfid/run.ts";
import { runEpaperJob } from "../epaper/run.ts";
import { isOeplTagRuntime } from "../epaper/runtime.ts";
import { confirmPrinted, repeat } from "./confirm.ts";
import { isSettled, labelCounterVerdict } from "./device-verdict.ts";
import type { JobEnvelope } from "./envelope.ts";
import type { Inbox, StoredOutcome } from "./inbox.ts";
import type { AuditAppend, AuditEvent, DeviceEventSend, Reply, ReplySend } from "./ports.ts";

/** How long printing pauses before trying again while the data directory's disk is full. */
const DISK_FULL_RETRY_MS = 1000;

/** How long an unconfirmed label's printer may take to settle before its counter is read. */
const COUNTER_SETTLE_MS = 2000;

/** States from which a job may (still) go to the device; anything else ran already. */
const RUNNABLE_STATES: ReadonlySet<string> = new Set(["accepted", "queued", "held"]);

export interface DispatcherDeps {
  inbox: Inbox;
  audit: AuditAppend;
  reply: ReplySend;
  event: DeviceEventSend;
  transaction: <T>(fn: () => T) => T;
  /** Group commit: resolves once `fn`'s batch is durable (see `src/db/group-commit.ts`). */
  commit: <T>(fn: () => T) => Promise<T>;
  /** The site's RFID settings (config `rfid`); jobs with an rfid block need them. */
  rfid?: RfidConfig;
  clock: () => number;
  logger: Logger;
  /**
   * Access rules checked just before a job goes to the device (lockdown, operator disabled while
   * the job waited): a refusal answers the job `rejected` with that code (src/access/admission.ts).
   */
  preflight?: (env: JobEnvelope) => CodedError | undefined;
  /**
   * Several gateways (src/cluster/): resolves once the job's `job.dispatching` event is at the
   * broker, so a standby that takes over never prints it again; a refusal (the device was
   * claimed by another gateway) answers the job with that code and nothing is sent.
   */
  beforeDispatch?: (jobId: string, device: string) => Promise<CodedError | undefined>;
  /** Called when the audit log cannot be written: printing stops and an alert goes out. */
  onAuditFailure: (e: unknown) => void;
}

export interface DeviceQueue {
  enqueue(jobId: string): void;
  readonly length: number;
  /**
   * Removes and returns the jobs that have not been dispatched yet and satisfy `movable`: the
   * queued ones, and the job in hand while it still waits for the device (`held`). Used to move
   * a faulted device's pool jobs to a healthy sibling; bytes never left for these jobs.
   */
  takeUndispatched(movable: (jobId: string) => boolean): string[];
  /** Stops after the job in hand; resolves when the worker is idle. */
  stop(): Promise<void>;
}

/**
 * One FIFO queue and one worker per device (single writer). For each job: expiry check, wait
 * while the device is faulted (`held`), compile, audit `print.dispatched` durably, write, confirm
 * by status read-back, audit the outcome, reply. A job whose bytes left but whose print was not
 * confirmed is `in_doubt` and never printed again automatically.
 */
export function createDeviceQueue(
  device: DeviceRuntime,
  confirmTimeoutMs: number,
  d: DispatcherDeps,
): DeviceQueue {
  const queue: string[] = [];
  let running: Promise<void> | undefined;
  let stopping = false;
  let auditBroken = false;
  const log = d.logger.child({ device: device.id });
  /** The job in hand while it waits for the device; it can still move to another device. */
  let waiting: string | undefined;
  const movedAway = new Set<string>();
  /** Jobs told `job.held` during the current hold. */
  const heldNow = new Set<string>();

  function holdQueued(s: DeviceSnapshot) {
    for (const id of queue) {
      if (heldNow.has(id) || movedAway.has(id)) continue;
      heldNow.add(id);
      d.inbox.setState(id, "held", d.clock());
      d.event(device.id, {
        type: "job.held",
        job_id: id,
        reachability: s.reachability,
        conditions: s.conditions,
      });
    }
  }

  /** A job behind the one in hand whose expiry passed while the device was held. */
  function expireQueued(jobId: string) {
    const job = d.inbox.get(jobId);
    if (!job) return;
    const env = d.inbox.envelope(jobId);
    d.audit({
      action: "print.failed",
      outcome: "expired",
      reason: "expired",
      jobId,
      device: device.id,
      ...(env.operator !== undefined && { operator: env.operator }),
    });
    const err = new CodedError("expired", "expires_at passed while the device was held");
    finish(
      jobId,
      "expired",
      {
        status: "expired",
        job_id: jobId,
        ...(env.transaction !== undefined && { transaction: env.transaction }),
        error: err.toReply(),
      },
      job.replyTo,
    );
  }

  /** Called on every retry while the job in hand is held: expires waiting jobs whose time ran out. */
  function sweepExpired() {
    const now = d.clock();
    for (let i = queue.length - 1; i >= 1; i--) {
      const id = queue[i]!;
      const exp = d.inbox.get(id)?.expiresAt;
      if (exp !== undefined && exp <= now) {
        queue.splice(i, 1);
        heldNow.delete(id);
        expireQueued(id);
      }
    }
  }

  /**
   * Records a job's end and tells the producer. With `record`, the audit record and the new
   * state go through the group commit together (the hot path: one shared fsync per batch, not
   * one per write), and the event and reply follow once they are durable.
   */
  function finish(
    jobId: string,
    state: "done" | "failed" | "expired" | "in_doubt",
    reply: Reply,
    replyTo: string | undefined,
    record?: AuditEvent,
  ) {
    const outcome: StoredOutcome = {
      status:
        reply.status === "ok" ||
        reply.status === "error" ||
        reply.status === "expired" ||
        reply.status === "in_doubt"
          ? reply.status
          : "error",
      ...(reply.error && {
        error: {
          code: reply.error.code,
          message: reply.error.message,
          retryable: reply.error.retryable,
        },
      }),
      ...(reply.data && { data: reply.data }),
    };
    const tell = () => {
      d.event(device.id, {
        type: `job.${state}`,
        job_id: jobId,
        ...(reply.error && { code: reply.error.code }),
      });
      if (replyTo !== undefined) d.reply(replyTo, reply);
    };
    if (record === undefined) {
      d.inbox.setState(jobId, state, d.clock(), outcome);
      return tell();
    }
    durably(() => {
      d.audit(record);
      d.inbox.setState(jobId, state, d.clock(), outcome);
    }).then(tell, (e: unknown) =>
      // Left as dispatching (stopping, or the database failed for another reason than a full
      // disk): a producer's retry is answered with that state, and a restart asks the device or
      // reports the job in doubt. Never printed again either way.
      log.error({ err: e, job_id: jobId, state }, "could not record the end of a job"),
    );
  }

  /**
   * Commits `write`; while the disk is full it is tried again every DISK_FULL_RETRY_MS until
   * space returns (the end of a job whose bytes left is never dropped, issue #9). Gives up when
   * the queue stops or on any other failure.
   */
  async function durably(write: () => void): Promise<void> {
    for (let told = false; ; told = true) {
      try {
        await d.commit(write);
        return;
      } catch (e) {
        if (!isDiskFull(e) || stopping) throw e;
        if (!told) log.warn("disk full; the end of a job is recorded once space returns");
        await new Promise((r) => setTimeout(r, DISK_FULL_RETRY_MS));
      }
    }
  }

  /**
   * A job whose bytes may have left when a full disk broke off its run: it is in doubt at once,
   * and recorded (audit `print.in_doubt`, reason `disk_full`) and reported once space returns.
   */
  function inDoubtAfterDiskFull(jobId: string): void {
    const job = d.inbox.get(jobId);
    const error = new CodedError(
      "in_doubt",
      "the disk filled up after the job was dispatched; not reprinted automatically",
    );
    finish(
      jobId,
      "in_doubt",
      {
        status: "in_doubt",
        job_id: jobId,
        ...(job?.transaction !== undefined && { transaction: job.transaction }),
        error: error.toReply(),
      },
      job?.replyTo,
      {
        action: "print.in_doubt",
        outcome: "in_doubt",
        reason: "disk_full",
        jobId,
        device: device.id,
      },
    );
  }

  async function runOne(jobId: string): Promise<void> {
    const job = d.inbox.get(jobId);
    // Finished (or already under way) jobs are never run again, whoever enqueued them.
    if (!job || !RUNNABLE_STATES.has(job.state)) return;
    const env = d.inbox.envelope(jobId);
    const base = {
      job_id: jobId,
      ...(env.transaction !== undefined && { transaction: env.transaction }),
    };
    const actor = {
      ...(env.operator !== undefined && { operator: env.operator }),
      ...(env.origin?.client !== undefined && { client: env.origin.client }),
      ...(env.origin?.workstation !== undefined && { workstation: env.origin.workstation }),
    };
    const expired = () => job.expiresAt !== undefined && job.expiresAt <= d.clock();
    const expire = () => {
      const err = new CodedError("expired", "expires_at passed before the job reached the device");
      d.audit({
        action: "print.failed",
        outcome: "expired",
        reason: "expired",
        jobId,
        device: device.id,
        ...actor,
      });
      finish(jobId, "expired", { status: "expired", ...base, error: err.toReply() }, job.replyTo);
    };
    if (expired()) return expire();

    // (No "queued" write: for recovery an accepted job and a queued one are the same, and a
    // synchronous commit per job was the largest cost of the whole pipeline.)
    waiting = jobId;
    const ready = await device.waitPrintable(
      (s: DeviceSnapshot) => {
        // Every job waiting behind this one is held too (and told so), not only the first.
        holdQueued(s);
        log.info(
          { job_id: jobId, reachability: s.reachability, conditions: s.conditions },
          "job held until the device is ready",
        );
      },
      () => {
        if (heldNow.size > 0) {
          sweepExpired();
          holdQueued(device.snapshot());
        }
        return stopping || expired() || movedAway.has(jobId);
      },
    );
    waiting = undefined;
    heldNow.clear();
    // Moved to a sibling while held: that device prints it now.
    if (movedAway.delete(jobId)) return;
    // A job held past its expiry is expired (never printed); when stopping it stays unfinished.
    if (!ready) return expired() ? expire() : undefined;
    // Checked again just before dispatch (DESIGN.md §2): a job may have waited out its expiry.
    if (expired()) return expire();
    const refused = d.preflight?.(env);
    if (refused) {
      d.audit({
        action: "print.failed",
        outcome: "rejected",
        reason: refused.code,
        jobId,
        device: device.id,
        ...actor,
      });
      const reply: Reply = { status: "rejected", ...base, error: refused.toReply() };
      return finish(jobId, "failed", reply, job.replyTo);
    }
    const fenced = d.beforeDispatch ? await d.beforeDispatch(jobId, device.id) : undefined;
    if (fenced) {
      d.audit({
        action: "print.failed",
        outcome: "rejected",
        reason: fenced.code,
        jobId,
        device: device.id,
        ...actor,
      });
      const reply: Reply = { status: "rejected", ...base, error: fenced.toReply() };
      return finish(jobId, "failed", reply, job.replyTo);
    }

    // RFID (rfid.encode, or a label with an rfid block): an interactive exchange through the
    // driver's execute hook (src/rfid/run.ts), with the same audit-before-first-byte rule.
    if (env.kind === "rfid.encode" || env.payload.rfid !== undefined) {
      return runRfidJob({
        device,
        env,
        jobId,
        base,
        actor,
        config: d.rfid,
        audit: d.audit,
        commit: d.commit,
        setState: (state) => d.inbox.setState(jobId, state, d.clock()),
        finish: (state, reply) => finish(jobId, state, reply, job.replyTo),
        confirmTimeoutMs,
      });
    }

    // E-paper (epaper.update on an OEPL tag): upload through the AP, two-phase reply
    // (src/epaper/run.ts), with the same audit-before-first-byte rule.
    if (env.kind === "epaper.update" && isOeplTagRuntime(device)) {
      return runEpaperJob({
        device,
        env,
        jobId,
        base,
        actor,
        audit: d.audit,
        commit: d.commit,
        setState: (state) => d.inbox.setState(jobId, state, d.clock()),
        finish: (state, reply) => finish(jobId, state, reply, job.replyTo),
        progress: (reply) => {
          if (job.replyTo !== undefined) d.reply(job.replyTo, reply);
        },
        event: d.event,
        expiresAt: job.expiresAt,
        clock: d.clock,
      });
    }

    const { label, waybillNo } = renderTemplate(env.payload.template ?? "", env.payload.data);
    const one = device.compile(label);
    const bytes = repeat(one, env.payload.copies);
    const digest = createHash("sha256").update(bytes).digest("hex");

    // A device that counts its labels is asked for the count before the bytes leave, stored with
    // the job: after a crash the count tells whether it printed (src/jobs/device-verdict.ts). Only
    // a settled device's count is kept: formats still in its buffer would move it later.
    const counts = device.driver.labelCounter !== undefined && device.readLabelCounter;
    const labelCount = counts && isSettled(ready) ? await device.readLabelCounter?.() : undefined;

    // Audit before print: the record is durable (its group-commit batch synced) before the first
    // byte goes out. A failed commit throws audit_unavailable: the queue stops, the alert goes out.
    await d.commit(() => {
      d.audit({
        action: "print.dispatched",
        outcome: "ok",
        jobId,
        device: device.id,
        digest,
        ...actor,
        ...(waybillNo !== undefined && { waybillNo }),
      });
      d.inbox.setState(jobId, "dispatching", d.clock());
      if (counts)
        d.inbox.recordDispatch({
          device: device.id,
          jobId,
          labelCount,
          labels: env.payload.copies,
          at: d.clock(),
        });
    });

    /** Bytes may have reached the printer: reported and audited, never sent again by itself. */
    const inDoubt = async (why: string, what: string) => {
      let reason = why;
      // A printer that counts its labels may still tell: the count moved by exactly this job's
      // copies since just before its bytes left (and nothing is left in its buffer) → it
      // printed. Anything else stays in doubt, with what the printer said in the reason.
      if (counts && labelCount !== undefined) {
        const mark = { device: device.id, jobId, labelCount, labels: env.payload.copies, at: 0 };
        const v = await labelCounterVerdict(device, jobId, mark, COUNTER_SETTLE_MS);
        if (v.kind === "printed") {
          return finish(
            jobId,
            "done",
            {
              status: "ok",
              ...base,
              data: { device: device.id, bytes: bytes.byteLength, digest, evidence: v.evidence },
            },
            job.replyTo,
            {
              action: "print.completed",
              outcome: "ok",
              reason: `${why}:${v.evidence}`,
              jobId,
              device: device.id,
              digest,
              ...actor,
            },
          );
        }
        reason = `${why}:${v.evidence}`;
      }
      const error = new CodedError("in_doubt", `${what} (${why}); not reprinted automatically`);
      finish(
        jobId,
        "in_doubt",
        { status: "in_doubt", ...base, error: error.toReply() },
        job.replyTo,
        {
          action: "print.in_doubt",
          outcome: "in_doubt",
          reason,
          jobId,
          device: device.id,
          digest,
          ...actor,
        },
      );
    };

    const losses = device.connectionLosses;
    try {
      await device.write(bytes);
    } catch (e) {
      // The write failed: some bytes may have reached the printer, so this cannot be retried.
      return inDoubt(isCodedError(e) ? e.code : "device_offline", "write failed");
    }
    // (No "sent" write: a restart treats dispatching and sent alike, as in doubt.)
    let confirmed = await confirmPrinted(device, confirmTimeoutMs);
    // The connection that carried the bytes dropped: a device answering on a new connection
    // with an empty buffer may simply never have received them (issue #4 §3).
    if (device.connectionLosses !== losses) confirmed = { ok: false, reason: "connection_lost" };
    if (!confirmed.ok) return inDoubt(confirmed.reason, "print not confirmed");
    finish(
      jobId,
      "done",
      { status: "ok", ...base, data: { device: device.id, bytes: bytes.byteLength, digest } },
      job.replyTo,
      { action: "print.completed", outcome: "ok", jobId, device: device.id, digest, ...actor },
    );
  }

  async function work() {
    while (queue.length > 0 && !stopping && !auditBroken) {
      const jobId = queue[0]!;
      try {
        await runOne(jobId);
      } catch (e) {
        const under = d.inbox.get(jobId)?.state;
        if (isDiskFull(e) && (under === "dispatching" || under === "sent")) {
          // print.dispatched was durable, so bytes may have left: never run again.
          inDoubtAfterDiskFull(jobId);
          if (queue[0] === jobId) queue.shift();
          continue;
        }
        if (isDiskFull(e)) {
          // Nothing was written and no byte left: the job stays at the head of the queue and is
          // tried again once space returns (the alert went out from the group commit).
          log.warn({ job_id: jobId }, "disk full; printing paused");
          await new Promise((r) => setTimeout(r, DISK_FULL_RETRY_MS));
          continue;
        }
        if (isCodedError(e) && e.code === "audit_unavailable") {
          auditBroken = true;
          log.error({ job_id: jobId }, "audit log cannot be written; printing stopped");
          d.onAuditFailure(e);
          return;
        }
        log.error({ err: e, job_id: jobId }, "job failed unexpectedly");
        const err = isCodedError(e)
          ? e
          : new CodedError("internal", "unexpected error while printing");
        try {
          d.audit({
            action: "print.failed",
            outcome: "error",
            reason: err.code,
            jobId,
            device: device.id,
          });
          const job = d.inbox.get(jobId);
          finish(
            jobId,
            "failed",
            { status: "error", job_id: jobId, error: err.toReply() },
            job?.replyTo,
          );
        } catch (e2) {
          log.error({ err: e2, job_id: jobId }, "could not record the failure");
        }
      }
      if (queue[0] === jobId) queue.shift();
    }
  }

  function kick() {
    if (running || stopping || auditBroken || queue.length === 0) return;
    running = work().finally(() => {
      running = undefined;
      // A job enqueued while the worker was finishing would otherwise wait for the next one.
      kick();
    });
  }

  return {
    enqueue(jobId) {
      // A job is in a queue at most once: a second enqueue (a recovery racing the intake, a pool
      // move racing a retry) must never lead to a second print.
      if (queue.includes(jobId)) return;
      queue.push(jobId);
      kick();
    },
    get length() {
      return queue.length;
    },
    takeUndispatched(movable) {
      const taken: string[] = [];
      for (let i = queue.length - 1; i >= 0; i--) {
        const id = queue[i]!;
        if (!movable(id)) continue;
        if (i === 0) {
          // The job in hand moves only while it still waits; the worker drops it on its next check.
          if (waiting !== id) continue;
          movedAway.add(id);
        } else queue.splice(i, 1);
        heldNow.delete(id);
        taken.unshift(id);
      }
      return taken;
    },
    async stop() {
      stopping = true;
      await running;
    },
  };
}
