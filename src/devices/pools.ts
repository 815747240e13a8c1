import { isPrintable } from "../../drivers/snapshot.ts";
import type { DeviceQueue } from "../jobs/dispatcher.ts";
import type { DeviceEventSend } from "../jobs/ports.ts";
import { sniffCorrelation } from "../jobs/envelope.ts";
import type { Logger } from "../log.ts";
import { parsePoolJobTopic, type Topics } from "../mqtt/topics.ts";
import type { DeviceRuntime } from "./runtime.ts";

/** Pool job ids remembered for moving (the oldest are forgotten beyond this many). */
const MAX_POOL_JOBS = 100_000;

export interface PoolsOptions {
  topics: Topics;
  devices: ReadonlyMap<string, DeviceRuntime>;
  queues: ReadonlyMap<string, DeviceQueue>;
  poolOf: (device: string) => string | undefined;
  event: DeviceEventSend;
  /**
   * Records the move durably before the job joins its new queue (the inbox's `device`), so a
   * restart recovers it on the sibling.
   */
  moved?: (jobId: string, to: string) => void;
  logger: Logger;
}

/**
 * Device pools (issue #4 §4): a job on `pool/{pool}/job` goes to a healthy, least-loaded member
 * of the pool on this gateway; when a member faults, its pool jobs that have not been dispatched
 * move to healthy siblings. Jobs whose bytes left are never moved (they are in flight or
 * `in_doubt`). Ties go to the member listed first in the configuration.
 */
export interface Pools {
  /** Pool ids served by this gateway. */
  names(): string[];
  members(pool: string): string[];
  /** The device a new job of `pool` goes to, or undefined when the pool has no member here. */
  pick(pool: string): string | undefined;
  /** Records that `jobId` came through its pool: it may move to a sibling. */
  markPoolJob(jobId: string): void;
  /** The member for a `pool/{pool}/job` message (marking its job id as a pool job), else undefined. */
  route(topic: string, payload: Uint8Array): string | undefined;
  /** Moves held pool jobs of `device`'s pool off unhealthy members onto healthy ones. */
  rebalance(device: string): void;
  /**
   * Called after `jobId` joined `device`'s queue: a pool job that lands on a member which
   * faulted after it was picked (the fault, and its rebalance, came between the pick and the
   * enqueue) moves on at once instead of waiting for that member to recover.
   */
  placed(device: string, jobId: string): void;
}

export function createPools(o: PoolsOptions): Pools {
  const poolJobs = new Set<string>();
  const log = o.logger.child({ component: "pools" });

  const members = (pool: string) => [...o.devices.keys()].filter((id) => o.poolOf(id) === pool);
  const healthy = (id: string) => {
    const rt = o.devices.get(id);
    return rt !== undefined && isPrintable(rt.snapshot()) && !rt.quarantine() && !rt.onHold;
  };
  const load = (id: string) => o.queues.get(id)?.length ?? 0;
  const leastLoaded = (ids: string[]) =>
    ids.reduce<string | undefined>(
      (best, id) => (best === undefined || load(id) < load(best) ? id : best),
      undefined,
    );

  const pick = (pool: string) => {
    const all = members(pool);
    if (all.length === 0) return undefined;
    // No healthy member: the job waits (held) on the least-loaded one and moves when a
    // sibling recovers.
    return leastLoaded(all.filter(healthy)) ?? leastLoaded(all);
  };
  const markPoolJob = (jobId: string) => {
    poolJobs.add(jobId);
    if (poolJobs.size > MAX_POOL_JOBS) {
      const oldest = poolJobs.values().next().value;
      if (oldest !== undefined) poolJobs.delete(oldest);
    }
  };

  let rebalancing = false;
  function rebalance(device: string): void {
    const pool = o.poolOf(device);
    if (pool === undefined || rebalancing) return;
    rebalancing = true;
    try {
      const all = members(pool);
      const good = all.filter(healthy);
      if (good.length === 0) return;
      for (const from of all.filter((id) => !healthy(id))) {
        const taken = o.queues.get(from)?.takeUndispatched((j) => poolJobs.has(j)) ?? [];
        for (const jobId of taken) {
          const to = leastLoaded(good)!;
          try {
            o.moved?.(jobId, to);
          } catch (e) {
            // It still moves now; only a restart would find it on its old device again.
            log.error({ err: e, job_id: jobId }, "pool move could not be recorded");
          }
          o.event(from, { type: "job.moved", job_id: jobId, to });
          log.info({ job_id: jobId, from, to }, "held pool job moved to a healthy sibling");
          o.queues.get(to)?.enqueue(jobId);
        }
      }
    } finally {
      rebalancing = false;
    }
  }

  return {
    names: () => [...new Set([...o.devices.keys()].map(o.poolOf))].filter((p) => p !== undefined),
    members,
    pick,
    markPoolJob,
    route(topic, payload) {
      const pool = parsePoolJobTopic(o.topics, topic);
      if (pool === undefined) return undefined;
      const device = pick(pool);
      // Unknown pool: a name no device has, so the intake answers `device_unknown`.
      if (device === undefined) return `pool:${pool}`;
      const jobId = sniffCorrelation(payload).job_id;
      if (jobId !== undefined) markPoolJob(jobId);
      return device;
    },
    rebalance,
    placed(device, jobId) {
      if (poolJobs.has(jobId) && !healthy(device)) rebalance(device);
    },
  };
}
