import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientStore } from "../../../src/access/clients.ts";
import { createRefusalAudit } from "../../../src/access/refusal-audit.ts";
import { createAuditAppend, openAuditLog } from "../../../src/audit/wiring.ts";
import { validateConfig } from "../../../src/config/load.ts";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import type { AuditEvent } from "../../../src/jobs/ports.ts";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../../src/mqtt/broker.ts";
import { CLIENTS, addClients, connect, demoBrokerAccess, trySubscribe } from "./broker-scenario.ts";

/**
 * Refused connects are audited, but a flood of them cannot fill the audit log: the first few per
 * source and window one by one, the rest as one `broker.connect_refused` summary with the count.
 * The window is ended by the test (its `schedule` hook), never by waiting a minute.
 */

function harness(
  opts: { perSource?: number; maxIndividual?: number; maxSources?: number } = {},
  sink?: (e: AuditEvent) => void,
) {
  const records: AuditEvent[] = [];
  let now = 1_000_000;
  let pending: (() => void) | undefined;
  const auditor = createRefusalAudit({
    audit: (e) => {
      sink?.(e);
      records.push(e);
    },
    clock: () => now,
    schedule: (fn) => {
      pending = fn;
      return () => (pending = undefined);
    },
    ...opts,
  });
  return {
    records,
    auditor,
    advance: (ms: number) => (now += ms),
    endWindow: () => pending?.(),
    count: (action: string) => records.filter((r) => r.action === action).length,
  };
}

describe("refusal audit (unit)", () => {
  it("writes the first N per source, then one summary per source with the count", () => {
    const h = harness({ perSource: 3 });
    for (let i = 0; i < 40; i++)
      h.auditor.record({
        what: "connect",
        address: "10.0.0.7",
        client: `x${i}`,
        cause: "credentials",
      });
    for (let i = 0; i < 2; i++)
      h.auditor.record({ what: "connect", address: "10.0.0.8", cause: "credentials" });
    expect(h.count("client.refused")).toBe(5);
    expect(h.count("broker.connect_refused")).toBe(0);
    h.endWindow();
    expect(h.records.filter((r) => r.action === "broker.connect_refused")).toEqual([
      {
        action: "broker.connect_refused",
        outcome: "rejected",
        reason: "suppressed:37",
        workstation: "10.0.0.7",
      },
    ]);
    // A new window starts afresh.
    h.auditor.record({ what: "connect", address: "10.0.0.7", cause: "credentials" });
    expect(h.count("client.refused")).toBe(6);
  });

  it("bounds the records of a window whatever the number of sources", () => {
    const h = harness({ perSource: 2, maxIndividual: 10, maxSources: 8 });
    for (let i = 0; i < 1000; i++)
      h.auditor.record({
        what: "connect",
        address: `10.1.${i >> 8}.${i & 255}`,
        cause: "tls_handshake",
      });
    h.endWindow();
    expect(h.count("client.refused")).toBe(8); // one per tracked source: the first refusal of each
    const summaries = h.records.filter((r) => r.action === "broker.connect_refused");
    expect(summaries).toEqual([
      { action: "broker.connect_refused", outcome: "rejected", reason: "suppressed:992" },
    ]);
    expect(h.records.length).toBeLessThanOrEqual(10 + 8 + 3);
  });

  it("ends a window on the next refusal once it is over, even without its timer", () => {
    const h = harness({ perSource: 1 });
    h.auditor.record({ what: "subscribe", client: "ws-12", cause: "acl" });
    h.auditor.record({ what: "subscribe", client: "ws-12", cause: "acl" });
    h.advance(60_000);
    h.auditor.record({ what: "subscribe", client: "ws-12", cause: "acl" });
    expect(h.records.map((r) => [r.action, r.reason])).toEqual([
      ["client.refused", "not_authorized:subscribe:acl"],
      ["broker.subscribe_refused", "suppressed:1"],
      ["client.refused", "not_authorized:subscribe:acl"],
    ]);
  });
});

describe("refusal audit against the embedded broker: a flood of bad connects", () => {
  let dir: string;
  let db: Db;
  let broker: EmbeddedBroker;
  // The records also go to a real audit log, which refuses an unknown action or a bad field.
  let realAudit: ((e: AuditEvent) => void) | undefined;
  const h = harness({}, (e) => realAudit?.(e));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-flood-"));
    db = openDatabase(join(dir, "labelgate.db"));
    const config = validateConfig({ data_dir: dir }, "test");
    realAudit = createAuditAppend(
      openAuditLog({ db, keys: loadOrCreateKeys(dir), config, clock: Date.now }),
      config,
    );
    const clients = createClientStore(db);
    await addClients(clients, [CLIENTS.ws12]);
    broker = await startEmbeddedBroker({
      host: "127.0.0.1",
      port: 0,
      access: demoBrokerAccess(clients),
      onRefused: (r) => h.auditor.record(r),
    });
  });
  afterAll(async () => {
    await broker.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("200 bad connects from one address: 5 records, then one summary counting the other 195", async () => {
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const FLOOD = 200;
    // Unknown user names (no scrypt work) and no credentials at all, 20 at a time.
    for (let i = 0; i < FLOOD; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          connect(url, j % 2 ? undefined : { id: `nobody-${i + j}`, password: "x" }).then(
            (c) => c.endAsync().then(() => "connected"),
            () => "refused",
          ),
        ),
      ).then((r) => expect(r.every((x) => x === "refused")).toBe(true));
    }
    await expect.poll(() => h.count("client.refused")).toBe(5);
    expect(h.count("broker.connect_refused")).toBe(0);
    h.endWindow();
    const summary = h.records.filter((r) => r.action === "broker.connect_refused");
    expect(summary).toHaveLength(1);
    expect(summary[0]?.reason).toBe(`suppressed:${FLOOD - 5}`);
    expect(summary[0]?.workstation).toMatch(/127\.0\.0\.1/);
    // The refusals never kept a real client out.
    const ok = await connect(url, CLIENTS.ws12);
    expect(await trySubscribe(ok, ["labelgate/demo/reply/ws-12/#"])).toEqual([true]);
    await ok.endAsync();
    expect(h.records.length).toBe(5 + 1);
    const stored = db
      .prepare<[], { action: string; reason: string }>(
        "SELECT action, reason FROM audit_log WHERE action LIKE '%refused' ORDER BY seq",
      )
      .all();
    expect(stored.map((r) => r.action)).toEqual([
      ...Array<string>(5).fill("client.refused"),
      "broker.connect_refused",
    ]);
  });
});
