/**
 * Which simulator preview belongs to which job. A hosted simulator writes each printed format as
 * `<data>/sim/<dev>/<n>.zpl` + `<n>.png`, n counting on from the files already there; the bytes
 * sent for a job may also carry downloads outside the format (stored graphics), so the job's
 * digest does not identify the file. A device prints its jobs one at a time, in order, so the
 * job dispatched k-th gets the next `copies` file numbers. The assignment is kept in SQLite so a
 * preview outlives a restart. (A job whose bytes never reached the printer, or that went
 * in doubt, can shift the numbering of later jobs on that device until the next restart.)
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { migrate, type Db } from "../db/open.ts";

const MIGRATIONS = [
  `CREATE TABLE web_previews (
     job_id  TEXT PRIMARY KEY,
     device  TEXT NOT NULL,
     first_n INTEGER NOT NULL
   ) STRICT;`,
];

export interface PreviewIndex {
  /** A job went to `device` with `copies` formats (called on its `print.dispatched` record). */
  dispatched(jobId: string, device: string, copies: number): void;
  /** The PNG of the job's first copy, once written. */
  find(jobId: string): string | undefined;
}

export function createPreviewIndex(
  db: Db,
  dataDir: string,
  hosted: ReadonlySet<string>,
): PreviewIndex {
  migrate(db, "web_previews", MIGRATIONS);
  const next = new Map<string, number>();
  const dirOf = (device: string) => join(dataDir, "sim", device);
  const lastFile = (device: string) => {
    const dir = dirOf(device);
    if (!existsSync(dir)) return 0;
    let max = 0;
    for (const f of readdirSync(dir)) {
      const m = /^([0-9]+)\./.exec(f);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max;
  };
  const insert = db.prepare(
    "INSERT OR IGNORE INTO web_previews (job_id, device, first_n) VALUES (?, ?, ?)",
  );
  const get = db.prepare<[string], { device: string; first_n: number }>(
    "SELECT device, first_n FROM web_previews WHERE job_id = ?",
  );
  return {
    dispatched(jobId, device, copies) {
      if (!hosted.has(device)) return;
      // The simulator numbers on from the files present when it started; so do we, lazily.
      const n = next.get(device) ?? lastFile(device) + 1;
      insert.run(jobId, device, n);
      next.set(device, n + Math.max(1, copies));
    },
    find(jobId) {
      const r = get.get(jobId);
      if (!r) return undefined;
      const png = join(dirOf(r.device), `${r.first_n}.png`);
      return existsSync(png) ? png : undefined;
    },
  };
}
