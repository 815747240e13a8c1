import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { Db } from "../db/open.ts";
import { migrate } from "../db/open.ts";
import { CodedError } from "../errors.ts";
import {
  checkPasswordLength,
  identityTable,
  type Identity,
  type IdentityRow,
  type IdentityStatus,
} from "./identity-table.ts";

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
) => Promise<Buffer>;

/**
 * Operators: the people who print, approve and export (Art. 15). Identified by an id such as
 * `E10293` (never a name). Disabling an operator (departed staff) takes effect at once: every
 * check reads the table, nothing is cached.
 */
export type OperatorRole = "operator" | "supervisor" | "admin";
export type OperatorStatus = IdentityStatus;
export type Operator = Identity<OperatorRole>;

const MIGRATIONS = [
  `CREATE TABLE operators (
     id            TEXT PRIMARY KEY,
     role          TEXT NOT NULL CHECK (role IN ('operator','supervisor','admin')),
     status        TEXT NOT NULL CHECK (status IN ('active','disabled')),
     password_hash TEXT,
     created_at    INTEGER NOT NULL,
     updated_at    INTEGER NOT NULL
   ) STRICT;`,
];

const ID = /^[A-Za-z0-9_.-]{1,32}$/;

interface Row extends IdentityRow<OperatorRole> {
  password_hash: string | null;
}

export interface OperatorStore {
  add(id: string, role: OperatorRole, now: number, password?: string): Promise<Operator>;
  get(id: string): Operator | undefined;
  list(): Operator[];
  setStatus(id: string, status: OperatorStatus, now: number): Operator;
  /** Sets (or replaces) the operator's password (scrypt); at least 8 characters. */
  setPassword(id: string, password: string, now: number): Promise<Operator>;
  /** True when the operator exists, is active and the password matches (scrypt, constant time). */
  verifyPassword(id: string, password: string): Promise<boolean>;
  /** True when the id names an active operator with one of the roles. */
  isActive(id: string, roles?: readonly OperatorRole[]): boolean;
}

export function createOperatorStore(db: Db): OperatorStore {
  migrate(db, "operators", MIGRATIONS);
  const t = identityTable<OperatorRole, Row>(db, "operators", "operator");
  return {
    async add(id, role, now, password) {
      if (!ID.test(id))
        throw new CodedError("invalid_request", "operator id: expected 1–32 of A-Z a-z 0-9 _ . -", {
          path: "id",
        });
      t.assertNew(id);
      const hash = password === undefined ? null : await hashPassword(password);
      db.prepare(
        "INSERT INTO operators (id, role, status, password_hash, created_at, updated_at) VALUES (?, ?, 'active', ?, ?, ?)",
      ).run(id, role, hash, now, now);
      return t.reread(id);
    },
    get: t.get,
    list: t.list,
    setStatus: t.setStatus,
    async setPassword(id, password, now) {
      checkPasswordLength(password);
      if (!t.row(id))
        throw new CodedError("invalid_request", `no operator '${id}'`, { path: "id" });
      const hash = await hashPassword(password);
      db.prepare("UPDATE operators SET password_hash = ?, updated_at = ? WHERE id = ?").run(
        hash,
        now,
        id,
      );
      return t.reread(id);
    },
    async verifyPassword(id, password) {
      const r = t.row(id);
      if (!r || r.status !== "active" || r.password_hash === null) return false;
      return verifyHash(r.password_hash, password);
    },
    isActive(id, roles) {
      const r = t.row(id);
      return (
        r !== undefined && r.status === "active" && (roles === undefined || roles.includes(r.role))
      );
    },
  };
}

/** `scrypt$N$r$p$salt$hash` (base64); N = 2^15, r = 8, p = 1, 32-byte key. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32);
  return `scrypt$32768$8$1$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyHash(stored: string, password: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const salt = Buffer.from(parts[4]!, "base64");
  const expected = Buffer.from(parts[5]!, "base64");
  const key = await scrypt(password, salt, expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
