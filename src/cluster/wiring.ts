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
    /** A retry of a job the old owner already had is answered from the ledger. */
    intercept(topic: string, payload: Uint8Array): boolean {
      const hit = o.hooks?.ledger?.intercept(t, topic, payload);
      if (!hit) return false;
      o.reply(hit.replyTo, hit.reply);
      return true;
    },
  };
}
