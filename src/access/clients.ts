import { pbkdf2Sync, randomBytes } from "node:crypto";
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
import { hashPassword, verifyHash } from "./operators.ts";

/**
 * Clients: the MQTT identities of workstations, scanners, supervisors' tools and other gateways
 * (Art. 14, 17: only authorized clients reach the system). The id is the MQTT username. What a
 * role may publish and read is `src/access/broker-policy.ts`. Disabling a client takes effect at
 * its next connect and on every publish and subscribe after that (nothing is cached).
 */
export const CLIENT_ROLES = ["workstation", "scanner", "supervisor", "gateway"] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];
export type ClientStatus = IdentityStatus;
/**
 * How a client proves who it is: `password` (username and password, on any listener) or
 * `certificate` (only a TLS client certificate whose CN is its id, on the embedded broker's TLS
 * listener with `use_identity_as_username`; it has no password hash, so no password logs it in).
 */
export type ClientAuth = "password" | "certificate";
export type Client = Identity<ClientRole> & { auth: ClientAuth };

const MIGRATIONS = [
  `CREATE TABLE clients (
     id             TEXT PRIMARY KEY,
     role           TEXT NOT NULL CHECK (role IN ('workstation','scanner','supervisor','gateway')),
     status         TEXT NOT NULL CHECK (status IN ('active','disabled')),
     password_hash  TEXT NOT NULL,
     mosquitto_hash TEXT NOT NULL,
     created_at     INTEGER NOT NULL,
     updated_at     INTEGER NOT NULL
   ) STRICT;`,
  // Certificate-only clients (issue #8): both hashes NULL, never one without the other.
  `CREATE TABLE clients_v2 (
     id             TEXT PRIMARY KEY,
     role           TEXT NOT NULL CHECK (role IN ('workstation','scanner','supervisor','gateway')),
     status         TEXT NOT NULL CHECK (status IN ('active','disabled')),
     password_hash  TEXT,
     mosquitto_hash TEXT,
     created_at     INTEGER NOT NULL,
     updated_at     INTEGER NOT NULL,
     CHECK ((password_hash IS NULL) = (mosquitto_hash IS NULL))
   ) STRICT;
   INSERT INTO clients_v2 SELECT id, role, status, password_hash, mosquitto_hash, created_at, updated_at FROM clients;
   DROP TABLE clients;
   ALTER TABLE clients_v2 RENAME TO clients;`,
];

/** The schema steps, in order (exported for the upgrade test). */
export { MIGRATIONS as CLIENT_MIGRATIONS };

/** Client ids are MQTT usernames and a topic level (`reply/{client}`): no `/ + #`. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,22}$/;

interface Row extends IdentityRow<ClientRole> {
  /** NULL for a certificate-only client (with `mosquitto_hash`). */
  password_hash: string | null;
  mosquitto_hash: string | null;
}

export interface ClientStore {
  /** Adds an active client; the password is stored as scrypt and as a Mosquitto `$7$` hash. */
  add(id: string, role: ClientRole, password: string, now: number): Promise<Client>;
  /**
   * Adds an active certificate-only client: no password hash is stored, so it can only connect
   * with a client certificate whose CN is `id` (TLS listener, `use_identity_as_username`).
   */
  addCertificateOnly(id: string, role: ClientRole, now: number): Client;
  get(id: string): Client | undefined;
  list(): Client[];
  setStatus(id: string, status: ClientStatus, now: number): Client;
  /** The client when it exists, is active and the password matches (scrypt, constant time). */
  authenticate(id: string, password: string): Promise<Client | undefined>;
  /** `id:$7$…` lines for a Mosquitto `password_file`, active password clients only. */
  mosquittoPasswordLines(): string[];
}

export function createClientStore(db: Db): ClientStore {
  migrate(db, "clients", MIGRATIONS);
  const t = identityTable<ClientRole, Row>(db, "clients", "client");
  const toClient = (r: Row): Client => ({
    ...t.toIdentity(r),
    auth: r.password_hash === null ? "certificate" : "password",
  });
  const reread = (id: string): Client => toClient(t.row(id)!);
  const insert = db.prepare(
    "INSERT INTO clients (id, role, status, password_hash, mosquitto_hash, created_at, updated_at) VALUES (?, ?, 'active', ?, ?, ?, ?)",
  );
  const checkNew = (id: string, role: ClientRole): void => {
    if (!ID.test(id))
      throw new CodedError("invalid_request", "client id: expected 1–23 of A-Z a-z 0-9 _ . -", {
        path: "id",
      });
    if (!(CLIENT_ROLES as readonly string[]).includes(role))
      throw new CodedError("invalid_request", `role: expected ${CLIENT_ROLES.join(", ")}`, {
        path: "role",
      });
  };
  return {
    async add(id, role, password, now) {
      checkNew(id, role);
      checkPasswordLength(password);
      t.assertNew(id);
      const hash = await hashPassword(password);
      insert.run(id, role, hash, mosquittoHash(password), now, now);
      return reread(id);
    },
    addCertificateOnly(id, role, now) {
      checkNew(id, role);
      t.assertNew(id);
      insert.run(id, role, null, null, now, now);
      return reread(id);
    },
    get(id) {
      const r = t.row(id);
      return r ? toClient(r) : undefined;
    },
    list() {
      return db.prepare<[], Row>("SELECT * FROM clients ORDER BY id").all().map(toClient);
    },
    setStatus(id, status, now) {
      t.setStatus(id, status, now);
      return reread(id);
    },
    async authenticate(id, password) {
      const r = t.row(id);
      // A certificate-only client has no password: none matches, whatever is sent.
      if (!r || r.status !== "active" || r.password_hash === null) return undefined;
      return (await verifyHash(r.password_hash, password)) ? toClient(r) : undefined;
    },
    mosquittoPasswordLines() {
      return db
        .prepare<[], Row & { mosquitto_hash: string }>(
          "SELECT * FROM clients WHERE status = 'active' AND mosquitto_hash IS NOT NULL ORDER BY id",
        )
        .all()
        .map((r) => `${r.id}:${r.mosquitto_hash}`);
    },
  };
}

/**
 * A Mosquitto 2.0 password hash: `$7$<iterations>$<salt>$<hash>`, PBKDF2-HMAC-SHA512 with a
 * 12-byte salt and a 64-byte key, both base64 (mosquitto `src/password_mosq.c`, the format
 * `mosquitto_passwd` writes; 101 iterations is its default). Checked against `mosquitto_passwd`
 * output in test/src/access/clients.test.ts.
 */
export function mosquittoHash(password: string, salt = randomBytes(12), iterations = 101): string {
  const key = pbkdf2Sync(password, salt, iterations, 64, "sha512");
  return `$7$${iterations}$${salt.toString("base64")}$${key.toString("base64")}`;
}
