import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions } from "mqtt";
import type { Config } from "../config/schema.ts";

/**
 * A second, light MQTT connection of a gateway in `cluster.mode: multi` (src/cluster/run.ts): it
 * reads retained gateway and device states and device events, with no will and a clean session.
 */
export interface WatchClient {
  onMessage(handler: (topic: string, payload: Buffer) => void): void;
  subscribe(filters: string[]): Promise<void>;
  publishRetained(topic: string, payload: string): void;
  /** Resolves once a message of our own came back: every retained message before it arrived. */
  probe(topic: string): Promise<void>;
  end(): Promise<void>;
  endNow(): void;
}

export async function connectWatch(config: Config, clientId: string): Promise<WatchClient> {
  const opts: IClientOptions = {
    clientId,
    protocolVersion: config.mqtt.protocol_version === 4 ? 4 : 5,
    clean: true,
    keepalive: config.mqtt.keepalive_s,
    reconnectPeriod: 1000,
    resubscribe: true,
  };
  if (config.mqtt.username !== undefined) opts.username = config.mqtt.username;
  if (config.mqtt.password !== undefined) opts.password = config.mqtt.password;
  const tls = config.mqtt.tls;
  if (tls) {
    if (tls.ca) opts.ca = readFileSync(tls.ca);
    if (tls.cert) opts.cert = readFileSync(tls.cert);
    if (tls.key) opts.key = readFileSync(tls.key);
    opts.rejectUnauthorized = tls.reject_unauthorized;
  }
  const c = await mqtt.connectAsync(config.mqtt.url ?? "mqtt://127.0.0.1:1883", opts);
  const subscribe = async (filters: string[]) => {
    if (filters.length > 0) await c.subscribeAsync(filters, { qos: 1 });
  };
  return {
    onMessage(handler) {
      c.on("message", (topic, payload) => handler(topic, payload));
    },
    subscribe,
    publishRetained(topic, payload) {
      c.publish(topic, payload, { qos: 1, retain: true });
    },
    async probe(topic) {
      const token = `${Date.now()}-${Math.random()}`;
      const back = new Promise<void>((resolve) => {
        const on = (tp: string, p: Buffer) => {
          if (tp === topic && p.toString() === token) {
            c.off("message", on);
            resolve();
          }
        };
        c.on("message", on);
      });
      await subscribe([topic]);
      await c.publishAsync(topic, token, { qos: 1 });
      await back;
      await c.unsubscribeAsync(topic);
    },
    async end() {
      await c.endAsync();
    },
    endNow() {
      c.end(true);
    },
  };
}
