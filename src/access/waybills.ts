import type { Keys } from "../crypto/keys.ts";
import { normalizeWaybillNo, waybillRef, waybillRefs } from "../crypto/seal.ts";
import type { Db } from "../db/open.ts";
import { migrate } from "../db/open.ts";
import { CodedError } from "../errors.ts";
import type { CarrierNumbering } from "../config/access-schema.ts";

/**
 * The life of each waybill number (Art. 13: waybill numbers are personal information managed
 * through their whole life): its first print, reprints (reason and operator), voids and RFID
 * encodes. Numbers are never stored in clear: rows carry `waybill_ref`, the keyed HMAC the audit
 * log uses too, so `labelgate waybill history N` finds both.
 */
export type WaybillEventKind = "print" | "reprint" | "void" | "rfid_encode";

export interface WaybillEvent {
  kind: WaybillEventKind;
  jobId: string | undefined;
  operator: string | undefined;
  /** Free text for people (reprint and void reasons); never copied into the audit log. */
  reason: string | undefined;
  approval: string | undefined;
  at: number;
}

export interface WaybillLife {
  ref: string;
  events: WaybillEvent[];
  prints: number;
  reprints: number;
  voided: boolean;
}

const MIGRATIONS = [
  `CREATE TABLE waybill_events (
     seq         INTEGER PRIMARY KEY AUTOINCREMENT,
     waybill_ref TEXT NOT NULL,
     kind        TEXT NOT NULL CHECK (kind IN ('print','reprint','void','rfid_encode')),
     job_id      TEXT,
     operator    TEXT,
     reason      TEXT,
     approval    TEXT,
     at          INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX waybill_events_ref ON waybill_events (waybill_ref, seq);`,
];

interface Row {
  kind: WaybillEventKind;
  job_id: string | null;
  operator: string | null;
  reason: string | null;
  approval: string | null;
  at: number;
}

export interface WaybillStore {
  ref(waybillNo: string): string;
  life(waybillNo: string): WaybillLife;
  record(
    waybillNo: string,
    e: Omit<WaybillEvent, "at" | "jobId" | "operator" | "reason" | "approval"> &
      Partial<Pick<WaybillEvent, "jobId" | "operator" | "reason" | "approval">>,
    now: number,
  ): void;
}

export function createWaybillStore(db: Db, keys: Pick<Keys, "hmac">): WaybillStore {
  migrate(db, "waybills", MIGRATIONS);
  // Under every HMAC key generation (`waybillRefs`): events from before a `keys rotate` count.
  const select = db.prepare<[string], Row>(
    "SELECT kind, job_id, operator, reason, approval, at FROM waybill_events WHERE waybill_ref IN (SELECT value FROM json_each(?)) ORDER BY seq",
  );
  const insert = db.prepare(
    "INSERT INTO waybill_events (waybill_ref, kind, job_id, operator, reason, approval, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const ref = (n: string) => waybillRef(keys, n);
  return {
    ref,
    life(waybillNo) {
      const r = ref(waybillNo);
      const events = select.all(JSON.stringify(waybillRefs(keys, waybillNo))).map((e) => ({
        kind: e.kind,
        jobId: e.job_id ?? undefined,
        operator: e.operator ?? undefined,
        reason: e.reason ?? undefined,
        approval: e.approval ?? undefined,
        at: e.at,
      }));
      return {
        ref: r,
        events,
        prints: events.filter((e) => e.kind === "print").length,
        reprints: events.filter((e) => e.kind === "reprint").length,
        voided: events.some((e) => e.kind === "void"),
      };
    },
    record(waybillNo, e, now) {
      insert.run(
        ref(waybillNo),
        e.kind,
        e.jobId ?? null,
        e.operator ?? null,
        e.reason ?? null,
        e.approval ?? null,
        now,
      );
    },
  };
}

/**
 * Checks a waybill number against the configured numbering of its carrier. With no carriers
 * configured every number passes; otherwise the carrier must be configured and the number must
 * match its `pattern`, start with one of its `prefixes` (when any) and fall in one of its
 * `ranges` (when any). Throws `waybill_out_of_range` naming the rule, never the number.
 */
export function checkWaybillNumbering(
  carriers: readonly CarrierNumbering[],
  carrier: string | undefined,
  waybillNo: string,
): void {
  if (carriers.length === 0) return;
  const out = (rule: string): never => {
    throw new CodedError("waybill_out_of_range", `payload.data.waybill_no: ${rule}`, {
      path: "payload.data.waybill_no",
      rule,
    });
  };
  const n = normalizeWaybillNo(waybillNo);
  const c = carriers.find((x) => x.carrier === carrier?.normalize("NFKC").trim().toUpperCase());
  if (!c) return out("carrier_not_configured");
  if (c.pattern !== undefined && !new RegExp(c.pattern).test(n)) out("pattern");
  if (c.prefixes.length > 0 && !c.prefixes.some((p) => n.startsWith(p))) out("prefix");
  if (
    c.ranges.length > 0 &&
    !c.ranges.some((r) => n.length === r.from.length && n >= r.from && n <= r.to)
  )
    out("range");
}
