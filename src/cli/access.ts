/**
 * `labelgate operators | clients | approvals | lockdown | waybill`: access administration on the
 * gateway database, next to a running daemon (every check in the daemon reads the tables, so a
 * change here applies to its next job at once). Each change is audited.
 * Exit codes: 0 done, 1 refused (not authorized, approval rules), 4 I/O or usage error.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { CLIENT_ROLES, type ClientRole } from "../access/clients.ts";
import type { OperatorRole } from "../access/operators.ts";
import { createAccessLayer, type AccessLayer } from "../access/wiring.ts";
import type { AuditLog } from "../audit/log.ts";
import { createAuditAppend, openAuditLog } from "../audit/wiring.ts";
import type { AuditAppend } from "../jobs/ports.ts";
import { demoConfig, loadConfigFile } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { loadOrCreateKeys } from "../crypto/keys.ts";
import { openDatabase } from "../db/open.ts";
import { isCodedError } from "../errors.ts";
import { view } from "../management/access-actions.ts";

export interface CliContext {
  config: Config;
  log: AuditLog;
  audit: AuditAppend;
}

export interface SiteOptions {
  dataDir: string;
  config?: string;
}

export function siteConfig(o: SiteOptions): Config {
  if (o.config !== undefined) return loadConfigFile(o.config);
  return { ...demoConfig(), data_dir: o.dataDir };
}

/** Opens the access layer of the gateway database, runs `fn`, closes; maps errors to exit codes. */
export async function withAccess(
  o: SiteOptions,
  fn: (a: AccessLayer, c: CliContext) => number | Promise<number>,
  create = false,
): Promise<number> {
  let config: Config;
  try {
    config = siteConfig(o);
  } catch (e) {
    console.error(isCodedError(e) ? e.message : String(e));
    return 4;
  }
  const dataDir = resolve(config.data_dir);
  const file = join(dataDir, "labelgate.db");
  if (!existsSync(file)) {
    if (!create) {
      console.error(`${file}: no gateway database here`);
      return 4;
    }
    mkdirSync(dataDir, { recursive: true });
  }
  const db = openDatabase(file);
  try {
    const keys = loadOrCreateKeys(dataDir);
    const log = openAuditLog({ db, keys, config, clock: Date.now });
    const audit = createAuditAppend(log, config);
    return await fn(createAccessLayer({ db, keys, config, audit }), { config, log, audit });
  } catch (e) {
    if (isCodedError(e)) {
      const why = e.details["reason"];
      console.error(`${e.code}: ${e.message}${typeof why === "string" ? ` (${why})` : ""}`);
      return e.code === "invalid_request" || e.code === "internal" ? 4 : 1;
    }
    console.error(String(e));
    return 4;
  } finally {
    db.close();
  }
}

/** The first line of standard input (a password piped in, so it is not in the process list). */
export async function readSecretLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

const iso = (t: number) => new Date(t).toISOString();

export const operatorsCli = {
  add: (o: SiteOptions & { role: OperatorRole; passwordStdin?: boolean }, id: string) =>
    withAccess(
      o,
      async (a) => {
        if (!["operator", "supervisor", "admin"].includes(o.role)) {
          console.error("--role: expected operator, supervisor or admin");
          return 4;
        }
        const pw = o.passwordStdin ? await readSecretLine() : undefined;
        const op = await a.service.addOperator(id, o.role, Date.now(), pw);
        console.log(`operator ${op.id} added (${op.role}, active)`);
        return 0;
      },
      true,
    ),
  password: (o: SiteOptions, id: string) =>
    withAccess(o, async (a) => {
      await a.service.setOperatorPassword(id, await readSecretLine(), Date.now());
      console.log(`operator ${id}: password set`);
      return 0;
    }),
  setStatus: (o: SiteOptions, id: string, active: boolean) =>
    withAccess(o, (a) => {
      a.service.setOperatorStatus(id, active, Date.now());
      console.log(`operator ${id} ${active ? "enabled" : "disabled"}`);
      return 0;
    }),
  list: (o: SiteOptions & { json?: boolean }) =>
    withAccess(o, (a) => {
      for (const op of a.operators.list())
        console.log(
          o.json
            ? JSON.stringify({ ...op, createdAt: iso(op.createdAt), updatedAt: iso(op.updatedAt) })
            : `${op.id}\t${op.role}\t${op.status}`,
        );
      return 0;
    }),
};

export const clientsCli = {
  add: (
    o: SiteOptions & { role: ClientRole; passwordStdin?: boolean; certOnly?: boolean },
    id: string,
  ) =>
    withAccess(
      o,
      async (a) => {
        if (!(CLIENT_ROLES as readonly string[]).includes(o.role)) {
          console.error(`--role: expected ${CLIENT_ROLES.join(", ")}`);
          return 4;
        }
        if (o.certOnly && o.passwordStdin) {
          console.error("--cert-only: a certificate-only client takes no password");
          return 4;
        }
        if (o.certOnly) {
          const c = a.service.addCertificateClient(id, o.role, Date.now());
          console.log(`client ${c.id} added (${c.role}, active, certificate only)`);
          return 0;
        }
        if (!o.passwordStdin) {
          console.error(
            "--password-stdin: a client needs a password (piped on standard input), or --cert-only",
          );
          return 4;
        }
        const c = await a.service.addClient(id, o.role, await readSecretLine(), Date.now());
        console.log(`client ${c.id} added (${c.role}, active)`);
        return 0;
      },
      true,
    ),
  disable: (o: SiteOptions, id: string) =>
    withAccess(o, (a) => {
      a.service.disableClient(id, Date.now());
      console.log(`client ${id} disabled`);
      return 0;
    }),
  list: (o: SiteOptions) =>
    withAccess(o, (a) => {
      for (const c of a.clients.list()) console.log(`${c.id}\t${c.role}\t${c.status}\t${c.auth}`);
      return 0;
    }),
};

export const approvalsCli = {
  request: (
    o: SiteOptions & { operator: string; action: string; reason: string; scope?: string },
  ) =>
    withAccess(o, (a) => {
      let scope: Record<string, unknown> = {};
      if (o.scope !== undefined) {
        const parsed: unknown = JSON.parse(o.scope);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
          console.error("--scope: expected a JSON object");
          return 4;
        }
        scope = parsed as Record<string, unknown>;
      }
      const ap = a.service.requestApproval(
        { operator: o.operator, action: o.action, scope, reason: o.reason },
        Date.now(),
      );
      console.log(JSON.stringify(view(ap)));
      return 0;
    }),
  decide: (o: SiteOptions & { operator: string }, id: string, grant: boolean) =>
    withAccess(o, (a) => {
      console.log(
        JSON.stringify(view(a.service.decideApproval(id, o.operator, grant, Date.now()))),
      );
      return 0;
    }),
  list: (o: SiteOptions & { status?: string }) =>
    withAccess(o, (a) => {
      for (const ap of a.approvals.list(Date.now()))
        if (o.status === undefined || ap.status === o.status) console.log(JSON.stringify(view(ap)));
      return 0;
    }),
};

export const lockdownCli = {
  set: (o: SiteOptions & { operator: string; reason: string }) =>
    withAccess(o, (a) => {
      a.service.setLockdown(o.operator, o.reason, Date.now());
      console.log("lockdown set: printing and exports are frozen");
      return 0;
    }),
  lift: (o: SiteOptions & { operator: string; reason: string }) =>
    withAccess(o, (a) => {
      a.service.liftLockdown(o.operator, o.reason, Date.now());
      console.log("lockdown lifted");
      return 0;
    }),
  status: (o: SiteOptions) =>
    withAccess(o, (a) => {
      const s = a.lockdown.current();
      console.log(
        s ? `lockdown since ${iso(s.since)} by ${s.by}: ${s.reason}` : "no lockdown in force",
      );
      return 0;
    }),
};
