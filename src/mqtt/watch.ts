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

export interface WatchOptions {
  url: string;
  clientId: string;
  protocolVersion?: 4 | 5;
  keepaliveS?: number;
  username?: string | undefined;
  password?: string | undefined;
  tls?:
    | {
        ca?: string | undefined;
        cert?: string | undefined;
        key?: string | undefined;
        reject_unauthorized?: boolean | undefined;
      }
    | undefined;
}

export function connectWatch(config: Config, clientId: string): Promise<WatchClient> {
  return connectWatchTo({
    url: config.mqtt.url ?? "mqtt://127.0.0.1:1883",
    clientId,
    protocolVersion: config.mqtt.protocol_version === 4 ? 4 : 5,
    keepaliveS: config.mqtt.keepalive_s,
    username: config.mqtt.username,
    password: config.mqtt.password,
    tls: config.mqtt.tls,
  });
}

export async function connectWatchTo(w: WatchOptions): Promise<WatchClient> {
  const opts: IClientOptions = {
    clientId: w.clientId,
    protocolVersion: w.protocolVersion ?? 5,
    clean: true,
    keepalive: w.keepaliveS ?? 30,
    reconnectPeriod: 1000,
    resubscribe: true,
  };
  if (w.username !== undefined) opts.username = w.username;
  if (w.password !== undefined) opts.password = w.password;
  const tls = w.tls;
  if (tls) {
    if (tls.ca) opts.ca = readFileSync(tls.ca);
    if (tls.cert) opts.cert = readFileSync(tls.cert);
    if (tls.key) opts.key = readFileSync(tls.key);
    opts.rejectUnauthorized = tls.reject_unauthorized ?? true;
  }
  const c = await mqtt.connectAsync(w.url, opts);
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
