import { join, resolve } from "node:path";
import { createManagementAuth } from "../access/management-auth.ts";
import { createOperatorStore } from "../access/operators.ts";
import { createAuditAppend, openAuditLog } from "../audit/wiring.ts";
import type { Config } from "../config/schema.ts";
import { createGroupCommit } from "../db/group-commit.ts";
import { openDatabase } from "../db/open.ts";
import { loadOrCreateKeys } from "../crypto/keys.ts";
import { CodedError, isCodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { startGateway, type Gateway } from "../main.ts";
import { topics as makeTopics } from "../mqtt/topics.ts";
import { connectWatch } from "../mqtt/watch.ts";
import { createSealer } from "../crypto/wiring.ts";
import { createInbox } from "../jobs/inbox.ts";
import { createJobLedger } from "./ledger.ts";
import { closeTakenOverJobs } from "./takeover.ts";
import { createPoolClaims } from "./pool-claims.ts";
import { createClusterStore } from "./store.ts";

/** Exit code of a gateway fenced by a higher-epoch claim: the service manager restarts it. */
export const EXIT_FENCED = 3;

/** Management action on a gateway that stood down: take its devices back (README). */
export const HANDBACK_ACTION = "cluster.handback";

/**
 * Session expiry of the watch connection (s): job events of this gateway's devices published while
 * it is down or restarting (by the owner it stands by for, or by the gateway that took its devices
 * over) are queued by the broker and delivered when it is back.
 */
export const WATCH_SESSION_S = 3600;

/**
 * How long a handback waits for the current owner to go offline after it was fenced (ms): it
 * exits as soon as its watch connection sees the claim, so a few times the grace period.
 */
const handbackWaitMs = (graceS: number) => Math.max(5000, 3 * graceS * 1000);

interface StateDoc {
  owner?: string;
  epoch?: number;
  state?: string;
}

const parse = (b: Buffer): StateDoc | undefined => {
  try {
    const v = JSON.parse(b.toString()) as unknown;
    return typeof v === "object" && v !== null ? (v as StateDoc) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The gateway database while the cluster layer runs alone (before `startGateway` opens it): the
 * cluster records, the inbox, operators and the audit log. Closed before the gateway starts.
 */
function openLocalStore(config: Config, log: Logger) {
  const dataDir = resolve(config.data_dir);
  const db = openDatabase(join(dataDir, "labelgate.db"));
  const writer = createGroupCommit(db, {
    onFailure: (e) => log.error({ err: e }, "the cluster records cannot be made durable"),
  });
  const keys = loadOrCreateKeys(dataDir);
  let lastEpoch = 0;
  try {
    const row = db
      .prepare<[], { value: string }>("SELECT value FROM gateway_meta WHERE key = 'epoch'")
      .get();
    lastEpoch = row ? Number(row.value) : 0;
  } catch {
    // No gateway_meta yet: this gateway never started.
  }
  return {
    db,
    writer,
    store: createClusterStore(db, writer.commit),
    inbox: createInbox(db, createSealer(keys)),
    operators: createOperatorStore(db),
    audit: createAuditAppend(openAuditLog({ db, keys, config, clock: Date.now }), config),
    lastEpoch,
  };
}

/**
 * `labelgate start` with `cluster.mode: multi` (issue #11). An owner first reads its devices'
 * retained states: a device claimed by another gateway makes it stand down and stand by for that
 * gateway. A standby watches its owner's retained `gateway/{gw}/state` (the last will says
 * `offline`), claims the devices `grace_s` after the owner went offline with an epoch one above
 * every epoch it saw, then starts serving them. A gateway that stood down takes its devices back
 * only on a supervisor's `cluster.handback` request: it publishes the higher-epoch claim first,
 * waits for the current owner to be fenced (offline), then serves. A running owner that sees a
 * device state with a higher epoch from another gateway is fenced: it dispatches nothing more and
 * exits.
 */
export async function runCluster(config: Config, logger: Logger): Promise<Gateway> {
  const log = logger.child({ component: "cluster" });
  const root = { base: config.mqtt.base_topic, site: config.site };
  const t = makeTopics(root, config.gateway);
  const me = config.gateway;
  const owned = config.devices.map((d) => d.id);
  const configuredStandby = config.cluster.role === "standby";
  const ledger = createJobLedger();
  const retentionS = config.cluster.claim_retention_s;
  // The record of the other owner's jobs is durable: a standby restarted while the owner is up
  // still knows what the owner dispatched before (group commit, like the inbox). It is opened
  // before the watch connection, whose persistent session may deliver queued events at once.
  // This gateway's own events (its epochs so far) are not the other owner's.
  const local = openLocalStore(config, log);
  ledger.recordAbove(local.lastEpoch);
  ledger.attach(local.store, retentionS);
  const watch = await connectWatch(config, `${me}-watch`.slice(0, 23), WATCH_SESSION_S);
  const states = new Map<string, StateDoc>();
  const claims = config.cluster.pool_claims
    ? createPoolClaims({ site: t.site, gateway: me, channel: watch, retentionS, logger })
    : undefined;
  let watchedGw: string | undefined;
  let watchedState: StateDoc | undefined;
  let onWatchedState: (() => void) | undefined;
  let onHandback: ((payload: Buffer) => Promise<void>) | undefined;
  let myEpoch = 0;
  let fenced = false;

  watch.onMessage((topic, payload) => {
    if (claims?.isClaimTopic(topic)) return claims.observe(topic, payload);
    for (const d of owned) {
      if (topic === t.deviceState(d)) {
        const doc = parse(payload);
        if (!doc) return;
        states.set(d, doc);
        if (myEpoch > 0 && doc.owner !== undefined && doc.owner !== me) {
          if ((doc.epoch ?? 0) > myEpoch) {
            fenced = true;
            log.error(
              { device: d, owner: doc.owner, epoch: doc.epoch, my_epoch: myEpoch },
              "fenced: another gateway claimed the device with a higher epoch; standing down",
            );
            logger.flush();
            process.exit(EXIT_FENCED);
          }
          // A lower epoch from an old owner that came back: the claim is asserted again.
          watch.publishRetained(t.deviceState(d), JSON.stringify({ owner: me, epoch: myEpoch }));
        }
        return;
      }
      // The ledger keeps the acknowledgement until the record is durable (standby phase).
      if (topic === t.deviceEvent(d)) return ledger.observe(d, payload);
    }
    if (watchedGw !== undefined && topic === makeTopics(root, watchedGw).gatewayState) {
      watchedState = parse(payload);
      onWatchedState?.();
      return;
    }
    if (topic === t.gatewayRequest(HANDBACK_ACTION)) void onHandback?.(payload);
    return;
  });
  if (claims !== undefined) {
    // After a reconnect, the retained claims come again before a new bid is trusted.
    watch.onReconnect(() => {
      claims.desync();
      watch.probe(`${t.site}/gateway/${me}/probe`).then(
        () => claims.resync(),
        (e: unknown) => log.warn({ err: e }, "claims not resynchronised"),
      );
    });
  }

  // Retained device states (and pool claims) first, up to a probe message of our own (in-order
  // delivery).
  await watch.subscribe([
    ...owned.map((d) => t.deviceState(d)),
    ...owned.map((d) => t.deviceEvent(d)),
    ...(claims !== undefined ? [claims.filter] : []),
  ]);
  await watch.probe(`${t.site}/gateway/${me}/probe`);

  let standbyFor = configuredStandby ? config.cluster.standby_for : undefined;
  const claimedBy = [...states.values()].find((s) => s.owner !== undefined && s.owner !== me);
  if (standbyFor === undefined && claimedBy?.owner !== undefined) {
    log.warn(
      { owner: claimedBy.owner, epoch: claimedBy.epoch },
      "standing down: the devices are owned by another gateway with its epoch; standing by for it",
    );
    standbyFor = claimedBy.owner;
  }

  let minEpoch = 0;
  if (standbyFor !== undefined) {
    watchedGw = standbyFor;
    const watchedTopics = makeTopics(root, standbyFor);
    claims?.attach(local.store);
    // A handback is a supervisor's act: checked and audited as every management request is.
    const { operators, audit } = local;
    const authorize = createManagementAuth({ operators, audit });
    await watch.subscribe([watchedTopics.gatewayState, t.gatewayRequest(HANDBACK_ACTION)]);
    log.info(
      { owner: standbyFor, grace_s: config.cluster.grace_s, ledger: ledger.size },
      "standby watching",
    );
    // Nothing to finish while standing by: a stop signal just ends the process.
    const quit = () => {
      watch.endNow();
      logger.flush();
      process.exit(0);
    };
    process.once("SIGTERM", quit);
    process.once("SIGINT", quit);
    const respond = (body: Record<string, unknown>): void => {
      watch
        .publish(t.gatewayResponse(HANDBACK_ACTION), JSON.stringify(body), {})
        .catch((e: unknown) => log.warn({ err: e }, "handback response not published"));
    };
    // Until the owner stays offline past grace_s, or a handback whose fencing took effect.
    for (;;) {
      const reason = await new Promise<"grace" | { transaction?: string; operator: string }>(
        (done) => {
          let timer: NodeJS.Timeout | undefined;
          const check = () => {
            const offline = watchedState === undefined || watchedState.state !== "online";
            if (!offline) {
              if (timer) clearTimeout(timer);
              timer = undefined;
            } else if (!timer) {
              timer = setTimeout(() => done("grace"), config.cluster.grace_s * 1000);
            }
          };
          onWatchedState = check;
          check();
          onHandback = async (payload) => {
            let transaction: string | undefined;
            try {
              const req = JSON.parse(payload.toString()) as Record<string, unknown>;
              if (typeof req !== "object" || req === null || Array.isArray(req))
                throw new Error("not an object");
              if (typeof req["transaction"] === "string" && req["transaction"].length <= 128)
                transaction = req["transaction"];
              if (configuredStandby)
                throw new CodedError(
                  "invalid_request",
                  "a configured standby takes over only when its owner stayed offline past grace_s",
                );
              const operator = req["operator"];
              if (typeof operator !== "string")
                throw new CodedError("invalid_request", "operator: a supervisor's id is required", {
                  path: "operator",
                });
              // The operator's own credential (README "Management requests"), then the role.
              await authorize(HANDBACK_ACTION, req);
              if (!operators.isActive(operator, ["supervisor", "admin"]))
                throw new CodedError("not_authorized", "operator: not an active supervisor", {
                  path: "operator",
                });
              if (onHandback === undefined) return; // a second request while the first one runs
              if (timer) clearTimeout(timer);
              onHandback = undefined;
              done({ operator, ...(transaction !== undefined && { transaction }) });
            } catch (e) {
              const err = isCodedError(e)
                ? e
                : new CodedError("invalid_request", "request: expected a JSON object", {
                    path: "(root)",
                  });
              log.warn({ code: err.code }, "handback refused");
              respond({
                status: "error",
                error: err.toReply(),
                ...(transaction !== undefined && { transaction }),
              });
            }
          };
        },
      );
      onWatchedState = undefined;
      onHandback = undefined;
      minEpoch =
        Math.max(watchedState?.epoch ?? 0, ...[...states.values()].map((s) => s.epoch ?? 0)) + 1;
      // From here on the gateway's own events (epoch >= minEpoch) are not the old owner's.
      ledger.recordBelow(minEpoch);
      if (reason === "grace") {
        log.warn(
          { owner: standbyFor, epoch: minEpoch, devices: owned, ledger: ledger.size },
          "owner offline past the grace period; claiming its devices",
        );
        break;
      } else {
        // Fence first: the current owner sees the higher epoch and exits (code 3); only once it
        // is offline does this gateway dispatch. Its late job events are still recorded.
        log.warn(
          { owner: standbyFor, epoch: minEpoch, devices: owned, operator: reason.operator },
          "handback: claiming the devices back from the current owner",
        );
        for (const d of owned) {
          audit({
            action: "cluster.handback",
            outcome: "ok",
            operator: reason.operator,
            device: d,
            reason: `from:${standbyFor}:epoch:${minEpoch}`,
          });
          watch.publishRetained(t.deviceState(d), JSON.stringify({ owner: me, epoch: minEpoch }));
        }
        const waitMs = handbackWaitMs(config.cluster.grace_s);
        const offline = await new Promise<boolean>((done) => {
          const timer = setTimeout(() => done(false), waitMs);
          const check = () => {
            if (watchedState?.state === "online") return;
            clearTimeout(timer);
            done(true);
          };
          onWatchedState = check;
          check();
        });
        onWatchedState = undefined;
        if (!offline) {
          // Serving now would put two gateways on the device topics. The claim stays published:
          // the owner exits when it sees it, and then the grace period hands the devices over.
          log.error(
            { owner: standbyFor, waited_ms: waitMs },
            "handback: the current owner is still online after its fencing; still standing by",
          );
          const err = new CodedError(
            "handback_incomplete",
            `the current owner ${standbyFor} did not go offline within ${waitMs} ms of the claim; this gateway stays a standby and takes over once it is offline`,
          );
          respond({
            status: "error",
            error: err.toReply(),
            ...(reason.transaction !== undefined && { transaction: reason.transaction }),
          });
          continue;
        }
        respond({
          status: "ok",
          data: { from: standbyFor, epoch: minEpoch, devices: owned },
          ...(reason.transaction !== undefined && { transaction: reason.transaction }),
        });
        break;
      }
    }
    process.off("SIGTERM", quit);
    process.off("SIGINT", quit);
  }
  // The epoch the gateway starts with is at least this: its own events from here on are not
  // recorded (an owner's ledger holds only what another gateway did with its devices).
  if (minEpoch === 0) ledger.recordBelow(local.lastEpoch + 1);
  // Jobs of ours the other owner dispatched or finished while we were away are not run again.
  closeTakenOverJobs({
    inbox: local.inbox,
    ledger,
    audit: local.audit,
    clock: Date.now,
    logger: log,
  });
  ledger.attach(undefined, retentionS);
  claims?.attach(undefined);
  await local.writer.close();
  local.db.close();

  const gateway = await startGateway({
    config,
    logger,
    cluster: {
      minEpoch,
      fenced: () => fenced,
      ledger,
      ...(claims !== undefined && { poolClaims: claims }),
    },
  });
  myEpoch = gateway.epoch;
  return {
    ...gateway,
    async stop() {
      await gateway.stop();
      await watch.end();
    },
  };
}
