import type { Socket } from "node:net";
import mqtt, { type IClientOptions } from "mqtt";
import type { Config } from "../config/schema.ts";
import { credentialOptions, firstConnect } from "./connection.ts";

/**
 * A second, light MQTT connection of a gateway in `cluster.mode: multi` (src/cluster/run.ts): it
 * reads retained gateway and device states and device events, with no will and a clean session.
 */
export interface WatchClient {
  /**
   * `handler` runs for every inbound publish; when it returns a promise, the PUBACK waits for it
   * (ack-after-persist: with a persistent session an unacknowledged event is delivered again).
   */
  onMessage(handler: (topic: string, payload: Buffer) => void | Promise<void>): void;
  subscribe(filters: string[]): Promise<void>;
  publishRetained(topic: string, payload: string): void;
  /** QoS 1; resolves on PUBACK. MQTT 5 properties (Message Expiry …) are passed as given. */
  publish(
    topic: string,
    payload: string,
    options: { retain?: boolean; properties?: { messageExpiryInterval?: number } },
  ): Promise<void>;
  readonly connected: boolean;
  /** Runs after every reconnect (not the first connect): subscriptions are resent by then. */
  onReconnect(handler: () => void): void;
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
  /**
   * MQTT 5 Session Expiry Interval in seconds; > 0 keeps a persistent session (Clean Start =
   * false) so the events published while this client was away are delivered when it is back.
   */
  sessionExpiryS?: number;
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

export function connectWatch(
  config: Config,
  clientId: string,
  sessionExpiryS = 0,
): Promise<WatchClient> {
  return connectWatchTo({
    url: config.mqtt.url ?? "mqtt://127.0.0.1:1883",
    clientId,
    sessionExpiryS,
    protocolVersion: config.mqtt.protocol_version === 4 ? 4 : 5,
    keepaliveS: config.mqtt.keepalive_s,
    username: config.mqtt.username,
    password: config.mqtt.password,
    tls: config.mqtt.tls,
  });
}

export async function connectWatchTo(w: WatchOptions): Promise<WatchClient> {
  const v5 = (w.protocolVersion ?? 5) === 5;
  const sessionExpiry = v5 ? (w.sessionExpiryS ?? 0) : 0;
  const opts: IClientOptions = {
    clientId: w.clientId,
    protocolVersion: w.protocolVersion ?? 5,
    clean: sessionExpiry === 0,
    ...(v5 && { properties: { sessionExpiryInterval: sessionExpiry } }),
    keepalive: w.keepaliveS ?? 30,
    reconnectPeriod: 1000,
    resubscribe: true,
  };
  Object.assign(opts, credentialOptions(w));
  // Not connectAsync: with a persistent session the broker sends queued messages right after
  // CONNACK, so handleMessage must be in place before the connection opens.
  const c = mqtt.connect(w.url, { ...opts, manualConnect: true });
  const handlers: Array<(topic: string, payload: Buffer) => void | Promise<void>> = [];
  // PUBACK only after the handlers finished (mqtt.js sends it when the callback runs).
  // Messages of a persistent session can arrive before a handler is registered: they wait.
  const early: Array<() => void> = [];
  c.handleMessage = (packet, callback) => {
    const payload =
      typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    const run = () =>
      Promise.all(handlers.map((h) => h(packet.topic, payload))).then(
        () => callback(),
        () => undefined, // not acknowledged: delivered again after a reconnect
      );
    if (handlers.length === 0) early.push(() => void run());
    else void run();
  };
  const reconnectHandlers: Array<() => void> = [];
  let connects = 0;
  c.on("connect", () => {
    (c.stream as Socket | undefined)?.setNoDelay?.(true);
    if (connects++ > 0) for (const h of reconnectHandlers) h();
  });
  await firstConnect(c);
  const subscribe = async (filters: string[]) => {
    if (filters.length > 0) await c.subscribeAsync(filters, { qos: 1 });
  };
  return {
    onMessage(handler) {
      handlers.push(handler);
      for (const f of early.splice(0)) f();
    },
    subscribe,
    publishRetained(topic, payload) {
      c.publish(topic, payload, { qos: 1, retain: true });
    },
    async publish(topic, payload, options) {
      await c.publishAsync(topic, payload, {
        qos: 1,
        retain: options.retain ?? false,
        ...(v5 && options.properties !== undefined && { properties: options.properties }),
      });
    },
    get connected() {
      return c.connected;
    },
    onReconnect(handler) {
      reconnectHandlers.push(handler);
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
