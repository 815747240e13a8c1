import type { Config } from "../config/schema.ts";
import type { Db } from "../db/open.ts";
import { CodedError, isCodedError } from "../errors.ts";
import { sniffCorrelation } from "../jobs/envelope.ts";
import type { Reply } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import type { Mqtt5Properties, MqttConnection } from "../mqtt/connection.ts";
import {
  isAllowedReplyTopic,
  parseDeviceJobTopic,
  parsePoolJobTopic,
  type Topics,
} from "../mqtt/topics.ts";
import type { JobLedger } from "./ledger.ts";
import type { PoolClaims } from "./pool-claims.ts";
import { createClusterStore } from "./store.ts";

/** What `src/cluster/run.ts` hands a gateway it starts in `cluster.mode: multi`. */
export interface ClusterHooks {
  /** The gateway epoch is at least this (a claim is one above the old owner's epoch). */
  minEpoch?: number;
  /** True once another gateway claimed this gateway's devices with a higher epoch. */
  fenced?: () => boolean;
  /** The old owner's jobs, as a standby saw them before it claimed the devices. */
  ledger?: JobLedger;
  /** Pool jobs claimed through the broker (src/cluster/pool-claims.ts); absent: not claimed. */
  poolClaims?: PoolClaims;
}

/** User Property on a job this gateway forwarded to another gateway's device topic. */
export const FORWARDED_BY = "forwarded_by";

export interface ClusterWiringOptions {
  config: Config;
  topics: Topics;
  epoch: number;
  hooks: ClusterHooks | undefined;
  connection: () => MqttConnection | undefined;
  reply: (replyTo: string, reply: Reply) => void;
  /** Stores a message in the durable outbox for publishing (a pool job handed on). */
  handOn: (topic: string, payload: string, properties?: Mqtt5Properties) => void;
  /** The gateway database and its group commit: pool claims are stored there. */
  db?: Db;
  commit?: <T>(fn: () => T) => Promise<T>;
  logger?: Logger;
}

const decoder = new TextDecoder();

/**
 * The parts of `main.ts` that differ with several gateways on one broker (issue #11): which
 * topics are subscribed, the MQTT protocol level, the dispatch barrier and the standby's ledger.
 */
export function clusterWiring(o: ClusterWiringOptions) {
  const { config, topics: t } = o;
  const multi = config.cluster.mode === "multi";
  if (multi && config.mqtt.url === undefined)
    throw new CodedError(
      "config_invalid",
      "cluster.mode multi needs an external MQTT 5 broker (mqtt.url): the embedded broker has no shared subscriptions and serves one gateway",
    );

  const beforeDispatch = multi
    ? async (jobId: string, device: string): Promise<CodedError | undefined> => {
        const fencedError = () =>
          new CodedError("device_fenced", "another gateway claimed this device");
        // The dispatching event reaches the broker before the first byte reaches the device: a
        // standby that claims the device later knows this job may be on paper (src/cluster/ledger.ts).
        const body = JSON.stringify({
          type: "job.dispatching",
          job_id: jobId,
          owner: config.gateway,
          epoch: o.epoch,
          ts: new Date().toISOString(),
        });
        for (;;) {
          if (o.hooks?.fenced?.()) return fencedError();
          const c = o.connection();
          try {
            if (!c) throw new Error("not connected");
            await c.publish(t.deviceEvent(device), body, {
              properties: { userProperties: { job_id: jobId }, contentType: "application/json" },
            });
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        return o.hooks?.fenced?.() ? fencedError() : undefined;
      }
    : undefined;

  const directory = createDirectory(t, config.gateway);
  const me = config.gateway;
  const claims = multi ? o.hooks?.poolClaims : undefined;
  if (claims !== undefined && o.db !== undefined && o.commit !== undefined)
    claims.attach(createClusterStore(o.db, o.commit));
  const log = o.logger?.child({ component: "cluster" });
  const ownDevices = new Set(config.devices.map((d) => d.id));
  /** Hands `payload` on to a device topic, marked as forwarded, with the request's MQTT 5 reply address. */
  const forward = (device: string, payload: Uint8Array, p: Mqtt5Properties | undefined) => {
    const jobId = sniffCorrelation(payload).job_id;
    o.handOn(t.deviceJob(device), decoder.decode(payload), {
      userProperties: { [FORWARDED_BY]: me, ...(jobId !== undefined && { job_id: jobId }) },
      ...(p?.responseTopic !== undefined && { responseTopic: p.responseTopic }),
      ...(p?.correlationData !== undefined && { correlationData: p.correlationData }),
    });
  };
  const replyTo = (payload: Uint8Array) => {
    const c = sniffCorrelation(payload);
    return c.reply_to !== undefined && isAllowedReplyTopic(t, c.reply_to) ? c : undefined;
  };

  /**
   * A pool job with claims on: the first claim seen for its `job_id` decides which gateway takes
   * it (src/cluster/pool-claims.ts). Resolves true when the message was dealt with here.
   */
  async function claimPoolJob(
    pool: string,
    payload: Uint8Array,
    p: Mqtt5Properties | undefined,
  ): Promise<boolean> {
    const jobId = sniffCorrelation(payload).job_id;
    // Without a job_id the intake refuses the envelope; nothing to claim.
    if (jobId === undefined || claims === undefined) return false;
    const local = config.devices.find((d) => d.pool === pool)?.id;
    const target = local ?? directory.memberOf(pool);
    if (target === undefined) return false; // the intake answers device_unknown
    let w;
    try {
      w = await claims.claim(pool, jobId, target);
    } catch (e) {
      const err = isCodedError(e) ? e : new CodedError("internal", "pool claim failed", {}, e);
      log?.warn({ job_id: jobId, code: err.code }, "pool job not claimed; refused as retryable");
      const c = replyTo(payload);
      if (c?.reply_to !== undefined)
        o.reply(c.reply_to, {
          status: "rejected",
          job_id: jobId,
          ...(c.transaction !== undefined && { transaction: c.transaction }),
          error: err.toReply(),
        });
      return true;
    }
    if (w.gateway === me && local !== undefined) return false; // ours: the intake takes it
    // Another gateway's claim (or ours, handed on to a member elsewhere): the device's owner
    // answers from its inbox (accepted the first time, `duplicate` for a retry).
    forward(w.device, payload, p);
    return true;
  }

  /**
   * A job on one of our device topics that is a pool job claimed for another gateway's device
   * (a gateway that joined during the claim forwarded it here): forwarded once more to the
   * claim's device, or answered `duplicate` (not printed) when it was forwarded already.
   */
  function claimedElsewhere(
    device: string,
    payload: Uint8Array,
    p: Mqtt5Properties | undefined,
  ): boolean {
    const jobId = sniffCorrelation(payload).job_id;
    const w = jobId === undefined ? undefined : claims?.winner(jobId);
    if (w === undefined || jobId === undefined || w.device === device || ownDevices.has(w.device))
      return false;
    if (p?.userProperties?.[FORWARDED_BY] === undefined) {
      forward(w.device, payload, p);
      return true;
    }
    const c = replyTo(payload);
    if (c?.reply_to !== undefined)
      o.reply(c.reply_to, {
        status: "duplicate",
        job_id: jobId,
        ...(c.transaction !== undefined && { transaction: c.transaction }),
        data: { state: "claimed", claimed_by: w.gateway, device: w.device },
      });
    return true;
  }

  return {
    multi,
    beforeDispatch,
    protocolVersion(embedded: boolean): 4 | 5 {
      const v = config.mqtt.protocol_version;
      return v === "auto" ? (embedded ? 4 : 5) : v;
    },
    /** Only device job and command topics of the devices this gateway owns, in multi mode. */
    subscriptions(owned: string[]): string[] {
      if (!multi)
        return [t.deviceJobFilter, t.gatewayRequestFilter, t.poolJobFilter, t.deviceCmdFilter];
      return [
        t.gatewayRequestFilter,
        ...owned.map((d) => t.deviceJob(d)),
        ...owned.map((d) => t.deviceCmd(d, "+")),
        // Pool jobs are shared among the gateways: each goes to one member of the group.
        `$share/${config.cluster.pool_group}/${t.poolJobFilter}`,
        // Other gateways' devices (owner, pool, availability): where to hand a pool job on.
        `${t.site}/device/+/state`,
      ];
    },
    /** Unparseable job payloads get PUBACK 0x99 on MQTT 5 (not handed to another member). */
    malformed(topic: string, payload: Uint8Array): boolean {
      if (parseDeviceJobTopic(t, topic) === undefined && parsePoolJobTopic(t, topic) === undefined)
        return false;
      try {
        JSON.parse(decoder.decode(payload));
        return false;
      } catch {
        return true;
      }
    },
    /**
     * Cluster traffic before intake: device states feed the directory; a pool job for a pool
     * none of this gateway's devices serves is handed on to a member's device topic, same
     * `job_id`; a retry of a job the old owner already had is
     * answered from the ledger. True when the message was dealt with here.
     */
    async intercept(
      topic: string,
      payload: Uint8Array,
      properties?: Mqtt5Properties,
    ): Promise<boolean> {
      if (multi && topic.startsWith(`${t.site}/device/`) && topic.endsWith("/state")) {
        directory.observe(topic, payload);
        return true;
      }
      const pool = multi ? parsePoolJobTopic(t, topic) : undefined;
      if (pool !== undefined && claims !== undefined)
        return claimPoolJob(pool, payload, properties);
      const device = claims !== undefined ? parseDeviceJobTopic(t, topic) : undefined;
      if (device !== undefined && claimedElsewhere(device, payload, properties)) return true;
      if (pool !== undefined && !config.devices.some((d) => d.pool === pool)) {
        const target = directory.memberOf(pool);
        if (target !== undefined) {
          // Through the outbox, not awaited: mqtt.js reads no packet (so no PUBACK for a publish
          // of ours) while this handler runs. The row is stored with the next group commit; a
          // crash before that loses the hand-off, which the producer's retry covers.
          o.handOn(t.deviceJob(target), decoder.decode(payload));
          return true;
        }
      }
      const hit = o.hooks?.ledger?.intercept(t, topic, payload);
      if (!hit) return false;
      o.reply(hit.replyTo, hit.reply);
      return true;
    },
  };
}

/** Other gateways' devices as their retained `device/{dev}/state` documents describe them. */
function createDirectory(t: Topics, me: string) {
  const devices = new Map<string, { owner?: string; pool?: string; online: boolean }>();
  const prefix = `${t.site}/device/`;
  return {
    observe(topic: string, payload: Uint8Array) {
      const dev = topic.slice(prefix.length, -"/state".length);
      if (dev.length === 0 || dev.includes("/")) return;
      if (payload.length === 0) {
        devices.delete(dev);
        return;
      }
      try {
        const d = JSON.parse(decoder.decode(payload)) as {
          owner?: unknown;
          pool?: unknown;
          availability?: unknown;
        };
        devices.set(dev, {
          ...(typeof d.owner === "string" && { owner: d.owner }),
          ...(typeof d.pool === "string" && { pool: d.pool }),
          online: d.availability === "online",
        });
      } catch {
        devices.delete(dev);
      }
    },
    /** A device of `pool` owned by another gateway, an online one first. */
    memberOf(pool: string): string | undefined {
      let fallback: string | undefined;
      for (const [id, d] of devices) {
        if (d.pool !== pool || d.owner === undefined || d.owner === me) continue;
        if (d.online) return id;
        fallback ??= id;
      }
      return fallback;
    },
  };
}
