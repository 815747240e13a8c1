/**
 * Who is logged in at which scan station (issue #4 §8), kept in the gateway database so a restart
 * does not log every station out silently. `src/devices/scan-station.ts` keeps the sessions in
 * memory and writes each change here: a log-in and a log-out at once (rare, human actions), the
 * last scan's time through the group commit (one per scan). At start it reads the table back and
 * decides, per row, whether the log-in still holds (idle timeout, operator still active).
 */
import type { Db } from "../db/open.ts";
import { migrate } from "../db/open.ts";

const MIGRATIONS = [
  `CREATE TABLE station_logins (
     station       TEXT PRIMARY KEY,
     operator      TEXT NOT NULL,
     via           TEXT NOT NULL CHECK (via IN ('badge','request')),
     since         INTEGER NOT NULL,
     last_activity INTEGER NOT NULL CHECK (last_activity >= since)
   ) STRICT;`,
];

export interface StationLogin {
  station: string;
  operator: string;
  via: "badge" | "request";
  /** When the operator logged in (ms since the epoch, the gateway clock). */
  since: number;
  /** The log-in or the last scan that kept it alive; the idle timeout counts from here. */
  lastActivity: number;
}

export interface StationLoginStore {
  /** Every stored log-in, by station. */
  all(): StationLogin[];
  /** Stores the station's log-in, replacing the previous one. */
  put(l: StationLogin): void;
  /** Moves the idle clock of `operator`'s log-in at `station` forward (never back). */
  touch(station: string, operator: string, at: number): void;
  remove(station: string): void;
}

interface Row {
  station: string;
  operator: string;
  via: "badge" | "request";
  since: number;
  last_activity: number;
}

export function createStationLoginStore(db: Db): StationLoginStore {
  migrate(db, "station_logins", MIGRATIONS);
  const all = db.prepare<[], Row>("SELECT * FROM station_logins ORDER BY station");
  const put = db.prepare<[string, string, string, number, number]>(
    "INSERT OR REPLACE INTO station_logins (station, operator, via, since, last_activity) VALUES (?, ?, ?, ?, ?)",
  );
  const touch = db.prepare<[number, string, string]>(
    "UPDATE station_logins SET last_activity = max(last_activity, ?) WHERE station = ? AND operator = ?",
  );
  const remove = db.prepare<[string]>("DELETE FROM station_logins WHERE station = ?");
  return {
    all: () =>
      all.all().map((r) => ({
        station: r.station,
        operator: r.operator,
        via: r.via,
        since: r.since,
        lastActivity: r.last_activity,
      })),
    put: (l) => void put.run(l.station, l.operator, l.via, l.since, l.lastActivity),
    touch: (station, operator, at) => void touch.run(at, station, operator),
    remove: (station) => void remove.run(station),
  };
}
