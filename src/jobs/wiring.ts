/**
 * Job pipeline wiring for `main.ts` (DESIGN.md §2): the intake of job messages with its limits,
 * privacy guard and access checks, and the recovery of jobs a previous run left unfinished.
 */
import type { AccessLayer } from "../access/wiring.ts";
import type { Config } from "../config/schema.ts";
import type { Keys } from "../crypto/keys.ts";
import type { DeviceManager } from "../devices/manager.ts";
import type { Logger } from "../log.ts";
import type { Topics } from "../mqtt/topics.ts";
import { guardWaybillData, type WaybillDetector } from "../privacy/index.ts";
import { createRfidIntakeCheck } from "../rfid/intake.ts";
import { createAskDevice } from "./ask-device.ts";
import type { Inbox } from "./inbox.ts";
import { createIntake } from "./intake.ts";
import type { AuditAppend, DeviceEventSend, ReplySend } from "./ports.ts";
import { recoverUnfinished } from "./recovery.ts";

/** What every part of the job pipeline shares: the inbox, durability, audit and outward ports. */
export interface JobPorts {
  readonly inbox: Inbox;
  readonly audit: AuditAppend;
  readonly reply: ReplySend;
  readonly event: DeviceEventSend;
  /** Runs `fn` in one SQLite transaction. */
  readonly transaction: <T>(fn: () => T) => T;
  /** Group commit: runs `fn` in the next batch and resolves once it is durable. */
  readonly commit: <T>(fn: () => T) => Promise<T>;
  readonly clock: () => number;
  readonly logger: Logger;
}

export type JobIntake = ReturnType<typeof createIntake>;

/**
 * The intake of `device/{dev}/job` and `pool/{pool}/job` (src/jobs/intake.ts), bounded by the
 * `limits` of the configuration and routing pool jobs to a member device.
 */
export function createJobIntake(o: {
  config: Pick<Config, "limits" | "privacy" | "rfid">;
  topics: Topics;
  ports: JobPorts;
  devices: DeviceManager;
  admission: AccessLayer["admission"];
  /** Waybill numbers in text fields: the built-in carrier shapes plus the site's formats. */
  waybills: WaybillDetector;
  hmacKey: Keys["hmac"];
}): JobIntake {
  const { config, devices: deviceManager, ports } = o;
  return createIntake({
    topics: o.topics,
    maxJobBytes: config.limits.max_job_bytes,
    maxCopies: config.limits.max_copies,
    load: (id) => {
      let total = 0;
      for (const q of deviceManager.queues.values()) total += q.length;
      return {
        device: deviceManager.queues.get(id)?.length ?? 0,
        total,
        maxDevice: config.limits.max_queue_per_device,
        maxTotal: config.limits.max_queued_total,
      };
    },
    deviceKinds: (id) => deviceManager.devices.get(id)?.driver.jobKinds,
    guard: (data, now) =>
      guardWaybillData(data, {
        phoneMinHidden: config.privacy.phone_min_hidden,
        now,
        waybills: o.waybills,
      }),
    rfid: createRfidIntakeCheck(config.rfid, config.privacy.phone_min_hidden),
    admission: o.admission,
    inbox: ports.inbox,
    transaction: ports.transaction,
    commit: ports.commit,
    audit: ports.audit,
    reply: ports.reply,
    event: ports.event,
    enqueue: (device, jobId) => deviceManager.enqueue(device, jobId),
    routePool: (topic, payload) => deviceManager.pools.route(topic, payload),
    hmacKey: o.hmacKey,
    clock: ports.clock,
    logger: ports.logger,
  });
}

/**
 * Recovers the jobs the previous run left unfinished (src/jobs/recovery.ts). Devices that can tell
 * whether an interrupted job reached them are asked first (issue #9).
 */
export function recoverJobs(o: {
  ports: JobPorts;
  devices: DeviceManager;
  rfid: Config["rfid"];
}): ReturnType<typeof recoverUnfinished> {
  const { ports, devices: deviceManager } = o;
  return recoverUnfinished({
    inbox: ports.inbox,
    audit: ports.audit,
    reply: ports.reply,
    event: ports.event,
    clock: ports.clock,
    logger: ports.logger,
    enqueue: (d, j, pool) => deviceManager.enqueue(d, j, pool),
    askDevice: createAskDevice({
      devices: deviceManager.devices,
      inbox: ports.inbox,
      timeoutMs: 3000,
      rfid: o.rfid,
    }),
  });
}
