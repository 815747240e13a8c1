import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { makeFixture, sampleInput, waybillNo, type Fixture } from "./helpers.ts";

let f: Fixture;
afterEach(() => f.cleanup());

/** Every file SQLite keeps for the database: main file, WAL, shared-memory index. */
function databaseBytes(path: string): Buffer[] {
  return [path, `${path}-wal`, `${path}-shm`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p));
}

function plaintextHits(files: Buffer[], needles: string[]): string[] {
  const hits: string[] = [];
  for (const needle of needles) {
    for (const enc of ["utf8", "utf16le"] as const) {
      const bytes = Buffer.from(needle, enc);
      if (files.some((b) => b.includes(bytes))) hits.push(`${needle} (${enc})`);
    }
  }
  return hits;
}

describe("no plaintext waybill number in the database files", () => {
  it("stores only waybill_ref and waybill_enc, in the WAL and after checkpointing", () => {
    f = makeFixture();
    const numbers: string[] = [];
    for (let i = 0; i < 300; i++) numbers.push(waybillNo(i));
    for (let i = 0; i < 50; i++) f.log.append(sampleInput(i));
    f.log.appendBatch(Array.from({ length: 250 }, (_, j) => sampleInput(50 + j)));
    f.log.appendBatch(
      [5, 6, 7].map((i) => ({
        ...sampleInput(1000 + i),
        waybillNo: `sf${waybillNo(1000 + i).slice(2)}`,
      })),
    );
    numbers.push(...[5, 6, 7].map((i) => waybillNo(1000 + i)));
    // Searching by the number must not leave it behind either.
    expect(f.log.search({ waybillNo: waybillNo(3), limit: 1 })).toHaveLength(1);

    // The numbers and their digit parts (a carrier prefix stripped would still identify a parcel).
    const needles = [...numbers, ...numbers.map((n) => n.slice(2))];
    const live = databaseBytes(f.dbPath);
    expect(live.length).toBeGreaterThanOrEqual(2); // the WAL exists while the database is open
    expect(live.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(100_000);
    expect(plaintextHits(live, needles)).toEqual([]);

    f.db.pragma("wal_checkpoint(TRUNCATE)");
    f.db.close();
    expect(plaintextHits(databaseBytes(f.dbPath), needles)).toEqual([]);
  });

  it("would notice a plaintext number (the check itself works)", () => {
    f = makeFixture();
    f.db.exec("CREATE TABLE leak (v TEXT)");
    f.db.prepare("INSERT INTO leak (v) VALUES (?)").run(waybillNo(42));
    expect(plaintextHits(databaseBytes(f.dbPath), [waybillNo(42)])).toEqual([
      `${waybillNo(42)} (utf8)`,
    ]);
  });
});
