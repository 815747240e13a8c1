/**
 * `labelgate audit verify` and `labelgate audit pubkey`. Verification is offline: it needs the
 * database file and the checkpoint public key (from `--pubkey`, or the key file in the data
 * directory), nothing on the network.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkpointOrigin, parseVerifierKey, verifierKey } from "../audit/checkpoint.ts";
import { ExternalCheckpointError, verifyAuditTrail, type TrailResult } from "../audit/trail.ts";
import { demoConfig, loadConfigFile } from "../config/load.ts";
import { loadOrCreateSigningKey, SIGNING_KEY_FILE } from "../crypto/keys.ts";
import { openDatabase } from "../db/open.ts";
import { isCodedError } from "../errors.ts";

/** Exit codes of `audit verify` (README "Commands"). */
export const VERIFY_EXIT = { ok: 0, altered: 1, truncated: 2, io: 4 } as const;

export interface DataDirOptions {
  dataDir: string;
  config?: string;
}

/** The data directory and the checkpoint origin, from `--config` or the demo defaults. */
export function resolveSite(o: DataDirOptions): {
  dataDir: string;
  origin: string;
  site: string;
  gateway: string;
} {
  const config = o.config !== undefined ? loadConfigFile(o.config) : demoConfig();
  const dataDir = resolve(o.config !== undefined ? config.data_dir : o.dataDir);
  return {
    dataDir,
    origin: checkpointOrigin(config.site, config.gateway),
    site: config.site,
    gateway: config.gateway,
  };
}

function fail(message: string): number {
  console.error(message);
  return VERIFY_EXIT.io;
}

/** The verifier key: `--pubkey` (a key string or a file holding one), else the data dir's key. */
function verifierFrom(
  pubkey: string | undefined,
  dataDir: string,
): { name: string | undefined; publicRaw: Uint8Array } | string {
  if (pubkey !== undefined) {
    const text = existsSync(pubkey) ? readFileSync(pubkey, "utf8") : pubkey;
    const k = parseVerifierKey(text);
    return k === undefined ? "--pubkey: not a verifier key (labelgate audit pubkey prints one)" : k;
  }
  if (!existsSync(join(dataDir, "keys", SIGNING_KEY_FILE))) {
    return `no checkpoint key in ${dataDir}/keys; give --pubkey`;
  }
  return { name: undefined, publicRaw: loadOrCreateSigningKey(dataDir).publicRaw };
}

/** `labelgate audit verify`: exit 0 ok, 1 altered or reordered, 2 truncated / rolled back / forked, 4 I/O or usage. */
export async function runAuditVerify(
  o: DataDirOptions & { checkpoint?: string[]; pubkey?: string; json?: boolean },
): Promise<number> {
  let site;
  try {
    site = resolveSite(o);
  } catch (e) {
    return fail(isCodedError(e) ? e.message : String(e));
  }
  const file = join(site.dataDir, "labelgate.db");
  if (!existsSync(file)) return fail(`${file}: no audit database here`);
  const external: { source: string; note: string }[] = [];
  for (const f of o.checkpoint ?? []) {
    try {
      external.push({ source: f, note: readFileSync(f, "utf8") });
    } catch {
      return fail(`--checkpoint ${f}: cannot read the file`);
    }
  }
  let result: TrailResult;
  try {
    const key = verifierFrom(o.pubkey, site.dataDir);
    if (typeof key === "string") return fail(key);
    const db = openDatabase(file, { readonly: true });
    const bar = process.stderr.isTTY ? progressBar() : undefined;
    try {
      result = await verifyAuditTrail(db, {
        publicRaw: key.publicRaw,
        ...(key.name !== undefined && { origin: key.name }),
        external,
        ...(bar !== undefined && { onProgress: bar.update }),
      });
    } finally {
      bar?.end();
      db.close();
    }
  } catch (e) {
    if (e instanceof ExternalCheckpointError) return fail(e.message);
    return fail(`cannot read the audit log: ${isCodedError(e) ? e.message : String(e)}`);
  }
  if (o.json === true) console.log(JSON.stringify(result));
  else console.log(describe(result));
  return result.verdict === "ok"
    ? VERIFY_EXIT.ok
    : result.verdict === "altered"
      ? VERIFY_EXIT.altered
      : VERIFY_EXIT.truncated;
}

function describe(r: TrailResult): string {
  const range =
    r.range === undefined
      ? "empty log"
      : `records ${r.range.first}…${r.range.last} (${r.range.firstTs} … ${r.range.lastTs})`;
  const cps = `${r.checkpoints.stored} stored and ${r.checkpoints.external} external checkpoint(s)`;
  const latest =
    r.latestCheckpoint === undefined
      ? ""
      : `; latest matching checkpoint: size ${r.latestCheckpoint.size} at ${r.latestCheckpoint.time}`;
  const purged = r.purgedBelow > 0 ? `; records below ${r.purgedBelow} purged with approval` : "";
  if (r.verdict === "ok")
    return `audit log intact: ${r.records} record(s) verified, ${range}; ${cps}${latest}${purged}`;
  const f = r.firstFailure;
  const what =
    f === undefined
      ? "unknown"
      : `seq ${f.seq} (${f.reason}${f.source !== undefined ? `, ${f.source}` : ""}${f.problem !== undefined ? `: ${f.problem}` : ""})`;
  const head =
    r.verdict === "altered" ? "audit log TAMPERED" : "audit log TRUNCATED, ROLLED BACK OR FORKED";
  return `${head}: first failure at ${what}; verified good: ${r.records} record(s)${r.range === undefined ? "" : `, ${range}`}; ${cps}`;
}

function progressBar(): { update: (done: number, total: number) => void; end: () => void } {
  let drawn = false;
  return {
    update(done, total) {
      const frac = total === 0 ? 1 : Math.min(1, done / total);
      const width = 30;
      const fill = Math.round(frac * width);
      process.stderr.write(
        `\rverifying [${"#".repeat(fill)}${" ".repeat(width - fill)}] ${done}/${total}`,
      );
      drawn = true;
    },
    end() {
      if (drawn) process.stderr.write("\n");
    },
  };
}

/** `labelgate audit pubkey`: prints the checkpoint verifier key (creating the key pair if needed). */
export function runAuditPubkey(o: DataDirOptions): number {
  try {
    const site = resolveSite(o);
    const key = loadOrCreateSigningKey(site.dataDir);
    console.log(verifierKey(site.origin, key.publicRaw));
    return 0;
  } catch (e) {
    return fail(isCodedError(e) ? e.message : String(e));
  }
}
