import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import type { Logger } from "../log.ts";

/** A message handed to the gateway; PUBACK is sent only after `handle` resolves (ack-after-persist). */
export interface InboundMessage {
  topic: string;
  payload: Uint8Array;
  /** MQTT 5 properties of the publish (Response Topic, Correlation Data, User Properties …). */
  properties?: Mqtt5Properties | undefined;
}

/** The MQTT 5 publish properties the gateway reads and sets. */
export interface Mqtt5Properties {
  responseTopic?: string;
  correlationData?: Buffer;
  messageExpiryInterval?: number;
  userProperties?: Record<string, string | string[]>;
  contentType?: string;
}

/** PUBACK reason code 0x99, Payload format invalid (MQTT 5.0 §3.4.2.1). */
export const PAYLOAD_FORMAT_INVALID = 0x99;

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
  /** 4 = MQTT 3.1.1, 5 = MQTT 5 (default 4). */
  protocolVersion?: 4 | 5 | undefined;
  /** MQTT 5 Session Expiry Interval in seconds; 0 (default) = clean session. */
  sessionExpiryS?: number | undefined;
  /**
   * MQTT 5 only: true for an inbound payload that is not a job at all (not JSON); its PUBACK
   * carries 0x99 so a broker does not hand it to another share-group member (§4.8.2).
   */
  malformed?: ((topic: string, payload: Uint8Array) => boolean) | undefined;
  /** Retained last will (the gateway's `offline` state). */
  will: { topic: string; payload: string };
  /** Runs after every (re)connect: republish retained documents, (re)subscribe. */
  onConnect: () => Promise<void>;
  /**
   * Inbound publishes wait for this before `handle` (a persistent session delivers queued jobs
   * right after CONNACK, before the gateway recovered its own unfinished jobs).
   */
  ready?: Promise<void> | undefined;
  /** Runs for every inbound QoS 0/1 publish; PUBACK waits for it. It must not throw. */
  handle: (msg: InboundMessage) => Promise<void> | void;
  logger: Logger;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
  /** MQTT 5 properties (ignored on 3.1.1). */
  properties?: Mqtt5Properties | undefined;
}

/** The gateway's one MQTT connection (mqtt.js 5), with reconnect and TCP_NODELAY. */
export interface MqttConnection {
  publish(topic: string, payload: string | Uint8Array, options?: PublishOptions): Promise<void>;
  subscribe(filters: string[]): Promise<void>;
  readonly connected: boolean;
  readonly protocolVersion: 4 | 5;
  /** Publishes the will's payload itself, then disconnects cleanly. */
  close(finalState?: { topic: string; payload: string }): Promise<void>;
}

export async function connectMqtt(o: ConnectionOptions): Promise<MqttConnection> {
  const v5 = o.protocolVersion === 5;
  const sessionExpiry = v5 ? (o.sessionExpiryS ?? 0) : 0;
  const opts: IClientOptions = {
    clientId: o.clientId,
    protocolVersion: v5 ? 5 : 4,
    // A persistent session (MQTT 5, session expiry > 0) keeps the owner's device jobs queued at
    // the broker across a restart or a network blip (reference/mqtt-notes.md §8).
    clean: sessionExpiry === 0,
    ...(v5 && { properties: { sessionExpiryInterval: sessionExpiry } }),
    keepalive: o.keepaliveS,
    // Backoff with jitter is done by mqtt.js' fixed period; 1-2 s keeps a site reconnecting fast
    // after a broker restart without hammering it.
    reconnectPeriod: 1000 + Math.floor(Math.random() * 1000),
    connectTimeout: 10_000,
    will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
    manualConnect: true,
    resubscribe: true,
  };
  Object.assign(opts, credentialOptions(o));
  const malformed = o.malformed;
  if (v5 && malformed) {
    // Runs before handleMessage; the reason code goes into the PUBACK that handleMessage releases.
    opts.customHandleAcks = (topic, message, _packet, done) =>
      done(malformed(topic, message) ? PAYLOAD_FORMAT_INVALID : 0);
  }
  const client: MqttClient = mqtt.connect(o.url, opts);
  const log = o.logger.child({ component: "mqtt" });

  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    const payload =
      typeof packet.payload === "string"
        ? new TextEncoder().encode(packet.payload)
        : packet.payload;
    (o.ready ?? Promise.resolve())
      .then(() =>
        o.handle({
          topic: packet.topic,
          payload,
          properties: packet.properties as Mqtt5Properties,
        }),
      )
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

  await firstConnect(client);

  return {
    get connected() {
      return client.connected;
    },
    protocolVersion: v5 ? 5 : 4,
    async publish(topic, payload, options = {}) {
      await client.publishAsync(
        topic,
        typeof payload === "string" ? payload : Buffer.from(payload),
        {
          qos: options.qos ?? 1,
          retain: options.retain ?? false,
          ...(v5 && options.properties !== undefined && { properties: options.properties }),
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

/** User name, password and TLS files of a client connection (the gateway's and the watch one). */
export function credentialOptions(o: {
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
}): IClientOptions {
  const opts: IClientOptions = {};
  if (o.username !== undefined) opts.username = o.username;
  if (o.password !== undefined) opts.password = o.password;
  if (o.tls) {
    if (o.tls.ca) opts.ca = readFileSync(o.tls.ca);
    if (o.tls.cert) opts.cert = readFileSync(o.tls.cert);
    if (o.tls.key) opts.key = readFileSync(o.tls.key);
    opts.rejectUnauthorized = o.tls.reject_unauthorized ?? true;
  }
  return opts;
}

/** Opens a `manualConnect` client: resolves on the first CONNACK; on a first error closes it and rejects. */
export function firstConnect(client: MqttClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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
}

/** The URL without user info, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
