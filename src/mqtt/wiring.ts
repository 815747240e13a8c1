/**
 * MQTT wiring for `main.ts` (DESIGN.md §3): the embedded broker, the gateway's one connection,
 * the durable outbox of replies and events, and the retained documents announced on every
 * (re)connect. aedes loads only for the embedded broker (README "Performance").
 */
import type { AccessLayer } from "../access/wiring.ts";
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/open.ts";
import type { DeviceEventSend, ReplySend } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import type { EmbeddedBroker } from "./broker.ts";
import { connectMqtt, type ConnectionOptions, type MqttConnection } from "./connection.ts";
import { createOutbox, type Outbox } from "./outbox.ts";
import type { Topics } from "./topics.ts";
import { createRequestResponse, type RequestResponse } from "./v5.ts";

/**
 * The gateway's connection as seen by the parts built before it exists: set once the first
 * CONNACK arrived; publishes before then are dropped (nothing to say yet).
 */
export interface MqttLink {
  readonly current: MqttConnection | undefined;
  set(connection: MqttConnection): void;
  /** Publishes `payload` as JSON, QoS 1; a failure is logged, never thrown. */
  publishJson(topic: string, payload: unknown, retain?: boolean): void;
}

export function createMqttLink(logger: Logger): MqttLink {
  let current: MqttConnection | undefined;
  return {
    get current() {
      return current;
    },
    set(c) {
      current = c;
    },
    publishJson(topic, payload, retain = false) {
      if (!current) return;
      current
        .publish(topic, JSON.stringify(payload), { retain })
        .catch((e: unknown) => logger.warn({ err: e, topic }, "publish failed"));
    },
  };
}

/** The broker the gateway connects to. */
export interface BrokerEndpoint {
  /** The embedded broker, when `mqtt.url` is not set; undefined on an external broker. */
  readonly broker: EmbeddedBroker | undefined;
  /** `mqtt.url`, or the embedded broker's `mqtt://host:port` (0.0.0.0 reached as 127.0.0.1). */
  readonly url: string;
}

/**
 * Starts the embedded broker when `mqtt.url` is not set, guarded by the access layer; pushes its
 * cleanups (close the broker, stop the refusal summaries) onto `cleanups`.
 */
export async function startBroker(o: {
  config: Pick<Config, "mqtt">;
  access: Pick<AccessLayer, "brokerAccess" | "onBrokerRefused" | "refusals">;
  cleanups: Array<() => Promise<void> | void>;
  logger: Logger;
}): Promise<BrokerEndpoint> {
  const { config, access } = o;
  if (config.mqtt.url !== undefined) return { broker: undefined, url: config.mqtt.url };
  // aedes loads only for the embedded broker (README "Performance").
  const { startEmbeddedBroker } = await import("./broker.ts");
  const broker = await startEmbeddedBroker({
    host: config.mqtt.embedded.host,
    port: config.mqtt.embedded.port,
    access: access.brokerAccess,
    onRefused: access.onBrokerRefused,
    tls: config.mqtt.embedded.tls,
  });
  o.cleanups.push(() => broker.close());
  o.cleanups.push(() => access.refusals.stop());
  o.logger.info(
    { host: broker.host, port: broker.port, tls_port: broker.tlsPort },
    "embedded MQTT broker listening",
  );
  const host = broker.host === "0.0.0.0" ? "127.0.0.1" : broker.host;
  return { broker, url: `mqtt://${host}:${broker.port}` };
}

/** Replies and device events on their way out, stored before they are published. */
export interface Messaging {
  readonly outbox: Outbox;
  /** MQTT 5 Response Topic / Correlation Data of job requests (src/mqtt/v5.ts). */
  readonly requestResponse: RequestResponse;
  /** `device/{dev}/event` with a per-device `seq`, the epoch and a timestamp; also to `onEvent`. */
  readonly sendEvent: DeviceEventSend;
  /** A reply to a producer, with the MQTT 5 properties of its request. */
  readonly sendReply: ReplySend;
}

export function createMessaging(o: {
  db: Db;
  commit: <T>(fn: () => T) => Promise<T>;
  link: MqttLink;
  /** True on an external broker (`mqtt.url` set): MQTT 5 request/response may be in use. */
  external: boolean;
  topics: Topics;
  epoch: number;
  /** Sees every device event after it was queued (the console's live view). */
  onEvent: DeviceEventSend;
  clock: () => number;
  logger: Logger;
}): Messaging {
  const { link, logger } = o;
  const eventSeq = new Map<string, number>();
  // Replies, job events and alerts go through the durable outbox (issue #9): stored with the
  // group commit, published in order once connected, deleted on PUBACK; a broker outage loses none.
  const outbox = createOutbox({
    db: o.db,
    commit: o.commit,
    publish: (topic, payload, retain, properties) =>
      link.current
        ? link.current.publish(topic, payload, { retain, properties })
        : Promise.reject(new Error("not connected")),
    isConnected: () => link.current?.connected ?? false,
    logger,
  });
  const sendEvent: DeviceEventSend = (device, event) => {
    const seq = (eventSeq.get(device) ?? 0) + 1;
    eventSeq.set(device, seq);
    outbox.enqueue(
      o.topics.deviceEvent(device),
      JSON.stringify({ seq, epoch: o.epoch, ts: new Date(o.clock()).toISOString(), ...event }),
    );
    o.onEvent(device, event);
  };
  // MQTT 5: Response Topic / Correlation Data of a job request (src/mqtt/v5.ts).
  const requestResponse = createRequestResponse(o.external, {
    db: o.db,
    commit: o.commit,
    onError: (e) => logger.warn({ err: e }, "correlation data not stored"),
  });
  const sendReply: ReplySend = (replyTo, reply) =>
    outbox.enqueue(replyTo, JSON.stringify(reply), false, requestResponse.replyProperties(reply));
  return { outbox, requestResponse, sendEvent, sendReply };
}

/** What {@link createAnnouncer} publishes, read afresh at every (re)connect. */
export interface AnnounceSources {
  topics: Topics;
  /** The filters to subscribe (the job topics among them). */
  subscriptions(): string[];
  /** The retained `gateway/{gw}/state` document saying `online`. */
  online(): string;
  /** The retained `gateway/{gw}/info` document. */
  info(): string;
  devices: {
    ids(): Iterable<string>;
    inventory(): unknown;
    stateDocument(id: string): unknown;
    description(id: string): unknown;
  };
  /** The latest signed audit checkpoint, if any. */
  checkpoint(): string | undefined;
  /** Starts draining the outbox. */
  kick(): void;
}

/**
 * Subscribes and publishes the retained documents. Runs after every (re)connect: a broker
 * restarted without persistence has lost them.
 */
export function createAnnouncer(s: AnnounceSources): (c: MqttConnection) => Promise<void> {
  const t = s.topics;
  return async (c) => {
    await c.subscribe(s.subscriptions());
    await c.publish(t.gatewayState, s.online(), { retain: true });
    await c.publish(t.gatewayInfo, s.info(), { retain: true });
    await c.publish(t.gatewayDevices, JSON.stringify(s.devices.inventory()), { retain: true });
    const checkpoint = s.checkpoint();
    if (checkpoint !== undefined) await c.publish(t.auditCheckpoint, checkpoint, { retain: true });
    for (const id of s.devices.ids()) {
      await c.publish(t.deviceState(id), JSON.stringify(s.devices.stateDocument(id)), {
        retain: true,
      });
      await c.publish(t.deviceDescription(id), JSON.stringify(s.devices.description(id)), {
        retain: true,
      });
    }
    s.kick();
  };
}

/**
 * Connects the gateway to its broker. With `protocol_version: auto` on an external broker it tries
 * MQTT 5 first; a broker that only speaks 3.1.1 (aedes, an old Mosquitto) refuses the CONNECT with
 * "unacceptable protocol version" (CONNACK return code 1, or reason 0x84 in MQTT 5), and the
 * gateway speaks 3.1.1 to it instead.
 */
export async function connectGateway(o: {
  config: Pick<Config, "mqtt" | "gateway">;
  endpoint: BrokerEndpoint;
  /** On the embedded broker the gateway logs in with its per-start internal credential. */
  internal: { username: string; password: string };
  protocolVersion: 4 | 5;
  malformed: ConnectionOptions["malformed"];
  ready: Promise<void>;
  will: ConnectionOptions["will"];
  handle: ConnectionOptions["handle"];
  onConnect: ConnectionOptions["onConnect"];
  logger: Logger;
}): Promise<MqttConnection> {
  const { config, endpoint, logger } = o;
  const embedded = endpoint.broker !== undefined;
  const connectOptions: ConnectionOptions = {
    url: endpoint.url,
    clientId: config.mqtt.client_id ?? `labelgate-${config.gateway}`.slice(0, 23),
    username: embedded ? o.internal.username : config.mqtt.username,
    password: embedded ? o.internal.password : config.mqtt.password,
    tls: config.mqtt.tls,
    keepaliveS: config.mqtt.keepalive_s,
    protocolVersion: o.protocolVersion,
    sessionExpiryS: config.mqtt.session_expiry_s,
    malformed: o.malformed,
    ready: o.ready,
    will: o.will,
    logger,
    handle: o.handle,
    onConnect: o.onConnect,
  };
  const autoVersion = config.mqtt.protocol_version === "auto" && !embedded;
  return connectMqtt(connectOptions).catch((e: unknown) => {
    const code = (e as { code?: unknown }).code;
    if (!autoVersion || connectOptions.protocolVersion !== 5 || (code !== 1 && code !== 0x84))
      throw e;
    logger.warn({ broker: endpoint.url }, "broker refused MQTT 5; using MQTT 3.1.1");
    return connectMqtt({ ...connectOptions, protocolVersion: 4 });
  });
}
