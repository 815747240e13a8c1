import { randomBytes } from "node:crypto";
import type { Config } from "../config/schema.ts";
import type { Keys } from "../crypto/keys.ts";
import type { Db } from "../db/open.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import { createAdmission } from "./admission.ts";
import { createApprovalStore } from "./approvals.ts";
import { createBrokerAccess } from "./broker-access.ts";
import { createClientStore } from "./clients.ts";
import { createLockdownStore } from "./lockdown.ts";
import { createManagementAuth } from "./management-auth.ts";
import type { BrokerRefusal } from "../mqtt/broker.ts";
import { createOperatorStore } from "./operators.ts";
import { createRefusalAudit } from "./refusal-audit.ts";
import { createAccessService } from "./service.ts";
import { createStationLoginStore } from "./station-logins.ts";
import { createWaybillStore } from "./waybills.ts";

/**
 * Builds the access layer of one gateway database (operators, clients, approvals, lockdown,
 * waybill life cycle) for `main.ts` and the CLI, which share the database: every check reads
 * the tables, so a change made by the CLI applies to the running daemon at once.
 */
export function createAccessLayer(o: {
  db: Db;
  keys: Keys;
  config: Config;
  audit: AuditAppend;
  clock?: () => number;
}) {
  const operators = createOperatorStore(o.db);
  const approvals = createApprovalStore(o.db, operators);
  const lockdown = createLockdownStore(o.db, operators);
  const clients = createClientStore(o.db);
  const waybills = createWaybillStore(o.db, o.keys);
  // Scan station log-ins, kept across restarts (src/devices/scan-station.ts).
  const stationLogins = createStationLoginStore(o.db);
  const admission = createAdmission({
    operators,
    approvals,
    lockdown,
    waybills,
    access: o.config.access,
    carriers: o.config.waybills.carriers,
    lifeCycle: o.config.waybills.life_cycle,
    privacy: o.config.privacy,
    audit: o.audit,
  });
  const service = createAccessService({
    operators,
    approvals,
    lockdown,
    clients,
    audit: o.audit,
    approvalTtlMs: o.config.access.approval_ttl_s * 1000,
  });
  // The gateway's own login to its embedded broker: made fresh at every start, never stored.
  const internal = {
    username: `labelgate-${o.config.gateway}`.slice(0, 23),
    password: randomBytes(24).toString("base64url"),
  };
  const brokerAccess = createBrokerAccess({
    clients,
    site: `${o.config.mqtt.base_topic}/${o.config.site}`,
    allowAnonymous: o.config.mqtt.embedded.allow_anonymous,
    internal,
  });
  // Refused connects, publishes and subscribes: the first few per source and minute one by one,
  // the rest as one summary per source (refusal-audit.ts), so a flood cannot fill the log.
  const refusals = createRefusalAudit({ audit: o.audit, clock: o.clock ?? Date.now });
  const onBrokerRefused = (r: BrokerRefusal) => refusals.record(r);
  // A management request that names an acting operator must carry that operator's credential.
  const managementAuth = createManagementAuth({
    operators,
    audit: o.audit,
    clock: o.clock ?? Date.now,
  });
  return {
    managementAuth,
    operators,
    approvals,
    lockdown,
    clients,
    waybills,
    stationLogins,
    admission,
    service,
    internal,
    brokerAccess,
    onBrokerRefused,
    refusals,
  };
}

export type AccessLayer = ReturnType<typeof createAccessLayer>;
