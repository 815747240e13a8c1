import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { startGateway, type Gateway } from "../main.ts";
import { topics as makeTopics } from "../mqtt/topics.ts";
import { connectWatch } from "../mqtt/watch.ts";
import { createJobLedger } from "./ledger.ts";

/** Exit code of a gateway fenced by a higher-epoch claim: the service manager restarts it. */
export const EXIT_FENCED = 3;

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
 * `labelgate start` with `cluster.mode: multi` (issue #11). An owner first reads its devices'
 * retained states: a device claimed by another gateway makes it stand down and stand by for that
 * gateway. A standby watches its owner's retained `gateway/{gw}/state` (the last will says
 * `offline`), claims the devices `grace_s` after the owner went offline with an epoch one above
 * every epoch it saw, then starts serving them. A running owner that sees a device state with a
 * higher epoch from another gateway is fenced: it dispatches nothing more and exits.
 */
export async function runCluster(config: Config, logger: Logger): Promise<Gateway> {
  const log = logger.child({ component: "cluster" });
  const root = { base: config.mqtt.base_topic, site: config.site };
  const t = makeTopics(root, config.gateway);
  const me = config.gateway;
  const owned = config.devices.map((d) => d.id);
  const watch = await connectWatch(config, `${me}-watch`.slice(0, 23));
  const states = new Map<string, StateDoc>();
  const ledger = createJobLedger();
  let ledgerOpen = true;
  let watchedGw: string | undefined;
  let watchedState: StateDoc | undefined;
  let onWatchedState: (() => void) | undefined;
  let myEpoch = 0;
  let fenced = false;

  watch.onMessage((topic, payload) => {
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
      if (topic === t.deviceEvent(d)) {
        if (ledgerOpen) ledger.observe(d, payload);
        return;
      }
    }
    if (watchedGw !== undefined && topic === makeTopics(root, watchedGw).gatewayState) {
      watchedState = parse(payload);
      onWatchedState?.();
    }
  });

  // Retained device states first, up to a probe message of our own (in-order delivery).
  await watch.subscribe([
    ...owned.map((d) => t.deviceState(d)),
    ...owned.map((d) => t.deviceEvent(d)),
  ]);
  await watch.probe(`${t.site}/gateway/${me}/probe`);

  let standbyFor = config.cluster.role === "standby" ? config.cluster.standby_for : undefined;
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
    await watch.subscribe([makeTopics(root, standbyFor).gatewayState]);
    log.info({ owner: standbyFor, grace_s: config.cluster.grace_s }, "standby watching");
    // Nothing to finish while standing by: a stop signal just ends the process.
    const quit = () => {
      watch.endNow();
      logger.flush();
      process.exit(0);
    };
    process.once("SIGTERM", quit);
    process.once("SIGINT", quit);
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        const offline = watchedState === undefined || watchedState.state !== "online";
        if (!offline) {
          if (timer) clearTimeout(timer);
          timer = undefined;
        } else if (!timer) {
          timer = setTimeout(resolve, config.cluster.grace_s * 1000);
        }
      };
      onWatchedState = check;
      check();
    });
    onWatchedState = undefined;
    process.off("SIGTERM", quit);
    process.off("SIGINT", quit);
    ledgerOpen = false;
    minEpoch =
      Math.max(watchedState?.epoch ?? 0, ...[...states.values()].map((s) => s.epoch ?? 0)) + 1;
    log.warn(
      { owner: standbyFor, epoch: minEpoch, devices: owned, ledger: ledger.size },
      "owner offline past the grace period; claiming its devices",
    );
  }

  const gateway = await startGateway({
    config,
    logger,
    cluster: { minEpoch, fenced: () => fenced, ledger },
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
