import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/audit/log.ts";
import { createAuditAppend } from "../../../src/audit/wiring.ts";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { createSealer } from "../../../src/crypto/wiring.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { isCodedError } from "../../../src/errors.ts";
import type { JobEnvelope } from "../../../src/jobs/envelope.ts";
import { createInbox } from "../../../src/jobs/inbox.ts";
import { createPayloadPurger } from "../../../src/jobs/payload-purge.ts";
import { silentLogger } from "../../../src/log.ts";
import { exampleJob } from "../../helpers/jobs.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 8);
let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("payload retention purge", () => {
  it("empties the sealed payloads of jobs finished before the window, keeps the rest, and audits the count", () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-purge-"));
    const keys = loadOrCreateKeys(dir);
    const db = openDatabase(join(dir, "labelgate.db"));
    let now = T0;
    const audit = createAuditLog({ db, keys, site: "demo", gateway: "gw1", clock: () => now });
    const inbox = createInbox(db, createSealer(keys));
    const job = (state: "done" | "queued" | "in_doubt", at: number): string => {
      const env = exampleJob({ replyTo: "labelgate/demo/reply/ws-12" }) as unknown as JobEnvelope;
      inbox.insert(env, "zpl-1", `hash-${env.job_id}`, at);
      inbox.setState(env.job_id, state, at);
      return env.job_id;
    };
    const oldDone = job("done", T0);
    const oldInDoubt = job("in_doubt", T0 + 1);
    const oldQueued = job("queued", T0 + 2); // not finished: still needs its payload
    const recent = job("done", T0 + 70 * HOUR);
    now = T0 + 73 * HOUR;
    const purger = createPayloadPurger({
      db,
      audit: createAuditAppend(audit, { site: "demo", gateway: "gw1", area: "", devices: [] }),
      retentionMs: 72 * HOUR,
      clock: () => now,
      logger: silentLogger(),
    });
    expect(purger.purgeNow()).toBe(2);
    for (const id of [oldDone, oldInDoubt]) {
      const err = (() => {
        try {
          inbox.envelope(id);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isCodedError(err) && err.details["reason"]).toBe("payload_purged");
      expect(inbox.get(id)?.state).not.toBe(undefined); // the row (state, outcome) stays
    }
    expect(inbox.envelope(oldQueued).job_id).toBe(oldQueued);
    expect(inbox.envelope(recent).job_id).toBe(recent);
    expect(audit.search({ action: "payload.purged", limit: 5 }).map((r) => r.reason)).toEqual([
      "purged:2",
    ]);
    expect(purger.purgeNow()).toBe(0); // nothing left: no second record
    expect(audit.search({ action: "payload.purged", limit: 5 })).toHaveLength(1);
    db.close();
  });
});
