import { CodedError } from "../errors.ts";
import type { Reply } from "../jobs/ports.ts";
import { isAllowedReplyTopic, parseDeviceJobTopic, type Topics } from "../mqtt/topics.ts";
import type { ClusterStore } from "./store.ts";

/** What a standby learned about one job of the owner it watches, from `device/{dev}/event`. */
export interface ForeignJob {
  device: string;
  /** The last lifecycle event seen: `accepted`, `dispatching`, `done`, `failed`, … */
  state: string;
}

/** Outcomes the old owner reached; `rejected` (refused at intake, maybe busy) is not one. */
const TERMINAL: ReadonlySet<string> = new Set([
  "done",
  "failed",
  "expired",
  "in_doubt",
  "resolved",
]);
const MAX_JOBS = 200_000;

/**
 * The standby's memory of the owner's jobs (issue #11). The owner publishes `job.dispatching`
 * and waits for the broker's PUBACK before the first byte goes to the printer, so every job that
 * may have reached the paper is in here before the standby can take over; a producer's retry of
 * such a job is answered from here instead of being printed a second time.
 */
export interface JobLedger {
  /**
   * Feeds one `device/{dev}/event` payload of a watched device; with a store attached, resolves
   * once the record is durable (the watch connection acknowledges the event only then).
   */
  observe(device: string, payload: Uint8Array): Promise<void>;
  /**
   * Keeps the record in `store` (SQLite, through the group commit) and loads what it holds from
   * the last `retentionS` seconds: a standby restarted while the owner is up keeps what it saw.
   * `undefined` detaches (the store is about to close); the record stays in memory.
   */
  attach(store: ClusterStore | undefined, retentionS: number): void;
  /**
   * Events with an epoch at or above `epoch` are this gateway's own (it claimed with that epoch):
   * not recorded. Events of the previous owner (lower epochs) still are, up to its fencing.
   */
  recordBelow(epoch: number): void;
  /**
   * Events with an epoch at or below `epoch` are not recorded: this gateway's own, from its runs
   * up to that epoch (its watch session may deliver them after a restart). Every claim by another
   * gateway is above every epoch it saw, so the other owner's events are above it.
   */
  recordAbove(epoch: number): void;
  get(jobId: string): ForeignJob | undefined;
  /**
   * The answer to a job that arrives on a claimed device topic, when the old owner had it:
   * `duplicate` with the outcome it reached, or `in_doubt` when it was dispatched and no outcome
   * was seen. `undefined` for a job the ledger does not know (it is then run as a new job).
   */
  intercept(
    t: Topics,
    topic: string,
    payload: Uint8Array,
  ): { replyTo: string; reply: Reply } | undefined;
  readonly size: number;
}

export function createJobLedger(clock: () => number = Date.now): JobLedger {
  const jobs = new Map<string, ForeignJob>();
  const decoder = new TextDecoder();
  let store: ClusterStore | undefined;
  let ownFrom: number | undefined;
  let ownUpTo = 0;
  const record = (jobId: string, job: ForeignJob) => {
    if (!jobs.has(jobId) && jobs.size >= MAX_JOBS) {
      const oldest = jobs.keys().next().value;
      if (oldest !== undefined) jobs.delete(oldest);
    }
    jobs.set(jobId, job);
  };
  return {
    get size() {
      return jobs.size;
    },
    get: (jobId) => jobs.get(jobId),
    async observe(device, payload) {
      let e: { type?: unknown; job_id?: unknown; epoch?: unknown };
      try {
        e = JSON.parse(decoder.decode(payload)) as typeof e;
      } catch {
        return;
      }
      if (typeof e.type !== "string" || typeof e.job_id !== "string") return;
      if (!e.type.startsWith("job.")) return;
      if (
        typeof e.epoch === "number" &&
        (e.epoch <= ownUpTo || (ownFrom !== undefined && e.epoch >= ownFrom))
      )
        return;
      const state = e.type.slice(4);
      const known = jobs.get(e.job_id);
      // An outcome is never overwritten by an earlier stage arriving late.
      if (known && TERMINAL.has(known.state) && !TERMINAL.has(state)) return;
      if (known?.state === state && known.device === device) return;
      record(e.job_id, { device, state });
      await store?.saveStandbyJob({ jobId: e.job_id, device, state, seenAt: clock() });
    },
    attach(s, retentionS) {
      store = s;
      if (s === undefined) return;
      // What was seen before the store opened is kept too.
      const now = clock();
      for (const [jobId, j] of jobs)
        void s.saveStandbyJob({ jobId, device: j.device, state: j.state, seenAt: now });
      for (const row of s.loadStandbyJobs(clock() - retentionS * 1000)) {
        const known = jobs.get(row.jobId);
        if (known && TERMINAL.has(known.state)) continue;
        record(row.jobId, { device: row.device, state: row.state });
      }
    },
    recordBelow(epoch) {
      ownFrom = epoch;
    },
    recordAbove(epoch) {
      ownUpTo = epoch;
    },
    intercept(t, topic, payload) {
      if (parseDeviceJobTopic(t, topic) === undefined) return undefined;
      let env: { job_id?: unknown; reply_to?: unknown };
      try {
        env = JSON.parse(decoder.decode(payload)) as typeof env;
      } catch {
        return undefined;
      }
      if (typeof env.job_id !== "string" || typeof env.reply_to !== "string") return undefined;
      if (!isAllowedReplyTopic(t, env.reply_to)) return undefined;
      const known = jobs.get(env.job_id);
      // Accepted (or refused) but never dispatched by the old owner: nothing reached the paper,
      // so it runs here as a new job.
      if (!known || (known.state !== "dispatching" && !TERMINAL.has(known.state))) return undefined;
      const job_id = env.job_id;
      if (known.state === "dispatching") {
        const err = new CodedError(
          "in_doubt",
          "the previous owner dispatched this job and failed before its outcome was known",
        );
        return {
          replyTo: env.reply_to,
          reply: { status: "in_doubt", job_id, error: err.toReply() },
        };
      }
      const outcome = known.state === "done" ? "ok" : known.state;
      return {
        replyTo: env.reply_to,
        reply: {
          status: "duplicate",
          job_id,
          data: { state: known.state, outcome: { status: outcome }, owner_changed: true },
        },
      };
    },
  };
}
