/**
 * Device wiring for `main.ts` (DESIGN.md §6): the device manager (transports, simulators, pools,
 * one queue per device), the request/response device commands, and the scan stations.
 */
import type { AccessLayer } from "../access/wiring.ts";
import type { Config } from "../config/schema.ts";
import type { DispatcherDeps } from "../jobs/dispatcher.ts";
import type { JobPorts } from "../jobs/wiring.ts";
import type { Topics } from "../mqtt/topics.ts";
import { createDeviceCommands } from "./commands.ts";
import { createDeviceManager, type DeviceManager } from "./manager.ts";
import { createScanStations, type ScanStations } from "./scan-station.ts";
import type { TransportBindings } from "./transport-factory.ts";

export interface DeviceWiring {
  readonly manager: DeviceManager;
  /** Handles `device/{dev}/cmd/{name}` requests; false for any other topic. */
  readonly commands: ReturnType<typeof createDeviceCommands>;
}

/** Builds the devices, their simulators and queues (src/devices/manager.ts), and their commands. */
export async function wireDevices(o: {
  config: Config;
  dataDir: string;
  epoch: number;
  topics: Topics;
  /** Publishes JSON on a topic (dropped while the broker is not connected). */
  publish: (topic: string, payload: unknown, retain?: boolean) => void;
  ports: JobPorts;
  /** The access checks a queued job passes again right before it is dispatched. */
  preflight: DispatcherDeps["preflight"];
  onAuditFailure: () => void;
  /** The cluster's dispatch barrier (src/cluster/wiring.ts); absent with one gateway. */
  beforeDispatch: DispatcherDeps["beforeDispatch"] | undefined;
  bindings: TransportBindings | undefined;
}): Promise<DeviceWiring> {
  const { config, topics, ports } = o;
  const manager = await createDeviceManager({
    config,
    dataDir: o.dataDir,
    epoch: o.epoch,
    clock: ports.clock,
    logger: ports.logger,
    topics,
    publish: o.publish,
    event: ports.event,
    audit: ports.audit,
    ...(o.bindings !== undefined && { bindings: o.bindings }),
    queueDeps: {
      inbox: ports.inbox,
      audit: ports.audit,
      reply: ports.reply,
      event: ports.event,
      transaction: ports.transaction,
      commit: ports.commit,
      ...(o.preflight !== undefined && { preflight: o.preflight }),
      clock: ports.clock,
      logger: ports.logger,
      rfid: config.rfid,
      onAuditFailure: o.onAuditFailure,
      ...(o.beforeDispatch !== undefined && { beforeDispatch: o.beforeDispatch }),
    },
  });
  const commands = createDeviceCommands({
    topics,
    manager,
    inbox: ports.inbox,
    audit: ports.audit,
    reply: ports.reply,
    event: ports.event,
    publish: o.publish,
    clock: ports.clock,
    logger: ports.logger,
    expectedIdentity: (id) => config.devices.find((d) => d.id === id)?.identity,
  });
  return { manager, commands };
}

/**
 * The scan stations (src/devices/scan-station.ts): badge log-in against the operator accounts,
 * reprints of the jobs a waybill printed, jobs handed to the intake through `submit`.
 */
export function wireScanStations(o: {
  config: Config;
  ports: Pick<JobPorts, "inbox" | "audit" | "commit" | "clock" | "logger">;
  access: Pick<AccessLayer, "operators" | "waybills" | "stationLogins">;
  submit: (device: string, payload: Uint8Array) => Promise<void>;
  hid: TransportBindings["hid"];
}): ScanStations {
  const { ports, access } = o;
  return createScanStations({
    config: o.config,
    inbox: ports.inbox,
    audit: ports.audit,
    operators: access.operators,
    // Log-ins kept across restarts; each scan's idle clock through the group commit.
    logins: access.stationLogins,
    commit: ports.commit,
    printedJobs: (waybillNo) =>
      access.waybills
        .life(waybillNo)
        .events.filter((e) => e.kind === "print" || e.kind === "reprint")
        .map((e) => e.jobId)
        .filter((j) => j !== undefined),
    submit: o.submit,
    hid: o.hid,
    clock: ports.clock,
    logger: ports.logger,
  });
}
