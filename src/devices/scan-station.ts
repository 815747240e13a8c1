import { randomBytes } from "node:crypto";
import type { Config } from "../config/schema.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import type { OperatorStore } from "../access/operators.ts";
import type { StationLoginStore } from "../access/station-logins.ts";
import { CodedError, isCodedError } from "../errors.ts";
import type { Inbox } from "../jobs/inbox.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import type { Logger } from "../log.ts";
import type { ManagementRequest, ManagementRouter } from "../management/router.ts";
import { loadHid, type HidLike } from "../transports/hid.ts";
import { createHidScanner, type HidScanner } from "../transports/hid-scanner.ts";

/** What a scanned code must look like to be taken as a waybill number (GB/T 41833: letters, digits). */
const WAYBILL_CODE = /^[A-Za-z0-9]{8,32}$/;

export interface ScanStationsOptions {
  config: Config;
  inbox: Inbox;
  audit: AuditAppend;
  /** The operator accounts (badge log-in needs a registered, active operator). */
  operators?: Pick<OperatorStore, "get" | "isActive">;
  /**
   * Where log-ins are kept across restarts (`src/access/station-logins.ts`); without it they live
   * in memory only. Read back by `start()`.
   */
  logins?: StationLoginStore;
  /** Group commit (`src/db/group-commit.ts`) for the per-scan idle-clock writes; else direct. */
  commit?: <T>(fn: () => T) => Promise<T>;
  /** The job ids that printed `waybillNo`, oldest first (the waybill life-cycle store). */
  printedJobs: (waybillNo: string) => string[];
  /** Hands a job envelope to the intake as if it came on `device/{dev}/job`. */
  submit: (device: string, payload: Uint8Array) => Promise<void>;
  hid?: HidLike | undefined;
  clock: () => number;
  logger: Logger;
  /** How often to try to open a scanner that is not attached (ms, default 2000). */
  retryMs?: number;
}

export interface ScanStations {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Handles one scanned code at a station (what the scanner's reports end in). */
  scan(stationId: string, code: string): Promise<void>;
  /**
   * Logs `operator` in at the station (`via`: `badge` or `request`), replacing whoever was logged
   * in. Throws `invalid_request` (unknown station), `not_authorized` (not a registered operator)
   * or `operator_disabled`; audited `operator.login` / `operator.login_failed`.
   */
  login(stationId: string, operator: string, via: "badge" | "request"): StationSession;
  /** Logs the station's operator out (audited `operator.logout` with `reason`); false if none. */
  logout(stationId: string, reason: string): boolean;
  /** Who is logged in where (a fixed `operator` from the configuration counts). */
  sessions(): StationSession[];
}

export interface StationSession {
  station: string;
  operator: string;
  /** `config`: the station's fixed operator; else how the operator logged in. */
  via: "config" | "badge" | "request";
  since: number;
}

const OPERATOR_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Scan stations (issue #4 §8): a HID barcode scanner bound to a station and a printer. A scanned
 * waybill number reprints that waybill's last printed label on the station's printer, as a new
 * job through the normal intake (privacy guard, reprint control, audit before print), with
 * `reprint.reason` `scan-station` and the station's operator. Every scan is audited
 * (`scan.received`, the number only as its keyed `waybill_ref`).
 *
 * Operator log-in: a station without a fixed `operator` takes scans only while an operator is
 * logged in — by scanning a badge (`login.badge_prefix` + operator id, e.g. `OP:E10293`) or by
 * the management request `station.login` (with the operator's credential). The operator must be
 * registered and active. `login.logout_code`, `station.logout`, `login.idle_timeout_ms` without a
 * scan, another log-in, or the operator being disabled log out. Log-ins are stored (`logins`) and
 * taken back by `start()`, so a gateway restart keeps each station's operator. Audited `operator.login`,
 * `operator.login_failed`, `operator.logout`; a scan with no one logged in is refused
 * (`scan.received` `rejected` `no_operator`) and prints nothing.
 */
export function createScanStations(o: ScanStationsOptions): ScanStations {
  const stations = o.config.scan_stations;
  const scanners: HidScanner[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const log = o.logger.child({ component: "scan-stations" });

  /** Logged-in operators by station, with the idle timer that logs them out. */
  const logged = new Map<string, StationSession & { timer: NodeJS.Timeout }>();
  /** A failed write of the log-in table is logged; the session in memory still holds. */
  const store = (what: string, fn: (l: StationLoginStore) => void) => {
    if (!o.logins) return;
    try {
      fn(o.logins);
    } catch (e) {
      log.error({ err: e }, `station log-in could not be stored (${what})`);
    }
  };
  const station = (id: string) => {
    const st = stations.find((s) => s.id === id);
    if (!st)
      throw new CodedError("invalid_request", `no scan station '${id}'`, { path: "station" });
    return st;
  };
  const place = (st: (typeof stations)[number]) => ({
    workstation: st.id,
    ...(st.area !== undefined && { area: st.area }),
  });
  const idleTimer = (st: (typeof stations)[number], ms = st.login.idle_timeout_ms) => {
    const t = setTimeout(() => {
      try {
        logout(st.id, "timeout");
      } catch (e) {
        log.error({ err: e, station: st.id }, "idle log-out could not be recorded");
      }
    }, ms);
    t.unref();
    return t;
  };
  const arm = (st: (typeof stations)[number]) => {
    const s = logged.get(st.id);
    if (!s) return;
    clearTimeout(s.timer);
    s.timer = idleTimer(st);
    // The idle clock survives a restart: one small write per scan, through the group commit.
    const logins = o.logins;
    if (!logins) return;
    const at = o.clock();
    const write = () => logins.touch(st.id, s.operator, at);
    if (o.commit)
      o.commit(write).catch((e: unknown) =>
        log.error({ err: e, station: st.id }, "station log-in activity could not be stored"),
      );
    else store("activity", write);
  };

  function logout(stationId: string, reason: string): boolean {
    const st = station(stationId);
    const s = logged.get(st.id);
    if (!s) return false;
    clearTimeout(s.timer);
    logged.delete(st.id);
    store("log-out", (l) => l.remove(st.id));
    o.audit({
      action: "operator.logout",
      outcome: "ok",
      reason,
      operator: s.operator,
      ...place(st),
    });
    log.info({ station: st.id, reason }, "operator logged out");
    return true;
  }

  function login(stationId: string, operator: string, via: "badge" | "request"): StationSession {
    const st = station(stationId);
    const failed = (code: "not_authorized" | "operator_disabled", message: string): never => {
      o.audit({
        action: "operator.login_failed",
        outcome: "rejected",
        reason: `${code}:${via}`,
        ...(OPERATOR_ID.test(operator) && { operator }),
        ...place(st),
      });
      throw new CodedError(code, message, { path: "operator" });
    };
    if (!OPERATOR_ID.test(operator)) failed("not_authorized", "operator: not a valid operator id");
    const op = o.operators?.get(operator);
    if (!op) failed("not_authorized", "operator: not a registered operator");
    if (op!.status !== "active") failed("operator_disabled", "operator: disabled");
    if (logged.has(st.id)) logout(st.id, "replaced");
    const session = { station: st.id, operator, via, since: o.clock() };
    logged.set(st.id, { ...session, timer: idleTimer(st) });
    store("log-in", (l) => l.put({ ...session, lastActivity: session.since }));
    o.audit({ action: "operator.login", outcome: "ok", reason: via, operator, ...place(st) });
    log.info({ station: st.id, via }, "operator logged in");
    return session;
  }

  /**
   * The operator a scan at `st` is recorded under: the fixed one, or the logged-in one (still
   * active; a disabled one is logged out). Undefined with the reason when there is none.
   */
  function currentOperator(
    st: (typeof stations)[number],
  ): { operator: string } | { refused: "no_operator" | "operator_disabled" } {
    if (st.operator !== undefined) {
      if (o.operators?.get(st.operator)?.status === "disabled")
        return { refused: "operator_disabled" };
      return { operator: st.operator };
    }
    const s = logged.get(st.id);
    if (!s) return { refused: "no_operator" };
    if (o.operators?.get(s.operator)?.status !== "active") {
      logout(st.id, "operator_disabled");
      return { refused: "operator_disabled" };
    }
    arm(st);
    return { operator: s.operator };
  }

  async function scan(stationId: string, code: string): Promise<void> {
    const st = stations.find((s) => s.id === stationId);
    if (!st) return;
    // Badge codes: log-out, or log-in of the operator id after the prefix.
    if (code === st.login.logout_code) {
      if (!logout(st.id, "badge"))
        o.audit({
          action: "scan.received",
          outcome: "rejected",
          reason: "no_operator",
          ...place(st),
        });
      return;
    }
    if (code.startsWith(st.login.badge_prefix)) {
      try {
        login(st.id, code.slice(st.login.badge_prefix.length), "badge");
      } catch (e) {
        if (!isCodedError(e)) throw e;
        log.warn({ station: st.id, code: e.code }, "badge log-in refused");
      }
      return;
    }
    const who = currentOperator(st);
    const base = {
      device: st.printer,
      workstation: st.id,
      ...(st.area !== undefined && { area: st.area }),
      ...("operator" in who && { operator: who.operator }),
    };
    if ("refused" in who) {
      // No one answers for this scan: nothing is printed; the code itself is not recorded.
      o.audit({ action: "scan.received", outcome: "rejected", reason: who.refused, ...base });
      return;
    }
    if (!WAYBILL_CODE.test(code)) {
      // Not a waybill number: recorded without the code (it may be anything at all).
      o.audit({ action: "scan.received", outcome: "rejected", reason: "not_a_waybill", ...base });
      return;
    }
    const last = [...o.printedJobs(code)].reverse().find((id) => o.inbox.get(id)?.state === "done");
    if (last === undefined) {
      o.audit({
        action: "scan.received",
        outcome: "rejected",
        reason: "no_printed_label",
        waybillNo: code,
        ...base,
      });
      return;
    }
    const orig = o.inbox.envelope(last);
    const jobId = `S${Date.now().toString(36)}${randomBytes(6).toString("hex")}`.toUpperCase();
    const env: JobEnvelope = {
      ...orig,
      job_id: jobId,
      device: st.printer,
      created_at: new Date(o.clock()).toISOString(),
      origin: {
        client: st.id,
        workstation: st.id,
        ...(st.area !== undefined && { area: st.area }),
      },
      reprint: { of: last, reason: "scan-station" },
    };
    delete env.expires_at;
    delete env.reply_to;
    delete env.transaction;
    delete env.approval;
    env.operator = who.operator;
    o.audit({
      action: "scan.received",
      outcome: "ok",
      reason: "reprint",
      waybillNo: code,
      ...base,
    });
    log.info({ station: st.id, job_id: jobId, of: last }, "scan: reprint submitted");
    await o.submit(st.printer, new TextEncoder().encode(JSON.stringify(env)));
  }

  async function open(st: (typeof stations)[number], hid: HidLike, scanner: HidScanner) {
    if (stopped) return;
    try {
      await scanner.start();
      log.info({ station: st.id }, "scanner attached");
    } catch {
      const t = setTimeout(() => {
        timers.delete(t);
        void open(st, hid, scanner);
      }, o.retryMs ?? 2000);
      timers.add(t);
    }
  }

  /**
   * Takes back the log-ins stored before a restart. Each one still holds if its station still
   * takes log-ins, its operator is registered and active, and its idle timeout has not passed
   * since the last scan; the idle timer then runs for what is left of it. Otherwise it is logged
   * out and audited `operator.logout` with reason `timeout`, `operator_disabled` or
   * `station_removed` (the station is gone from the configuration or now has a fixed operator).
   */
  function restore(): void {
    if (!o.logins) return;
    let stored: ReturnType<StationLoginStore["all"]>;
    try {
      stored = o.logins.all();
    } catch (e) {
      log.error({ err: e }, "stored station log-ins could not be read");
      return;
    }
    const now = o.clock();
    for (const l of stored) {
      // Logged in since this start (a request can come before the scanners open): that one holds.
      if (logged.has(l.station)) continue;
      const st = stations.find((s) => s.id === l.station);
      const drop = (reason: string) => {
        store("log-out", (s) => s.remove(l.station));
        o.audit({
          action: "operator.logout",
          outcome: "ok",
          reason,
          operator: l.operator,
          ...(st ? place(st) : { workstation: l.station }),
        });
        log.info({ station: l.station, reason }, "stored log-in not taken back");
      };
      if (!st || st.operator !== undefined) drop("station_removed");
      else if (o.operators?.get(l.operator)?.status !== "active") drop("operator_disabled");
      else if (now - l.lastActivity >= st.login.idle_timeout_ms) drop("timeout");
      else {
        const left = st.login.idle_timeout_ms - Math.max(0, now - l.lastActivity);
        logged.set(st.id, {
          station: st.id,
          operator: l.operator,
          via: l.via,
          since: l.since,
          timer: idleTimer(st, left),
        });
        log.info({ station: st.id }, "operator log-in taken back after restart");
      }
    }
  }

  return {
    scan,
    login,
    logout,
    sessions: () => [
      ...stations.flatMap((st) =>
        st.operator !== undefined
          ? [{ station: st.id, operator: st.operator, via: "config" as const, since: 0 }]
          : [],
      ),
      ...[...logged.values()].map(({ station, operator, via, since }) => ({
        station,
        operator,
        via,
        since,
      })),
    ],
    async start() {
      restore();
      if (stations.length === 0) return;
      const hid = o.hid ?? (await loadHid().catch(() => undefined));
      if (!hid) {
        log.warn("no HID library: scan stations cannot read their scanners");
        return;
      }
      for (const st of stations) {
        const scanner: HidScanner = createHidScanner({
          hid,
          vendorId: st.scanner.vendor_id,
          productId: st.scanner.product_id,
          serialNumber: st.scanner.serial_number,
          path: st.scanner.path,
          mode: st.scanner.mode,
          onScan: (code) => {
            scan(st.id, code).catch((e: unknown) =>
              log.error({ err: e, station: st.id }, "scan could not be handled"),
            );
          },
          onLost: () => void open(st, hid, scanner),
        });
        scanners.push(scanner);
        await open(st, hid, scanner);
      }
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of logged.values()) clearTimeout(s.timer);
      await Promise.all(scanners.map((s) => s.stop()));
    },
  };
}

/**
 * Management requests for scan stations (README "Scan stations"): `station.login`
 * `{station, operator, credential}` logs the acting operator in (the router checked the
 * credential); `station.logout` `{station, operator, credential}` logs out whoever is logged in,
 * by that operator or an active supervisor / admin; `station.list` answers who is logged in where.
 */
export function registerStationActions(
  router: Pick<ManagementRouter, "register">,
  stations: ScanStations,
  operators: Pick<OperatorStore, "isActive">,
): void {
  const field = (req: ManagementRequest, name: string): string => {
    const v = req[name];
    if (typeof v !== "string" || v.length === 0 || v.length > 64)
      throw new CodedError("invalid_request", `${name}: required text (1–64 characters)`, {
        path: name,
      });
    return v;
  };
  router.register("station.login", (req) => ({
    session: stations.login(field(req, "station"), field(req, "operator"), "request"),
  }));
  router.register("station.logout", (req) => {
    const st = field(req, "station");
    const by = field(req, "operator");
    const current = stations.sessions().find((s) => s.station === st && s.via !== "config");
    if (current && current.operator !== by && !operators.isActive(by, ["supervisor", "admin"]))
      throw new CodedError("not_authorized", `'${by}' is not logged in here, nor a supervisor`, {
        path: "operator",
      });
    return { logged_out: stations.logout(st, "request") };
  });
  router.register("station.list", () => ({ sessions: stations.sessions() }));
}
