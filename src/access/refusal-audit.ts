import type { AuditAppend } from "../jobs/ports.ts";
import type { BrokerRefusal } from "../mqtt/broker.ts";

/**
 * Audit of the embedded broker's refusals (Art. 14, 16: unauthorized access attempts are
 * recorded) without letting a flood of bad connects fill the audit log or its disk.
 *
 * Within one window (`windowMs`, default a minute) the first `perSource` refusals of each source
 * are audited one by one as `client.refused`; the rest are only counted, and when the window ends
 * each source with a count gets one summary record (`broker.connect_refused`,
 * `broker.publish_refused` or `broker.subscribe_refused`, reason `suppressed:<count>`). A source
 * is the peer's IP address for a connect (the client id is the attacker's choice) and the client
 * id for a publish or subscribe (only authenticated clients get that far). Individual records are
 * also capped per window over all sources (`maxIndividual`), and at most `maxSources` sources are
 * counted one by one; the rest share one summary with source `*`. So a window writes at most
 * `maxIndividual + maxSources + 3` records whatever arrives.
 */
export interface RefusalAuditOptions {
  audit: AuditAppend;
  clock: () => number;
  /** Individual records per source and window (default 5). */
  perSource?: number;
  /** Individual records per window over all sources (default 50). */
  maxIndividual?: number;
  /** Sources counted one by one per window (default 100). */
  maxSources?: number;
  /** Window length in ms (default 60,000). */
  windowMs?: number;
  /**
   * Schedules the end-of-window flush (default `setTimeout`, unref'd); returns a cancel function.
   * Tests pass their own to end a window without waiting for it.
   */
  schedule?: (fn: () => void, ms: number) => () => void;
}

export interface RefusalAudit {
  /** One refusal from the broker's hooks. Never throws (a refusal stays a refusal). */
  record(r: BrokerRefusal): void;
  /** Ends the current window: writes the summaries of suppressed refusals. */
  flush(): void;
  /** Flushes and cancels the pending timer (daemon stop). */
  stop(): void;
}

const SUMMARY = {
  connect: "broker.connect_refused",
  publish: "broker.publish_refused",
  subscribe: "broker.subscribe_refused",
} as const;

/** Ids as the audit log accepts them; anything else is left out, never echoed. */
const SAFE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** IPv4 / IPv6 text as Node reports `remoteAddress` (`::ffff:127.0.0.1` included). */
const SAFE_ADDRESS = /^[0-9a-fA-F:.]{2,45}$/;

export function createRefusalAudit(o: RefusalAuditOptions): RefusalAudit {
  const perSource = o.perSource ?? 5;
  const maxIndividual = o.maxIndividual ?? 50;
  const maxSources = o.maxSources ?? 100;
  const windowMs = o.windowMs ?? 60_000;
  const schedule =
    o.schedule ??
    ((fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return () => clearTimeout(t);
    });
  let windowStart: number | undefined;
  let individual = 0;
  /** key `what|source` → refusals seen in this window, for at most `maxSources` keys. */
  const seen = new Map<string, number>();
  /** key → refusals not audited individually; untracked sources share the key `what|*`. */
  const suppressed = new Map<string, { what: BrokerRefusal["what"]; source: Source; n: number }>();
  let cancel: (() => void) | undefined;

  const append = (e: Parameters<AuditAppend>[0]) => {
    try {
      o.audit(e);
    } catch {
      // The audit log's own failure path raises the alert; a refusal stays a refusal.
    }
  };

  const flush = () => {
    cancel?.();
    cancel = undefined;
    for (const s of suppressed.values()) {
      append({
        action: SUMMARY[s.what],
        outcome: "rejected",
        reason: `suppressed:${s.n}`,
        ...sourceFields(s.source),
      });
    }
    suppressed.clear();
    seen.clear();
    individual = 0;
    windowStart = undefined;
  };

  return {
    record(r) {
      const now = o.clock();
      if (windowStart !== undefined && now - windowStart >= windowMs) flush();
      if (windowStart === undefined) {
        windowStart = now;
        cancel = schedule(flush, windowMs);
      }
      const source = sourceOf(r);
      const key = `${r.what}|${source.kind}|${source.value}`;
      let n = seen.get(key);
      if (n === undefined && seen.size < maxSources) n = 0;
      if (n !== undefined) {
        seen.set(key, ++n);
        if (n <= perSource && individual < maxIndividual) {
          individual++;
          append({
            action: "client.refused",
            outcome: "rejected",
            reason: `not_authorized:${r.what}:${r.cause}`,
            ...(r.client !== undefined && SAFE_ID.test(r.client) && { client: r.client }),
            ...(r.address !== undefined &&
              SAFE_ADDRESS.test(r.address) && { workstation: r.address }),
          });
          return;
        }
      }
      // Counted, not written: one summary per source (`*` past maxSources) at the window's end.
      const sKey = n === undefined ? `${r.what}|*` : key;
      const s = suppressed.get(sKey);
      if (s) s.n++;
      else
        suppressed.set(sKey, {
          what: r.what,
          source: n === undefined ? { kind: "none", value: "*" } : source,
          n: 1,
        });
    },
    flush,
    stop: flush,
  };
}

interface Source {
  kind: "address" | "client" | "none";
  value: string;
}

/** A connect is counted by peer address (its client id is the caller's choice), else by client. */
function sourceOf(r: BrokerRefusal): Source {
  const address = r.address !== undefined && SAFE_ADDRESS.test(r.address) ? r.address : undefined;
  const client = r.client !== undefined && SAFE_ID.test(r.client) ? r.client : undefined;
  if (r.what === "connect" && address !== undefined) return { kind: "address", value: address };
  if (client !== undefined) return { kind: "client", value: client };
  if (address !== undefined) return { kind: "address", value: address };
  return { kind: "none", value: "?" };
}

/** The summary's source: an address goes in `workstation` (the place), a client id in `client`. */
function sourceFields(s: Source): { workstation?: string; client?: string } {
  if (s.kind === "address") return { workstation: s.value };
  if (s.kind === "client") return { client: s.value };
  return {};
}
