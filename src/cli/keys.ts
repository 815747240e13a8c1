/**
 * `labelgate keys rotate`: a new data key generation (Art. 14 encrypted storage) and a new HMAC
 * key generation of `waybill_ref`. From the daemon's next start values are sealed under the new
 * data key and new records are tagged under the new HMAC key; every older key stays in `keys/`,
 * so what it sealed still opens and look-ups by waybill number still find what it tagged. The
 * rotation is audited (`keys.rotated`, reason `data_key:<id>+hmac_key:<id>`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createAuditLog } from "../audit/log.ts";
import { loadOrCreateKeys, rotateDataKey, rotateHmacKey } from "../crypto/keys.ts";
import { openDatabase } from "../db/open.ts";
import { isCodedError } from "../errors.ts";
import { resolveSite, type DataDirOptions } from "./audit.ts";

export function runKeysRotate(o: DataDirOptions & { operator?: string }): number {
  try {
    const site = resolveSite(o);
    const { id, generation } = rotateDataKey(site.dataDir);
    const hmac = rotateHmacKey(site.dataDir);
    const file = join(site.dataDir, "labelgate.db");
    if (existsSync(file)) {
      const db = openDatabase(file);
      try {
        createAuditLog({
          db,
          keys: loadOrCreateKeys(site.dataDir),
          site: site.site,
          gateway: site.gateway,
          clock: Date.now,
        }).append({
          action: "keys.rotated",
          outcome: "ok",
          reason: `data_key:${id}+hmac_key:${hmac.id}`,
          ...(o.operator !== undefined && { actor: { operator: o.operator } }),
        });
      } finally {
        db.close();
      }
    }
    console.log(
      `new data key ${id} (generation ${generation}) and waybill_ref HMAC key ${hmac.id} (generation ${hmac.generation}); the daemon uses them from its next start`,
    );
    return 0;
  } catch (e) {
    console.error(isCodedError(e) ? `${e.code}: ${e.message}` : String(e));
    return 4;
  }
}
