/**
 * Management wiring for `main.ts` (DESIGN.md §3): the router of `gateway/{gw}/request/{action}`
 * with the access layer's, the scan stations' and the job resolution actions registered on it.
 */
import type { AccessLayer } from "../access/wiring.ts";
import { registerStationActions, type ScanStations } from "../devices/scan-station.ts";
import { registerJobActions } from "../jobs/resolve.ts";
import type { JobPorts } from "../jobs/wiring.ts";
import type { Topics } from "../mqtt/topics.ts";
import { registerAccessActions } from "./access-actions.ts";
import { createManagementRouter, type ManagementRouter } from "./router.ts";

export function createManagement(o: {
  topics: Topics;
  /** Publishes JSON on a topic (dropped while the broker is not connected). */
  publish: (topic: string, payload: unknown) => void;
  access: AccessLayer;
  scanStations: ScanStations;
  ports: JobPorts;
  /** Hands a resolved job back to its device's queue (a `reprint`). */
  enqueue: (device: string, jobId: string) => void;
  phoneMinHidden: number;
}): ManagementRouter {
  const { access, ports } = o;
  // Management requests (DESIGN.md §3): other modules register their actions on this router.
  const management = createManagementRouter({
    topics: o.topics,
    publish: o.publish,
    clock: ports.clock,
    logger: ports.logger,
    authorize: access.managementAuth,
  });
  registerAccessActions(management, access);
  registerStationActions(management, o.scanStations, access.operators);
  // In-doubt jobs are resolved by a supervisor, never automatically (issue #9).
  registerJobActions(management, {
    inbox: ports.inbox,
    operators: access.operators,
    audit: ports.audit,
    commit: ports.commit,
    reply: ports.reply,
    event: ports.event,
    enqueue: o.enqueue,
    phoneMinHidden: o.phoneMinHidden,
    clock: ports.clock,
  });
  return management;
}
