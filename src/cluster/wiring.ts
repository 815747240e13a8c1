import type { Config } from "../config/schema.ts";
import { CodedError } from "../errors.ts";
import type { Reply } from "../jobs/ports.ts";
import type { MqttConnection } from "../mqtt/connection.ts";
import { parseDeviceJobTopic, parsePoolJobTopic, type Topics } from "../mqtt/topics.ts";
import type { JobLedger } from "./ledger.ts";

/** What `src/cluster/run.ts` hands a gateway it starts in `cluster.mode: multi`. */
export interface ClusterHooks {
  /** The gateway epoch is at least this (a claim is one above the old owner's epoch). */
  minEpoch?: number;
  /** True once another gateway claimed this gateway's devices with a higher epoch. */
  fenced?: () => boolean;
  /** The old owner's jobs, as a standby saw them before it claimed the devices. */
  ledger?: JobLedger;
}

export interface ClusterWiringOptions {
  config: Config;
  topics: Topics;
  epoch: number;
  hooks: ClusterHooks | undefined;
  connection: () => MqttConnection | undefined;
  reply: (replyTo: string, reply: Reply) => void;
  /** Stores a message in the durable outbox for publishing (a pool job handed on). */
  handOn: (topic: string, payload: string) => void;
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
    async intercept(topic: string, payload: Uint8Array): Promise<boolean> {
      if (multi && topic.startsWith(`${t.site}/device/`) && topic.endsWith("/state")) {
        directory.observe(topic, payload);
        return true;
      }
      const pool = multi ? parsePoolJobTopic(t, topic) : undefined;
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
