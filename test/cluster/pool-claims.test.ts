import { describe, expect, it } from "vitest";
import { createPoolClaims, type PoolClaims } from "../../src/cluster/pool-claims.ts";
import { createClusterStore } from "../../src/cluster/store.ts";
import { createGroupCommit } from "../../src/db/group-commit.ts";
import { openDatabase } from "../../src/db/open.ts";
import { silentLogger } from "../../src/log.ts";

const SITE = "labelgate/demo";

/**
 * One broker's delivery order, as Mosquitto gives it: every publish is processed in turn, kept
 * as the topic's retained message, and handed to every subscriber in that same order (async, as
 * over a socket). A subscriber that joins later gets the retained messages first.
 */
class OneOrderBroker {
  private readonly subs = new Set<(topic: string, payload: Uint8Array) => Promise<void>>();
  readonly retained = new Map<string, Uint8Array>();
  private chain = Promise.resolve();
  up = true;

  join(claims: PoolClaims) {
    const deliver = (topic: string, payload: Uint8Array) => claims.observe(topic, payload);
    for (const [topic, payload] of this.retained) void deliver(topic, payload);
    this.subs.add(deliver);
  }

  channel() {
    const up = () => this.up;
    return {
      get connected(): boolean {
        return up();
      },
      publish: (topic: string, payload: string) => {
        if (!this.up) return Promise.reject(new Error("down"));
        const bytes = new TextEncoder().encode(payload);
        this.chain = this.chain.then(async () => {
          this.retained.set(topic, bytes);
          await new Promise((r) => setImmediate(r));
          for (const s of this.subs) await s(topic, bytes);
        });
        return this.chain;
      },
    };
  }
}

let broker: OneOrderBroker;
const gateway = (name: string, timeoutMs = 2000) => {
  const c = createPoolClaims({
    site: SITE,
    gateway: name,
    channel: broker.channel(),
    retentionS: 3600,
    timeoutMs,
    logger: silentLogger(),
  });
  broker.join(c);
  return c;
};

describe("pool claims", () => {
  it("two gateways receiving the same job_id at once agree on one winner", async () => {
    broker = new OneOrderBroker();
    const [a, b, c] = [gateway("gw1"), gateway("gw3"), gateway("gw5")];
    const results = await Promise.all([
      a.claim("hall-a", "J1", "zpl-1"),
      b.claim("hall-a", "J1", "zpl-3"),
      c.claim("hall-a", "J1", "zpl-1"),
    ]);
    const winners = new Set(results.map((r) => r.gateway));
    expect(winners.size).toBe(1);
    // The first bid the broker processed is gw1's (published first).
    expect(results[0]).toMatchObject({ gateway: "gw1", device: "zpl-1" });
    // A later claim of the same job_id is answered from what is known, with no new bid.
    expect(await b.claim("hall-a", "J1", "zpl-3")).toMatchObject({ gateway: "gw1" });
  });

  it("a gateway joining later reads the winner's record, not a losing bid", async () => {
    broker = new OneOrderBroker();
    const [a, b] = [gateway("gw1"), gateway("gw3")];
    await Promise.all([a.claim("hall-a", "J2", "zpl-1"), b.claim("hall-a", "J2", "zpl-3")]);
    const retained = JSON.parse(
      new TextDecoder().decode(broker.retained.get(`${SITE}/pool/hall-a/claim/J2`)),
    ) as Record<string, unknown>;
    expect(retained).toMatchObject({ type: "won", gateway: "gw1", device: "zpl-1" });
    const late = gateway("gw7");
    await new Promise((r) => setTimeout(r, 10));
    expect(late.winner("J2")).toMatchObject({ gateway: "gw1", won: true });
  });

  it("the winner puts its record back on top of a late bid whose gateway died", async () => {
    broker = new OneOrderBroker();
    const a = gateway("gw1");
    await a.claim("hall-a", "J5", "zpl-1");
    // gw9 bid before it saw gw1's record, then died without writing the winner's record.
    const topic = `${SITE}/pool/hall-a/claim/J5`;
    const late = { type: "bid", job_id: "J5", pool: "hall-a", gateway: "gw9", device: "zpl-9" };
    await broker.channel().publish(topic, JSON.stringify(late));
    await new Promise((r) => setTimeout(r, 20));
    const retained = JSON.parse(new TextDecoder().decode(broker.retained.get(topic))) as Record<
      string,
      unknown
    >;
    expect(retained).toMatchObject({ type: "won", gateway: "gw1" });
  });

  it("refuses as retryable when the broker cannot be reached", async () => {
    broker = new OneOrderBroker();
    const a = gateway("gw1", 200);
    broker.up = false;
    await expect(a.claim("hall-a", "J3", "zpl-1")).rejects.toMatchObject({
      code: "pool_claim_unavailable",
    });
    expect(a.winner("J3")).toBeUndefined();
  });

  it("keeps what it saw in the gateway database across a restart", async () => {
    broker = new OneOrderBroker();
    const db = openDatabase(":memory:");
    const writer = createGroupCommit(db);
    const store = createClusterStore(db, writer.commit);
    const a = gateway("gw1");
    a.attach(store);
    await a.claim("hall-a", "J4", "zpl-1");
    await writer.flush();
    // A new process: no broker messages, only the database.
    broker = new OneOrderBroker();
    const again = gateway("gw1");
    again.attach(store);
    expect(again.winner("J4")).toMatchObject({ gateway: "gw1", device: "zpl-1", won: true });
    await writer.close();
    db.close();
  });
});
