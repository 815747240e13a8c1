import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { DRIVERS } from "../drivers/index.ts";
import { createAccessLayer } from "./access/wiring.ts";
import { createAuditAppend, openAuditLog } from "./audit/wiring.ts";
import type { Config } from "./config/schema.ts";
import { loadOrCreateKeys, loadOrCreateSigningKey } from "./crypto/keys.ts";
import { createSealer } from "./crypto/wiring.ts";
import { checkpointOrigin } from "./audit/checkpoint.ts";
import { createCheckpointer } from "./audit/checkpointer.ts";
import { createGroupCommit } from "./db/group-commit.ts";
import { createOutbox } from "./mqtt/outbox.ts";
import { openDatabase, type Db } from "./db/open.ts";
import { createDeviceCommands } from "./devices/commands.ts";
import { createDeviceManager } from "./devices/manager.ts";
import { createScanStations, registerStationActions } from "./devices/scan-station.ts";
import type { TransportBindings } from "./devices/transport-factory.ts";
import type { DeviceRuntime } from "./devices/runtime.ts";
import { gatewayInfo } from "./gateway-docs.ts";
import { createInbox } from "./jobs/inbox.ts";
import { createPayloadPurger } from "./jobs/payload-purge.ts";
import { createIntake } from "./jobs/intake.ts";
import type { Reply } from "./jobs/ports.ts";
import { recoverUnfinished } from "./jobs/recovery.ts";
import { createAskDevice } from "./jobs/ask-device.ts";
import type { Logger } from "./log.ts";
import type { EmbeddedBroker } from "./mqtt/broker.ts";
import { connectMqtt, type MqttConnection } from "./mqtt/connection.ts";
import { topics as makeTopics } from "./mqtt/topics.ts";
import { createRequestResponse } from "./mqtt/v5.ts";
import { registerAccessActions } from "./management/access-actions.ts";
import { registerJobActions } from "./jobs/resolve.ts";
import { createManagementRouter, type ManagementRouter } from "./management/router.ts";
import { createWaybillDetector, guardWaybillData } from "./privacy/index.ts";
import { createRfidIntakeCheck } from "./rfid/intake.ts";
import { createWebSupport } from "./web/wiring.ts";
import { clusterWiring, type ClusterHooks } from "./cluster/wiring.ts";
import type { HostedSimulator } from "./simulators/index.ts";
import type { OeplApSimulator } from "./simulators/oepl-ap.ts";

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  clock?: () => number;
  /** Serial / USB / HID library bindings (tests inject fakes; default: the real libraries). */
  bindings?: TransportBindings;
  /** Several gateways on one broker (src/cluster/run.ts): claim epoch, fencing, the ledger. */
  cluster?: ClusterHooks;
}

export interface Gateway {
  readonly brokerUrl: string;
  readonly dataDir: string;
  readonly epoch: number;
  readonly simulators: ReadonlyMap<string, HostedSimulator>;
  /** The simulated OpenEPaperLink AP of simulated e-paper tags (src/epaper/host.ts). */
  readonly oeplSimulator: OeplApSimulator | undefined;
  readonly devices: ReadonlyMap<string, DeviceRuntime>;
  /** `http://host:port` of the console and HTTP API, when `http.enabled`. */
  readonly webUrl: string | undefined;
  /** Management request actions (`gateway/{gw}/request/{action}`); register more with it. */
  readonly management: ManagementRouter;
  stop(): Promise<void>;
}

/**
 * The composition root: the only place that wires concrete parts together (DESIGN.md §1).
 * Order matters: storage first (nothing is accepted that cannot be stored and audited), then the
 * devices, then the broker connection that lets jobs in.
 */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const { config, logger } = o;
  const clock = o.clock ?? Date.now;
  const dataDir = resolve(config.data_dir);
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(join(dataDir, "labelgate.db"));
  const keys = loadOrCreateKeys(dataDir);
  // A standby that claims devices starts above the old owner's epoch (fencing, issue #11).
  const epoch = nextEpoch(db, o.cluster?.minEpoch ?? 0);
  const audit = openAuditLog({ db, keys, config, clock });
  // Console, HTTP API, metrics and alerts (issue #12): they observe every audit record.
  const web = createWebSupport({
    db,
    config,
    clock,
    logger,
    publishAlert: (a) => outbox.enqueue(t.gatewayAlert, JSON.stringify(a)),
  });
  const auditAppend = web.observeAudit(createAuditAppend(audit, config));
  // Operators, clients, approvals, lockdown, waybill life cycle (issue #8).
  const access = createAccessLayer({ db, keys, config, audit: auditAppend, clock });
  // Waybill numbers in text fields: the built-in carrier shapes plus the site's formats.
  const waybillDetector = createWaybillDetector(config.waybills.carriers);
  const inbox = createInbox(db, createSealer(keys));
  const transaction = <T>(fn: () => T): T => db.transaction(fn)();
  // Group commit (issue #7): inbox inserts and print.dispatched records share one fsync per batch.
  const writer = createGroupCommit(db, {
    // A full disk pauses printing and intake (jobs are refused as retryable) until space returns.
    onDiskFull: () => {
      logger.error("the data directory's disk is full; printing paused, jobs refused as retryable");
      web.auditFailure();
    },
    onRecovered: () => logger.warn("the data directory has space again; printing resumes"),
    onFailure: (e) => {
      logger.error({ err: e }, "the database cannot be made durable; printing stopped");
      web.auditFailure();
    },
  });
  const commit = writer.commit;
  const t = makeTopics({ base: config.mqtt.base_topic, site: config.site }, config.gateway);
  // Signed audit checkpoints (issue #7): every 10 s / 1,000 records / on stop, published retained.
  const checkpointer = createCheckpointer({
    db,
    commit,
    key: loadOrCreateSigningKey(dataDir),
    origin: checkpointOrigin(config.site, config.gateway),
    clock,
    logger,
    record: () => auditAppend({ action: "checkpoint.published", outcome: "ok" }),
    intervalMs: config.audit.checkpoint_interval_s * 1000,
    maxRecords: config.audit.checkpoint_records,
    publish: (note) => {
      if (!mqttConn) return;
      mqttConn
        .publish(t.auditCheckpoint, note, { retain: true })
        .catch((e: unknown) => logger.warn({ err: e }, "checkpoint publish failed"));
    },
  });
  writer.onDurable(checkpointer.recordsAdded);
  // Finished jobs' sealed payloads leave the inbox after audit.payload_retention_h (audited).
  const payloadPurger = createPayloadPurger({
    db,
    audit: auditAppend,
    retentionMs: config.audit.payload_retention_h * 3_600_000,
    clock,
    logger,
  });
  const cleanups: Array<() => Promise<void> | void> = [];

  let broker: EmbeddedBroker | undefined;
  const useEmbedded = config.mqtt.url === undefined || config.mqtt.embedded.enabled;
  if (useEmbedded && config.mqtt.url === undefined) {
    // aedes loads only for the embedded broker (README "Performance").
    const { startEmbeddedBroker } = await import("./mqtt/broker.ts");
    broker = await startEmbeddedBroker({
      host: config.mqtt.embedded.host,
      port: config.mqtt.embedded.port,
      access: access.brokerAccess,
      onRefused: access.onBrokerRefused,
      tls: config.mqtt.embedded.tls,
    });
    cleanups.push(() => broker?.close());
    cleanups.push(() => access.refusals.stop());
    logger.info(
      { host: broker.host, port: broker.port, tls_port: broker.tlsPort },
      "embedded MQTT broker listening",
    );
  }
  const brokerUrl =
    config.mqtt.url ??
    `mqtt://${broker!.host === "0.0.0.0" ? "127.0.0.1" : broker!.host}:${broker!.port}`;

  // Set once the first CONNACK arrived; publishes before then are dropped (nothing to say yet).
  // eslint-disable-next-line prefer-const
  let mqttConn: MqttConnection | undefined;
  const eventSeq = new Map<string, number>();

  const publish = (topic: string, payload: unknown, retain = false) => {
    if (!mqttConn) return;
    mqttConn
      .publish(topic, JSON.stringify(payload), { retain })
      .catch((e: unknown) => logger.warn({ err: e, topic }, "publish failed"));
  };
  // Replies, job events and alerts go through the durable outbox (issue #9): stored with the
  // group commit, published in order once connected, deleted on PUBACK; a broker outage loses none.
  const outbox = createOutbox({
    db,
    commit,
    publish: (topic, payload, retain, properties) =>
      mqttConn
        ? mqttConn.publish(topic, payload, { retain, properties })
        : Promise.reject(new Error("not connected")),
    isConnected: () => mqttConn?.connected ?? false,
    logger,
  });
  const sendEvent = (device: string, event: Record<string, unknown>) => {
    const seq = (eventSeq.get(device) ?? 0) + 1;
    eventSeq.set(device, seq);
    outbox.enqueue(
      t.deviceEvent(device),
      JSON.stringify({ seq, epoch, ts: new Date(clock()).toISOString(), ...event }),
    );
    web.event(device, event);
  };
  // MQTT 5: Response Topic / Correlation Data of a job request (src/mqtt/v5.ts).
  const requestResponse = createRequestResponse(config.mqtt.url !== undefined, {
    db,
    commit,
    onError: (e) => logger.warn({ err: e }, "correlation data not stored"),
  });
  const sendReply = (replyTo: string, reply: Reply) =>
    outbox.enqueue(replyTo, JSON.stringify(reply), false, requestResponse.replyProperties(reply));
  const cluster = clusterWiring({
    config,
    topics: t,
    epoch,
    hooks: o.cluster,
    connection: () => mqttConn,
    reply: sendReply,
    handOn: (topic, payload, properties) => outbox.enqueue(topic, payload, false, properties),
    db,
    commit,
    logger,
  });

  // Devices, their simulators and queues (src/devices/manager.ts).
  const deviceManager = await createDeviceManager({
    config,
    dataDir,
    epoch,
    clock,
    logger,
    topics: t,
    publish,
    event: sendEvent,
    audit: auditAppend,
    ...(o.bindings !== undefined && { bindings: o.bindings }),
    queueDeps: {
      inbox,
      audit: auditAppend,
      reply: sendReply,
      event: sendEvent,
      transaction,
      commit,
      preflight: access.admission.preflight,
      clock,
      logger,
      rfid: config.rfid,
      onAuditFailure: () => web.auditFailure(),
      ...(cluster.beforeDispatch !== undefined && { beforeDispatch: cluster.beforeDispatch }),
    },
  });
  const { devices, simulators } = deviceManager;
  const deviceCommands = createDeviceCommands({
    topics: t,
    manager: deviceManager,
    inbox,
    audit: auditAppend,
    reply: sendReply,
    event: sendEvent,
    publish,
    clock,
    logger,
    expectedIdentity: (id) => config.devices.find((d) => d.id === id)?.identity,
  });

  const intake = createIntake({
    topics: t,
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
    deviceKinds: (id) => devices.get(id)?.driver.jobKinds,
    guard: (data, now) =>
      guardWaybillData(data, {
        phoneMinHidden: config.privacy.phone_min_hidden,
        now,
        waybills: waybillDetector,
      }),
    rfid: createRfidIntakeCheck(config.rfid, config.privacy.phone_min_hidden),
    admission: access.admission,
    inbox,
    transaction,
    commit,
    audit: auditAppend,
    reply: sendReply,
    event: sendEvent,
    enqueue: (device, jobId) => deviceManager.enqueue(device, jobId),
    routePool: (topic, payload) => deviceManager.pools.route(topic, payload),
    hmacKey: keys.hmac,
    clock,
    logger,
  });
  const scanStations = createScanStations({
    config,
    inbox,
    audit: auditAppend,
    operators: access.operators,
    printedJobs: (waybillNo) =>
      access.waybills
        .life(waybillNo)
        .events.filter((e) => e.kind === "print" || e.kind === "reprint")
        .map((e) => e.jobId)
        .filter((j) => j !== undefined),
    submit: (device, payload) => intake.handle(t.deviceJob(device), payload),
    hid: o.bindings?.hid,
    clock,
    logger,
  });

  const webServer = await web.start({
    keys,
    auditLog: audit,
    signingKey: loadOrCreateSigningKey(dataDir),
    dataDir,
    ...access,
    devices,
    stateDocument: deviceManager.stateDocument,
    submit: intake.submit,
    copiesOf: (jobId) => inbox.envelope(jobId).payload.copies,
    resolveJob: (jobId, state, outcome) => inbox.setState(jobId, state, clock(), outcome),
  });
  cleanups.push(async () => {
    web.stop();
    await webServer?.close();
  });

  // Management requests (DESIGN.md §3): other modules register their actions on this router.
  const management = createManagementRouter({
    topics: t,
    publish,
    clock,
    logger,
    authorize: access.managementAuth,
  });
  registerAccessActions(management, access);
  registerStationActions(management, scanStations, access.operators);
  // In-doubt jobs are resolved by a supervisor, never automatically (issue #9).
  registerJobActions(management, {
    inbox,
    operators: access.operators,
    audit: auditAppend,
    commit,
    reply: sendReply,
    event: sendEvent,
    enqueue: (d, j) => deviceManager.enqueue(d, j),
    phoneMinHidden: config.privacy.phone_min_hidden,
    clock,
  });

  const stateTopicPayload = (state: "online" | "offline") =>
    JSON.stringify({ state, epoch, ts: new Date(clock()).toISOString() });

  // Retained documents are published after every (re)connect: a broker restarted without
  // persistence has lost them.
  const announce = async (c: MqttConnection) => {
    await c.subscribe(cluster.subscriptions([...devices.keys()]));
    await c.publish(t.gatewayState, stateTopicPayload("online"), { retain: true });
    await c.publish(t.gatewayInfo, JSON.stringify(gatewayInfo(config, DRIVERS, brokerUrl)), {
      retain: true,
    });
    await c.publish(t.gatewayDevices, JSON.stringify(deviceManager.inventory()), { retain: true });
    const checkpoint = checkpointer.latest();
    if (checkpoint !== undefined) await c.publish(t.auditCheckpoint, checkpoint, { retain: true });
    for (const id of devices.keys()) {
      await c.publish(t.deviceState(id), JSON.stringify(deviceManager.stateDocument(id)), {
        retain: true,
      });
      await c.publish(t.deviceDescription(id), JSON.stringify(deviceManager.description(id)), {
        retain: true,
      });
    }
    outbox.kick();
  };

  // A persistent session's queued jobs are handled only after recovery (below).
  let recoveryDone: () => void = () => undefined;
  const recovered = new Promise<void>((r) => (recoveryDone = r));
  const connectOptions: Parameters<typeof connectMqtt>[0] = {
    url: brokerUrl,
    clientId: config.mqtt.client_id ?? `labelgate-${config.gateway}`.slice(0, 23),
    // On the embedded broker the gateway logs in with its per-start internal credential.
    username: broker ? access.internal.username : config.mqtt.username,
    password: broker ? access.internal.password : config.mqtt.password,
    tls: config.mqtt.tls,
    keepaliveS: config.mqtt.keepalive_s,
    protocolVersion: cluster.protocolVersion(broker !== undefined),
    sessionExpiryS: config.mqtt.session_expiry_s,
    malformed: cluster.malformed,
    ready: recovered,
    will: { topic: t.gatewayState, payload: JSON.stringify({ state: "offline", epoch }) },
    logger,
    handle: async (msg) => {
      if (await management.handle(msg.topic, msg.payload)) return;
      if (await deviceCommands.handle(msg.topic, msg.payload)) return;
      const job = requestResponse.inbound(msg);
      if (await cluster.intercept(msg.topic, job, msg.properties)) return;
      await intake.handle(msg.topic, job);
    },
    // The first connect is announced below, once `mqttConn` is set; this covers reconnects.
    onConnect: async () => {
      if (mqttConn) await announce(mqttConn);
    },
  };
  // protocol_version auto tries MQTT 5 on an external broker; one that only speaks 3.1.1 (aedes,
  // an old Mosquitto) refuses the CONNECT with "unacceptable protocol version" (CONNACK return
  // code 1, or reason 0x84 in MQTT 5), and the gateway speaks 3.1.1 to it instead.
  const autoVersion = config.mqtt.protocol_version === "auto" && broker === undefined;
  mqttConn = await connectMqtt(connectOptions).catch((e: unknown) => {
    const code = (e as { code?: unknown }).code;
    if (!autoVersion || connectOptions.protocolVersion !== 5 || (code !== 1 && code !== 0x84))
      throw e;
    logger.warn({ broker: brokerUrl }, "broker refused MQTT 5; using MQTT 3.1.1");
    return connectMqtt({ ...connectOptions, protocolVersion: 4 });
  });
  // Jobs left unfinished by the previous run are recovered BEFORE the job topics are subscribed
  // (announce): a new job must never be mistaken for a leftover and run, or be declared in doubt,
  // twice.
  // Devices that can tell whether an interrupted job reached them are asked first (issue #9).
  await recoverUnfinished({
    inbox,
    audit: auditAppend,
    reply: sendReply,
    event: sendEvent,
    clock,
    logger,
    enqueue: (d, j, pool) => deviceManager.enqueue(d, j, pool),
    askDevice: createAskDevice({ devices, inbox, timeoutMs: 3000, rfid: config.rfid }),
  });
  recoveryDone();
  await announce(mqttConn);
  deviceManager.start();
  await scanStations.start();

  checkpointer.start();
  payloadPurger.start();
  logger.info(
    { site: config.site, gateway: config.gateway, epoch, devices: devices.size, broker: brokerUrl },
    "gateway started",
  );

  return {
    brokerUrl,
    dataDir,
    epoch,
    simulators,
    oeplSimulator: deviceManager.oeplSimulator,
    devices,
    management,
    webUrl: webServer?.url,
    async stop() {
      await scanStations.stop();
      await deviceManager.stop();
      payloadPurger.stop();
      await checkpointer.stop();
      // What the outbox still holds stays stored and goes out after the next start.
      await outbox.flush(2000);
      outbox.stop();
      await mqttConn?.close({ topic: t.gatewayState, payload: stateTopicPayload("offline") });
      for (const c of cleanups.reverse()) await c();
      await writer.close();
      db.close();
      logger.info("gateway stopped");
    },
  };
}

/** The gateway epoch: +1 on every start, persisted, carried in state documents (fencing). */
function nextEpoch(db: Db, atLeast: number): number {
  db.exec("CREATE TABLE IF NOT EXISTS gateway_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  return db.transaction(() => {
    const row = db
      .prepare<[], { value: string }>("SELECT value FROM gateway_meta WHERE key = 'epoch'")
      .get();
    const epoch = Math.max((row ? Number(row.value) : 0) + 1, atLeast);
    db.prepare("INSERT OR REPLACE INTO gateway_meta (key, value) VALUES ('epoch', ?)").run(
      String(epoch),
    );
    return epoch;
  })();
}
