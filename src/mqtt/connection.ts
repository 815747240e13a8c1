import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import type { Logger } from "../log.ts";

/** A message handed to the gateway; PUBACK is sent only after `handle` resolves (ack-after-persist). */
export interface InboundMessage {
  topic: string;
  payload: Uint8Array;
}

export interface ConnectionOptions {
  /** `mqtt://host:port` or `mqtts://…`. */
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  tls?:
    | {
        ca?: string | undefined;
        cert?: string | undefined;
        key?: string | undefined;
        reject_unauthorized: boolean;
      }
    | undefined;
  keepaliveS: number;
  /** Retained last will (the gateway's `offline` state). */
  will: { topic: string; payload: string };
  /** Runs after every (re)connect: republish retained documents, (re)subscribe. */
  onConnect: () => Promise<void>;
  /** Runs for every inbound QoS 0/1 publish; PUBACK waits for it. It must not throw. */
  handle: (msg: InboundMessage) => Promise<void> | void;
  logger: Logger;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

/** The gateway's one MQTT connection (mqtt.js 5), with reconnect and TCP_NODELAY. */
export interface MqttConnection {
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>;
  subscribe(filters: string[]): Promise<void>;
  readonly connected: boolean;
  /** Publishes the will's payload itself, then disconnects cleanly. */
  close(finalState?: { topic: string; payload: string }): Promise<void>;
}

export async function connectMqtt(o: ConnectionOptions): Promise<MqttConnection> {
  const opts: IClientOptions = {
    clientId: o.clientId,
    protocolVersion: 4,
    clean: true,
    keepalive: o.keepaliveS,
    // Backoff with jitter is done by mqtt.js' fixed period; 1-2 s keeps a site reconnecting fast
    // after a broker restart without hammering it.
    reconnectPeriod: 1000 + Math.floor(Math.random() * 1000),
    connectTimeout: 10_000,
    will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
    manualConnect: true,
    resubscribe: true,
  };
  if (o.username !== undefined) opts.username = o.username;
  if (o.password !== undefined) opts.password = o.password;
  if (o.tls) {
    if (o.tls.ca) opts.ca = readFileSync(o.tls.ca);
    if (o.tls.cert) opts.cert = readFileSync(o.tls.cert);
    if (o.tls.key) opts.key = readFileSync(o.tls.key);
    opts.rejectUnauthorized = o.tls.reject_unauthorized;
  }
  const client: MqttClient = mqtt.connect(o.url, opts);
  const log = o.logger.child({ component: "mqtt" });

  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    const payload =
      typeof packet.payload === "string"
        ? new TextEncoder().encode(packet.payload)
        : packet.payload;
    Promise.resolve()
      .then(() => o.handle({ topic: packet.topic, payload }))
      .then(
        () => callback(),
        (e: unknown) => {
          // The handler is not supposed to throw; if it does, the message was not persisted, so
          // withholding PUBACK lets the broker redeliver it after the next reconnect.
          log.error({ err: e, topic: packet.topic }, "inbound handler failed; PUBACK withheld");
        },
      );
  };

  client.on("connect", () => {
    (client.stream as Socket | undefined)?.setNoDelay?.(true);
    log.info({ url: redactUrl(o.url) }, "connected to broker");
    o.onConnect().catch((e: unknown) => log.error({ err: e }, "post-connect setup failed"));
  });
  client.on("reconnect", () => log.debug("reconnecting to broker"));
  client.on("offline", () => log.warn("broker connection lost"));
  client.on("error", (e) => log.warn({ err: e }, "mqtt error"));

  await new Promise<void>((resolve, reject) => {
    const onConnect = () => {
      client.off("error", onError);
      resolve();
    };
    const onError = (e: Error) => {
      client.off("connect", onConnect);
      client.end(true);
      reject(e);
    };
    client.once("connect", onConnect);
    client.once("error", onError);
    client.connect();
  });

  return {
    get connected() {
      return client.connected;
    },
    async publish(topic, payload, options = {}) {
      await client.publishAsync(
        topic,
        typeof payload === "string" ? payload : Buffer.from(payload),
        {
          qos: options.qos ?? 1,
          retain: options.retain ?? false,
        },
      );
    },
    async subscribe(filters) {
      if (filters.length === 0) return;
      await client.subscribeAsync(filters, { qos: 1 });
    },
    async close(finalState) {
      if (finalState && client.connected) {
        await client
          .publishAsync(finalState.topic, finalState.payload, { qos: 1, retain: true })
          .catch(() => undefined);
      }
      await client.endAsync();
    },
  };
}

/** The URL without user info, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
