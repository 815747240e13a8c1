import { DRIVERS } from "../drivers/index.ts";
import { createAccessLayer } from "./access/wiring.ts";
import { createRecordUpkeep } from "./audit/upkeep.ts";
import { createAuditAppend, openAuditLog } from "./audit/wiring.ts";
import type { Config } from "./config/schema.ts";
import { loadOrCreateSigningKey } from "./crypto/keys.ts";
import { createSealer } from "./crypto/wiring.ts";
import { createDurableWriter, openStorage } from "./db/wiring.ts";
import type { TransportBindings } from "./devices/transport-factory.ts";
import type { DeviceRuntime } from "./devices/runtime.ts";
import { wireDevices, wireScanStations } from "./devices/wiring.ts";
import { gatewayInfo } from "./gateway-docs.ts";
import { createInbox } from "./jobs/inbox.ts";
import { createJobIntake, recoverJobs, type JobPorts } from "./jobs/wiring.ts";
import type { Logger } from "./log.ts";
import { topics as makeTopics } from "./mqtt/topics.ts";
import {
  connectGateway,
  createAnnouncer,
  createMessaging,
  createMqttLink,
  startBroker,
} from "./mqtt/wiring.ts";
import type { ManagementRouter } from "./management/router.ts";
import { createManagement } from "./management/wiring.ts";
import { createWaybillDetector } from "./privacy/index.ts";
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
  // A standby that claims devices starts above the old owner's epoch (fencing, issue #11).
  const { dataDir, db, keys, epoch } = openStorage({
    dataDir: config.data_dir,
    minEpoch: o.cluster?.minEpoch ?? 0,
  });
  const audit = openAuditLog({ db, keys, config, clock });
  // Console, HTTP API, metrics and alerts (issue #12): they observe every audit record.
  const web = createWebSupport({
    db,
    config,
    clock,
    logger,
    publishAlert: (a) => messaging.outbox.enqueue(t.gatewayAlert, JSON.stringify(a)),
  });
  const auditAppend = web.observeAudit(createAuditAppend(audit, config));
  // Operators, clients, approvals, lockdown, waybill life cycle (issue #8).
  const access = createAccessLayer({ db, keys, config, audit: auditAppend, clock });
  // Waybill numbers in text fields: the built-in carrier shapes plus the site's formats.
  const waybillDetector = createWaybillDetector(config.waybills.carriers);
  const inbox = createInbox(db, createSealer(keys));
  const transaction = <T>(fn: () => T): T => db.transaction(fn)();
  // Group commit (issue #7): inbox inserts and print.dispatched records share one fsync per batch.
  const writer = createDurableWriter({ db, logger, onAuditFailure: () => web.auditFailure() });
  const commit = writer.commit;
  const t = makeTopics({ base: config.mqtt.base_topic, site: config.site }, config.gateway);
  // Set once the first CONNACK arrived; publishes before then are dropped (nothing to say yet).
  const link = createMqttLink(logger);
  // Signed audit checkpoints (issue #7) and the purge of finished jobs' payloads.
  const upkeep = createRecordUpkeep({
    config,
    db,
    commit,
    dataDir,
    audit: auditAppend,
    clock,
    logger,
    publishCheckpoint: (note) => {
      if (!link.current) return;
      link.current
        .publish(t.auditCheckpoint, note, { retain: true })
        .catch((e: unknown) => logger.warn({ err: e }, "checkpoint publish failed"));
    },
  });
  writer.onDurable(upkeep.checkpointer.recordsAdded);
  const cleanups: Array<() => Promise<void> | void> = [];

  const endpoint = await startBroker({ config, access, cleanups, logger });
  const brokerUrl = endpoint.url;
  // Replies, job events and alerts go through the durable outbox (issue #9).
  const messaging = createMessaging({
    db,
    commit,
    link,
    external: config.mqtt.url !== undefined,
    topics: t,
    epoch,
    onEvent: (device, event) => web.event(device, event),
    clock,
    logger,
  });
  const { outbox, requestResponse } = messaging;
  const ports: JobPorts = {
    inbox,
    audit: auditAppend,
    reply: messaging.sendReply,
    event: messaging.sendEvent,
    transaction,
    commit,
    clock,
    logger,
  };
  const cluster = clusterWiring({
    config,
    topics: t,
    epoch,
    hooks: o.cluster,
    connection: () => link.current,
    reply: messaging.sendReply,
    handOn: (topic, payload, properties) => outbox.enqueue(topic, payload, false, properties),
    db,
    commit,
    logger,
  });

  // Devices, their simulators and queues (src/devices/manager.ts).
  const { manager: deviceManager, commands: deviceCommands } = await wireDevices({
    config,
    dataDir,
    epoch,
    topics: t,
    publish: link.publishJson,
    ports,
    preflight: access.admission.preflight,
    onAuditFailure: () => web.auditFailure(),
    beforeDispatch: cluster.beforeDispatch,
    bindings: o.bindings,
  });
  const { devices, simulators } = deviceManager;

  const intake = createJobIntake({
    config,
    topics: t,
    ports,
    devices: deviceManager,
    admission: access.admission,
    waybills: waybillDetector,
    hmacKey: keys.hmac,
  });
  const scanStations = wireScanStations({
    config,
    ports,
    access,
    submit: (device, payload) => intake.handle(t.deviceJob(device), payload),
    hid: o.bindings?.hid,
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
  const management = createManagement({
    topics: t,
    publish: link.publishJson,
    access,
    scanStations,
    ports,
    enqueue: (d, j) => deviceManager.enqueue(d, j),
    phoneMinHidden: config.privacy.phone_min_hidden,
  });

  const stateTopicPayload = (state: "online" | "offline") =>
    JSON.stringify({ state, epoch, ts: new Date(clock()).toISOString() });

  // Retained documents are published after every (re)connect: a broker restarted without
  // persistence has lost them.
  const announce = createAnnouncer({
    topics: t,
    subscriptions: () => cluster.subscriptions([...devices.keys()]),
    online: () => stateTopicPayload("online"),
    info: () => JSON.stringify(gatewayInfo(config, DRIVERS, brokerUrl)),
    devices: {
      ids: () => devices.keys(),
      inventory: () => deviceManager.inventory(),
      stateDocument: (id) => deviceManager.stateDocument(id),
      description: (id) => deviceManager.description(id),
    },
    checkpoint: () => upkeep.checkpointer.latest(),
    kick: () => outbox.kick(),
  });

  // A persistent session's queued jobs are handled only after recovery (below).
  let recoveryDone: () => void = () => undefined;
  const recovered = new Promise<void>((r) => (recoveryDone = r));
  // protocol_version auto tries MQTT 5 on an external broker and falls back to 3.1.1
  // (src/mqtt/wiring.ts).
  const mqttConn = await connectGateway({
    config,
    endpoint,
    internal: access.internal,
    protocolVersion: cluster.protocolVersion(endpoint.broker !== undefined),
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
    // The first connect is announced below, once the link is set; this covers reconnects.
    onConnect: async () => {
      if (link.current) await announce(link.current);
    },
  });
  link.set(mqttConn);
  // Jobs left unfinished by the previous run are recovered BEFORE the job topics are subscribed
  // (announce): a new job must never be mistaken for a leftover and run, or be declared in doubt,
  // twice.
  // Devices that can tell whether an interrupted job reached them are asked first (issue #9).
  await recoverJobs({ ports, devices: deviceManager, rfid: config.rfid });
  recoveryDone();
  await announce(mqttConn);
  deviceManager.start();
  await scanStations.start();

  upkeep.start();
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
      await upkeep.stop();
      // What the outbox still holds stays stored and goes out after the next start.
      await outbox.flush(2000);
      outbox.stop();
      await mqttConn.close({ topic: t.gatewayState, payload: stateTopicPayload("offline") });
      for (const c of cleanups.reverse()) await c();
      await writer.close();
      db.close();
      logger.info("gateway stopped");
    },
  };
}
