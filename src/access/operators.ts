import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { Db } from "../db/open.ts";
import { migrate } from "../db/open.ts";
import { CodedError } from "../errors.ts";

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
export type OperatorStatus = "active" | "disabled";

export interface Operator {
  id: string;
  role: OperatorRole;
  status: OperatorStatus;
  createdAt: number;
  updatedAt: number;
}

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

interface Row {
  id: string;
  role: OperatorRole;
  status: OperatorStatus;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
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
  const getStmt = db.prepare<[string], Row>("SELECT * FROM operators WHERE id = ?");
  const toOp = (r: Row): Operator => ({
    id: r.id,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  return {
    async add(id, role, now, password) {
      if (!ID.test(id))
        throw new CodedError("invalid_request", "operator id: expected 1–32 of A-Z a-z 0-9 _ . -", {
          path: "id",
        });
      if (getStmt.get(id))
        throw new CodedError("invalid_request", `operator '${id}' exists already`, { path: "id" });
      const hash = password === undefined ? null : await hashPassword(password);
      db.prepare(
        "INSERT INTO operators (id, role, status, password_hash, created_at, updated_at) VALUES (?, ?, 'active', ?, ?, ?)",
      ).run(id, role, hash, now, now);
      return toOp(getStmt.get(id)!);
    },
    get(id) {
      const r = getStmt.get(id);
      return r ? toOp(r) : undefined;
    },
    list() {
      return db.prepare<[], Row>("SELECT * FROM operators ORDER BY id").all().map(toOp);
    },
    setStatus(id, status, now) {
      const info = db
        .prepare("UPDATE operators SET status = ?, updated_at = ? WHERE id = ?")
        .run(status, now, id);
      if (info.changes !== 1)
        throw new CodedError("invalid_request", `no operator '${id}'`, { path: "id" });
      return toOp(getStmt.get(id)!);
    },
    async setPassword(id, password, now) {
      if (password.length < 8)
        throw new CodedError("invalid_request", "password: at least 8 characters", {
          path: "password",
        });
      if (!getStmt.get(id))
        throw new CodedError("invalid_request", `no operator '${id}'`, { path: "id" });
      const hash = await hashPassword(password);
      db.prepare("UPDATE operators SET password_hash = ?, updated_at = ? WHERE id = ?").run(
        hash,
        now,
        id,
      );
      return toOp(getStmt.get(id)!);
    },
    async verifyPassword(id, password) {
      const r = getStmt.get(id);
      if (!r || r.status !== "active" || r.password_hash === null) return false;
      return verifyHash(r.password_hash, password);
    },
    isActive(id, roles) {
      const r = getStmt.get(id);
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
