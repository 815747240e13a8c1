import type { Db } from "../db/open.ts";
import { migrate } from "../db/open.ts";
import { CodedError } from "../errors.ts";
import type { OperatorStore } from "./operators.ts";

/**
 * Lockdown (Art. 10, incident response): a supervisor freezes all printing and exports on the
 * gateway with a reason; lifting it is a second, audited act. The state is one table read on
 * every check (no cache), so a lockdown set by the CLI in another process applies at once.
 */
export interface LockdownState {
  active: boolean;
  /** Free text for people (kept in the gateway database, never in the audit log). */
  reason: string;
  by: string;
  since: number;
}

const MIGRATIONS = [
  `CREATE TABLE lockdown_events (
     seq    INTEGER PRIMARY KEY AUTOINCREMENT,
     active INTEGER NOT NULL CHECK (active IN (0, 1)),
     reason TEXT NOT NULL,
     by     TEXT NOT NULL,
     at     INTEGER NOT NULL
   ) STRICT;`,
];

export interface LockdownStore {
  /** The current lockdown, or undefined when printing is allowed. */
  current(): LockdownState | undefined;
  /** Throws `not_authorized` unless `by` is an active supervisor / admin, `invalid_request` when already set. */
  set(by: string, reason: string, now: number): LockdownState;
  /** Throws `not_authorized` unless `by` is an active supervisor / admin, `invalid_request` when not set. */
  lift(by: string, reason: string, now: number): void;
  /** Throws CodedError `lockdown` when a lockdown is in force. */
  assertOpen(): void;
}

export function createLockdownStore(db: Db, operators: OperatorStore): LockdownStore {
  migrate(db, "lockdown", MIGRATIONS);
  const last = db.prepare<[], { active: number; reason: string; by: string; at: number }>(
    "SELECT active, reason, by, at FROM lockdown_events ORDER BY seq DESC LIMIT 1",
  );
  const insert = db.prepare(
    "INSERT INTO lockdown_events (active, reason, by, at) VALUES (?, ?, ?, ?)",
  );
  const current = (): LockdownState | undefined => {
    const r = last.get();
    return r && r.active === 1
      ? { active: true, reason: r.reason, by: r.by, since: r.at }
      : undefined;
  };
  const authorize = (by: string) => {
    if (!operators.isActive(by, ["supervisor", "admin"]))
      throw new CodedError("not_authorized", `'${by}' is not an active supervisor`, {
        path: "operator",
      });
  };
  const checkReason = (reason: string) => {
    if (reason.trim().length === 0 || reason.length > 200)
      throw new CodedError("invalid_request", "reason: expected 1–200 characters", {
        path: "reason",
      });
  };
  return {
    current,
    set(by, reason, now) {
      authorize(by);
      checkReason(reason);
      return db.transaction(() => {
        if (current()) throw new CodedError("invalid_request", "a lockdown is in force already");
        insert.run(1, reason, by, now);
        return current()!;
      })();
    },
    lift(by, reason, now) {
      authorize(by);
      checkReason(reason);
      db.transaction(() => {
        if (!current()) throw new CodedError("invalid_request", "no lockdown is in force");
        insert.run(0, reason, by, now);
      })();
    },
    assertOpen() {
      const s = current();
      if (s)
        throw new CodedError("lockdown", "printing and exports are frozen on this gateway", {
          since: new Date(s.since).toISOString(),
        });
    },
  };
}
