import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { hostScriptedZpl, type ScriptedZpl } from "../../helpers/devices.ts";

/**
 * Shared setup of the pool restart tests (issue #4 §4): two scripted ZPL printers `p-a` and `p-b`
 * on loopback, a data directory for them and one for the gateways that come and go on it, and a
 * read of the gateway's stored inbox.
 */
export interface PoolPair {
  simDir: string;
  gwDir: string;
  a: ScriptedZpl;
  b: ScriptedZpl;
  /** Closes both printers and removes both directories (stop the gateway first). */
  close(): Promise<void>;
}

export async function startPoolPair(tmpPrefix: string): Promise<PoolPair> {
  const simDir = mkdtempSync(join(tmpdir(), `${tmpPrefix}-sim-`));
  const gwDir = mkdtempSync(join(tmpdir(), `${tmpPrefix}-gw-`));
  const a = await hostScriptedZpl({ dataDir: simDir, deviceId: "p-a" });
  const b = await hostScriptedZpl({ dataDir: simDir, deviceId: "p-b" });
  return {
    simDir,
    gwDir,
    a,
    b,
    async close() {
      await a.hosted.close();
      await b.hosted.close();
      rmSync(simDir, { recursive: true, force: true });
      rmSync(gwDir, { recursive: true, force: true });
    },
  };
}

/** A ZPL pool member on loopback TCP; status reads every `statusPollMs`. */
export function poolMember(id: string, pool: string, port: number, statusPollMs: number) {
  return {
    id,
    driver: "zebra-zpl",
    pool,
    transport: { type: "tcp" as const, host: "127.0.0.1", port },
    status_poll_ms: statusPollMs,
    status_timeout_ms: 500,
    confirm_timeout_ms: 3000,
  };
}

export interface InboxRow {
  device: string;
  state: string;
  pool: string | null;
}

/** The gateway's stored inbox in `gwDir`, by job id (read-only). */
export function readInbox(gwDir: string): Record<string, InboxRow> {
  const db = new Database(join(gwDir, "labelgate.db"), { readonly: true });
  try {
    const rows = db.prepare("SELECT job_id, device, state, pool FROM jobs").all() as Array<
      InboxRow & { job_id: string }
    >;
    return Object.fromEntries(rows.map((r) => [r.job_id, r]));
  } finally {
    db.close();
  }
}
