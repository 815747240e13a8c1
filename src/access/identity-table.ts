/**
 * What the operator and client stores share: a table of identities, each an id with a role, a
 * status and two timestamps, read on every check (nothing cached, so disabling one takes effect
 * at once), and the password rule both apply.
 */
import type { Db } from "../db/open.ts";
import { CodedError } from "../errors.ts";

export type IdentityStatus = "active" | "disabled";

/** An operator or a client as the stores return it; never its password hashes. */
export interface Identity<Role extends string> {
  id: string;
  role: Role;
  status: IdentityStatus;
  createdAt: number;
  updatedAt: number;
}

/** The columns every identity table has; a table adds its hash columns. */
export interface IdentityRow<Role extends string> {
  id: string;
  role: Role;
  status: IdentityStatus;
  created_at: number;
  updated_at: number;
}

export interface IdentityTable<Role extends string, R extends IdentityRow<Role>> {
  /** The row, hashes included, or undefined. */
  row(id: string): R | undefined;
  /** The identity of a row (the hashes left out). */
  toIdentity(r: R): Identity<Role>;
  /** Throws `invalid_request` (path `id`) when the id is taken. */
  assertNew(id: string): void;
  /** The identity of a row that a write has just left in place. */
  reread(id: string): Identity<Role>;
  get(id: string): Identity<Role> | undefined;
  /** Every identity, by id. */
  list(): Array<Identity<Role>>;
  /** Throws `invalid_request` (path `id`) when there is no such identity. */
  setStatus(id: string, status: IdentityStatus, now: number): Identity<Role>;
}

/**
 * The shared reads and the status change of an identity table that `migrate` has created.
 * `noun` names one entry in error messages (`no client 'ws-1'`).
 */
export function identityTable<Role extends string, R extends IdentityRow<Role>>(
  db: Db,
  table: "operators" | "clients",
  noun: string,
): IdentityTable<Role, R> {
  const getStmt = db.prepare<[string], R>(`SELECT * FROM ${table} WHERE id = ?`);
  const toIdentity = (r: R): Identity<Role> => ({
    id: r.id,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  const reread = (id: string): Identity<Role> => toIdentity(getStmt.get(id)!);
  return {
    row: (id) => getStmt.get(id),
    toIdentity,
    assertNew(id) {
      if (getStmt.get(id))
        throw new CodedError("invalid_request", `${noun} '${id}' exists already`, { path: "id" });
    },
    reread,
    get(id) {
      const r = getStmt.get(id);
      return r ? toIdentity(r) : undefined;
    },
    list() {
      return db.prepare<[], R>(`SELECT * FROM ${table} ORDER BY id`).all().map(toIdentity);
    },
    setStatus(id, status, now) {
      const info = db
        .prepare(`UPDATE ${table} SET status = ?, updated_at = ? WHERE id = ?`)
        .run(status, now, id);
      if (info.changes !== 1)
        throw new CodedError("invalid_request", `no ${noun} '${id}'`, { path: "id" });
      return reread(id);
    },
  };
}

/** Throws `invalid_request` (path `password`) for a password shorter than 8 characters. */
export function checkPasswordLength(password: string): void {
  if (password.length < 8)
    throw new CodedError("invalid_request", "password: at least 8 characters", {
      path: "password",
    });
}
