/**
 * The console's chain verification runs in a worker thread: while it scans, the event loop (MQTT,
 * devices, HTTP) keeps turning; its result is the in-thread verification's.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyAuditLog, verifyAuditLogOffThread } from "../../../src/audit/verify.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { createAuditReader } from "../../../src/web/audit-query.ts";
import { Session, startWebTestGateway } from "../../helpers/web.ts";
import { makeFixture, sampleInput, tamper, type Fixture } from "../audit/helpers.ts";

let f: Fixture | undefined;
let db: Db | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
  f?.cleanup();
  f = undefined;
});

function filled(n: number): Fixture {
  const fx = makeFixture();
  for (let b = 0; b < n; b += 500)
    fx.log.appendBatch(Array.from({ length: Math.min(500, n - b) }, (_, j) => sampleInput(b + j)));
  return fx;
}

/** Runs `p` to completion, counting the event-loop turns (setImmediate) that ran meanwhile. */
async function turnsWhile<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let done = false;
  let turns = 0;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await p.finally(() => (done = true));
  return { value, turns };
}

describe("off-thread verification", () => {
  it("leaves the event loop turning while it scans, with the in-thread result", async () => {
    f = filled(5000);
    const { value, turns } = await turnsWhile(verifyAuditLogOffThread(f.db));
    expect(value).toEqual({ ok: true, records: 5000 });
    // An in-thread scan is one synchronous call: no turn of the loop could run during it.
    expect(turns).toBeGreaterThan(0);
    const inThread = await turnsWhile(Promise.resolve().then(() => verifyAuditLog(f!.db)));
    expect(inThread.value).toEqual(value);
  });

  it("reports the first bad record as the in-thread verification does", async () => {
    f = filled(3000);
    f.db.close();
    tamper(f.dbPath, "UPDATE audit_log SET outcome = 'error' WHERE seq = 2345");
    db = openDatabase(f.dbPath, { readonly: true });
    const off = await verifyAuditLogOffThread(db);
    expect(off).toEqual({
      ok: false,
      records: 2344,
      firstBad: { seq: 2345, reason: "hash_mismatch" },
    });
    expect(off).toEqual(verifyAuditLog(db));
  });

  it("the console's reader shares a running verification and reuses a recent result", async () => {
    f = filled(1000);
    let now = Date.UTC(2026, 10, 30, 9);
    let runs = 0;
    const reader = createAuditReader({
      db: f.db,
      verify: (d) => {
        runs++;
        return verifyAuditLogOffThread(d);
      },
      waybillRefs: () => [],
      clock: () => now,
    });
    const [a, b] = await Promise.all([reader.verify(), reader.verify()]);
    expect(runs).toBe(1);
    expect(a).toBe(b);
    expect(a.result).toEqual({ ok: true, records: 1000 });
    now += 10_000;
    expect(await reader.verify(30_000)).toBe(a);
    expect(runs).toBe(1);
    now += 30_000;
    const c = await reader.verify(30_000);
    expect(runs).toBe(2);
    expect(c.at).toBe(new Date(now).toISOString());
  });

  it("a running gateway's console reports a changed record and raises one alert, not one per verification", async () => {
    const g = await startWebTestGateway();
    try {
      await g.addOperator("S0001", "supervisor", "sup-pass-1");
      const s = new Session(g.web);
      expect((await s.login("S0001", "sup-pass-1")).status).toBe(200);
      const fresh = (await (await s.get("/api/v1/audit/verify")).json()) as {
        data: { result: { ok: boolean } };
      };
      expect(fresh.data.result.ok).toBe(true);
      tamper(
        join(g.dataDir, "labelgate.db"),
        "UPDATE audit_log SET outcome = 'error' WHERE seq = 1",
      );
      const bad = (await (await s.get("/api/v1/audit/verify")).json()) as {
        data: { result: unknown };
      };
      expect(bad.data.result).toMatchObject({
        ok: false,
        records: 0,
        firstBad: { seq: 1, reason: "hash_mismatch" },
      });
      // The audit page shows the result just computed.
      expect(await (await s.get("/console/audit")).text()).toContain('data-ok="false"');
      await s.get("/api/v1/audit/verify"); // still failing: no second alert
      const alerts = (await (await s.get("/api/v1/alerts")).json()) as {
        data: Array<{ type: string; detail: Record<string, unknown> }>;
      };
      const raised = alerts.data.filter((a) => a.type === "audit_verify_failed");
      expect(raised).toHaveLength(1);
      expect(raised[0]?.detail).toEqual({ seq: 1, reason: "hash_mismatch" });
    } finally {
      await g.stop();
    }
  });
});
