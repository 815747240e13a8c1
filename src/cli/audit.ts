import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfigFile } from "../config/load.ts";
import { openDatabase } from "../db/open.ts";
import { verifyAuditLog } from "../audit/verify.ts";
import { isCodedError } from "../errors.ts";

/** `labelgate audit verify`: exit 0 intact, 1 tampered, 4 I/O or usage error. */
export function runAuditVerify(o: { dataDir: string; config?: string }): number {
  let dataDir = o.dataDir;
  if (o.config !== undefined) {
    try {
      dataDir = loadConfigFile(o.config).data_dir;
    } catch (e) {
      console.error(isCodedError(e) ? e.message : String(e));
      return 4;
    }
  }
  const file = join(resolve(dataDir), "labelgate.db");
  if (!existsSync(file)) {
    console.error(`${file}: no audit database here`);
    return 4;
  }
  try {
    const db = openDatabase(file, { readonly: true });
    try {
      const r = verifyAuditLog(db);
      if (r.ok) {
        console.log(`audit log intact: ${r.records} record(s) verified`);
        return 0;
      }
      console.log(
        `audit log TAMPERED: first bad record seq ${r.firstBad.seq} (${r.firstBad.reason}); ${r.records} record(s) read`,
      );
      return 1;
    } finally {
      db.close();
    }
  } catch (e) {
    console.error(`cannot read the audit log: ${isCodedError(e) ? e.message : String(e)}`);
    return 4;
  }
}
