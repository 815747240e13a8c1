import { randomUUID } from "node:crypto";
import { CodedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ClusterStore, PoolClaimRow } from "./store.ts";

/** The part of the watch connection (src/mqtt/watch.ts) the claims use. */
export interface ClaimChannel {
  publish(
    topic: string,
    payload: string,
    options: { retain?: boolean; properties?: { messageExpiryInterval?: number } },
  ): Promise<void>;
  readonly connected: boolean;
}

export interface PoolClaimsOptions {
  /** `{base}/{site}`. */
  site: string;
  gateway: string;
  channel: ClaimChannel;
  /** How long a claim is remembered, here and retained at the broker (Message Expiry), in s. */
  retentionS: number;
  /** How long to wait for the own bid to come back through the broker, in ms. */
  timeoutMs?: number;
  clock?: () => number;
  logger: Logger;
}

/**
 * Pool jobs across gateways printed exactly once (issue #11). A pool job reaches ONE gateway per
 * delivery through the shared subscription, but a producer's retry with the same `job_id` can
 * reach another one while the first still holds the job. Before a gateway takes a pool job it
 * publishes a bid, retained and QoS 1, on `{site}/pool/{pool}/claim/{job_id}`, a topic every
 * gateway of the site subscribes to (not shared) on its watch connection, and waits for its own
 * bid to come back. One broker hands a topic's messages to every subscriber in the order it
 * processed them (MQTT 5.0 §4.6 for one publisher; Mosquitto is single-threaded, so the order is
 * the same for all), so "the first claim seen for the job_id" names the same gateway on every
 * gateway: that one takes the job; the others forward the message to the claim's device topic,
 * where the device's owner answers it from its inbox (`duplicate`). A gateway that joins later
 * (restart) reads the retained message; so that it is the winner's, every bidder publishes a
 * `won` record naming the winner once its own bid came back (a `won` record outranks bids).
 * Claims carry a Message Expiry Interval: the broker forgets them after `retention_s`.
 *
 * Limits: the agreement rests on one delivery order for all subscribers. A clustered broker whose
 * nodes deliver one topic in different orders can let two gateways both win: that is detected
 * (two `won` records with different gateways) and logged as `pool claim conflict`.
 */
export interface PoolClaims {
  /** Subscription filter of the claim topics, for the watch connection. */
  readonly filter: string;
  /** True for a claim topic. */
  isClaimTopic(topic: string): boolean;
  /** Feeds one message of a claim topic. */
  observe(topic: string, payload: Uint8Array): Promise<void>;
  /** The claim that counts for `jobId`, if any is known. */
  winner(jobId: string): PoolClaimRow | undefined;
  /**
   * Claims `jobId` of `pool` for `device` unless a claim is known; resolves with the claim that
   * counts (ours or another gateway's). Rejects with CodedError `pool_claim_unavailable` when
   * the broker round trip cannot be completed (watch connection down, or not resynchronised).
   */
  claim(pool: string, jobId: string, device: string): Promise<PoolClaimRow>;
  /** Not resynchronised after a reconnect: claims wait until `resync` resolves. */
  desync(): void;
  resync(): void;
  /** Makes the claims durable in `store` (loading what it holds); `undefined` detaches. */
  attach(store: ClusterStore | undefined): void;
  readonly size: number;
}

const decoder = new TextDecoder();
const MAX_CLAIMS = 500_000;

interface ClaimMessage {
  type: "bid" | "won";
  job_id: string;
  pool: string;
  gateway: string;
  device: string;
  nonce?: string;
}

function parseClaim(payload: Uint8Array): ClaimMessage | undefined {
  if (payload.length === 0) return undefined;
  try {
    const m = JSON.parse(decoder.decode(payload)) as Record<string, unknown>;
    if (
      (m["type"] !== "bid" && m["type"] !== "won") ||
      typeof m["job_id"] !== "string" ||
      typeof m["pool"] !== "string" ||
      typeof m["gateway"] !== "string" ||
      typeof m["device"] !== "string"
    )
      return undefined;
    return m as unknown as ClaimMessage;
  } catch {
    return undefined;
  }
}

export function createPoolClaims(o: PoolClaimsOptions): PoolClaims {
  const log = o.logger.child({ component: "pool-claims" });
  const clock = o.clock ?? Date.now;
  const prefix = `${o.site}/pool/`;
  const claims = new Map<string, PoolClaimRow>();
  const waiters = new Map<string, () => void>();
  let store: ClusterStore | undefined;
  let synced = true;
  let onSynced: Array<() => void> = [];

  const topicOf = (pool: string, jobId: string) => `${prefix}${pool}/claim/${jobId}`;
  const save = (row: PoolClaimRow) => {
    store?.saveClaim(row).catch((e: unknown) => log.warn({ err: e }, "claim not stored"));
  };
  const forgetOld = () => {
    const before = clock() - o.retentionS * 1000;
    for (const [id, row] of claims) {
      if (row.seenAt >= before && claims.size <= MAX_CLAIMS) break;
      claims.delete(id);
    }
  };
  const unavailable = (why: string) =>
    new CodedError(
      "pool_claim_unavailable",
      `the claim of the pool job could not be confirmed through the broker (${why}); retry with the same job_id`,
    );

  return {
    filter: `${prefix}+/claim/+`,
    get size() {
      return claims.size;
    },
    isClaimTopic(topic) {
      if (!topic.startsWith(prefix)) return false;
      const parts = topic.slice(prefix.length).split("/");
      return parts.length === 3 && parts[1] === "claim";
    },
    winner: (jobId) => claims.get(jobId),
    async observe(topic, payload) {
      const m = parseClaim(payload);
      if (m === undefined || topic !== topicOf(m.pool, m.job_id)) return;
      const known = claims.get(m.job_id);
      let changed: PoolClaimRow | undefined;
      if (m.type === "won") {
        if (known === undefined || !known.won) {
          changed = {
            jobId: m.job_id,
            pool: m.pool,
            gateway: m.gateway,
            device: m.device,
            won: true,
            seenAt: known?.seenAt ?? clock(),
          };
        } else if (known.gateway !== m.gateway) {
          log.error(
            { job_id: m.job_id, first: known.gateway, other: m.gateway },
            "pool claim conflict: two gateways recorded as the winner of one pool job",
          );
        }
      } else if (known?.won === true && known.gateway === o.gateway && m.gateway !== o.gateway) {
        // A bid that reached the broker after our record: if its gateway died before writing
        // the winner's record, the retained message would name it; ours goes back on top.
        const again: ClaimMessage = {
          type: "won",
          job_id: m.job_id,
          pool: known.pool,
          gateway: known.gateway,
          device: known.device,
        };
        o.channel
          .publish(topic, JSON.stringify(again), {
            retain: true,
            properties: { messageExpiryInterval: o.retentionS },
          })
          .catch((e: unknown) =>
            log.warn({ err: e, job_id: m.job_id }, "won record not published"),
          );
      } else if (known === undefined) {
        changed = {
          jobId: m.job_id,
          pool: m.pool,
          gateway: m.gateway,
          device: m.device,
          won: false,
          seenAt: clock(),
        };
      }
      if (changed !== undefined) {
        if (known === undefined) forgetOld();
        claims.set(m.job_id, changed);
        save(changed);
      }
      if (m.nonce !== undefined) waiters.get(m.nonce)?.();
    },
    async claim(pool, jobId, device) {
      const known = claims.get(jobId);
      if (known !== undefined) return known;
      if (!o.channel.connected) throw unavailable("broker connection down");
      if (!synced) {
        // After a reconnect the retained claims are read again before any new bid.
        const ok = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), o.timeoutMs ?? 10_000);
          onSynced.push(() => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (!ok) throw unavailable("claims not resynchronised");
        const again = claims.get(jobId);
        if (again !== undefined) return again;
      }
      const nonce = randomUUID();
      const topic = topicOf(pool, jobId);
      const expiry = { messageExpiryInterval: o.retentionS };
      const back = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(nonce);
          resolve(false);
        }, o.timeoutMs ?? 10_000);
        waiters.set(nonce, () => {
          clearTimeout(timer);
          waiters.delete(nonce);
          resolve(true);
        });
      });
      const bid: ClaimMessage = {
        type: "bid",
        job_id: jobId,
        pool,
        gateway: o.gateway,
        device,
        nonce,
      };
      try {
        await o.channel.publish(topic, JSON.stringify(bid), { retain: true, properties: expiry });
      } catch {
        waiters.get(nonce)?.();
        throw unavailable("bid not acknowledged");
      }
      if (!(await back)) throw unavailable("own bid not seen back");
      // Every claim the broker took before ours reached us before ours: the first one counts.
      const w = claims.get(jobId)!;
      const won: ClaimMessage = {
        type: "won",
        job_id: jobId,
        pool,
        gateway: w.gateway,
        device: w.device,
      };
      // The topic's retained message ends as the winner's record, for gateways that join later.
      await o.channel
        .publish(topic, JSON.stringify(won), { retain: true, properties: expiry })
        .catch((e: unknown) => log.warn({ err: e, job_id: jobId }, "won record not published"));
      if (w.gateway !== o.gateway)
        log.info({ job_id: jobId, winner: w.gateway }, "pool job claimed by another gateway first");
      return w;
    },
    desync() {
      synced = false;
    },
    resync() {
      synced = true;
      const cbs = onSynced;
      onSynced = [];
      for (const cb of cbs) cb();
    },
    attach(s) {
      store = s;
      if (s === undefined) return;
      const since = clock() - o.retentionS * 1000;
      for (const row of s.loadClaims(since)) {
        const known = claims.get(row.jobId);
        if (known === undefined || (!known.won && row.won)) claims.set(row.jobId, row);
      }
      for (const row of claims.values()) save(row);
      s.prune(since).catch((e: unknown) => log.warn({ err: e }, "cluster records not pruned"));
    },
  };
}
