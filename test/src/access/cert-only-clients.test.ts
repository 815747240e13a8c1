import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_MIGRATIONS,
  createClientStore,
  type ClientStore,
} from "../../../src/access/clients.ts";
import { mosquittoAclFile } from "../../../src/access/mosquitto-acl.ts";
import { hashPassword } from "../../../src/access/operators.ts";
import { migrate, openDatabase } from "../../../src/db/open.ts";
import type { BrokerRefusal, EmbeddedBroker } from "../../../src/mqtt/broker.ts";
import type { TestPki } from "../../cluster/certs.ts";
import {
  CLIENTS,
  addClients,
  connect,
  connectTls,
  startCertBroker,
  trySubscribe,
  type CertBroker,
} from "./broker-scenario.ts";

/**
 * Certificate-only clients (issue #8): `labelgate clients add ID --role R --cert-only` stores no
 * password hash, so no password ever logs the client in (plain listener, or TLS without
 * `use_identity_as_username`); on the TLS listener with `use_identity_as_username` its certificate's
 * CN is accepted and its role decides the ACL. Synthetic ids only.
 */

const SITE = "labelgate/demo";
const SCANNER = "pda-31";

describe("certificate-only clients in the store", () => {
  it("stores no hash, never authenticates by password, stays out of the Mosquitto password file", async () => {
    const db = openDatabase(":memory:");
    const clients = createClientStore(db);
    await addClients(clients, [CLIENTS.ws12]);
    expect(clients.addCertificateOnly(SCANNER, "scanner", 5)).toEqual({
      id: SCANNER,
      role: "scanner",
      status: "active",
      createdAt: 5,
      updatedAt: 5,
      auth: "certificate",
    });
    expect(
      db.prepare("SELECT password_hash, mosquitto_hash FROM clients WHERE id = ?").get(SCANNER),
    ).toEqual({ password_hash: null, mosquitto_hash: null });
    for (const pw of ["", "null", "anything-at-all", "scrypt$1$1$1$$"])
      expect(await clients.authenticate(SCANNER, pw)).toBeUndefined();
    // Positive control: the password client next to it still logs in.
    expect(await clients.authenticate(CLIENTS.ws12.id, CLIENTS.ws12.password)).toMatchObject({
      auth: "password",
    });
    expect(clients.list().map((c) => [c.id, c.auth])).toEqual([
      [SCANNER, "certificate"],
      [CLIENTS.ws12.id, "password"],
    ]);
    expect(clients.mosquittoPasswordLines().map((l) => l.split(":")[0])).toEqual([CLIENTS.ws12.id]);
    // Its ACL block is written all the same (a site Mosquitto that takes the CN as username).
    expect(mosquittoAclFile(clients.list(), SITE, 0)).toContain(
      `user ${SCANNER}\ntopic write ${SITE}/device/+/job\n`,
    );
    expect(() => clients.addCertificateOnly(SCANNER, "scanner", 6)).toThrow(
      `client '${SCANNER}' exists already`,
    );
    expect(() => clients.addCertificateOnly("a/b", "scanner", 6)).toThrow(/client id/);
    expect(() => clients.addCertificateOnly("pda-32", "boss" as "scanner", 6)).toThrow(/role/);
    expect(clients.setStatus(SCANNER, "disabled", 7)).toMatchObject({
      status: "disabled",
      auth: "certificate",
    });
    // The schema refuses a row with one hash and not the other.
    expect(() =>
      db
        .prepare(
          "INSERT INTO clients (id, role, status, password_hash, mosquitto_hash, created_at, updated_at) VALUES ('x', 'scanner', 'active', NULL, '$7$1$a$b', 0, 0)",
        )
        .run(),
    ).toThrow(/CHECK/);
  });

  it("upgrades a database from before certificate-only clients, keeping its password clients", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labelgate-clients-v1-"));
    try {
      const file = join(dir, "labelgate.db");
      const old = openDatabase(file);
      migrate(old, "clients", CLIENT_MIGRATIONS.slice(0, 1));
      old
        .prepare(
          "INSERT INTO clients (id, role, status, password_hash, mosquitto_hash, created_at, updated_at) VALUES (?, 'workstation', 'active', ?, '$7$101$c2FsdA==$aGFzaA==', 1, 1)",
        )
        .run(CLIENTS.ws12.id, await hashPassword(CLIENTS.ws12.password));
      old.close();
      const db = openDatabase(file);
      const clients = createClientStore(db);
      expect(await clients.authenticate(CLIENTS.ws12.id, CLIENTS.ws12.password)).toMatchObject({
        id: CLIENTS.ws12.id,
        auth: "password",
      });
      expect(clients.mosquittoPasswordLines()).toEqual([
        `${CLIENTS.ws12.id}:$7$101$c2FsdA==$aGFzaA==`,
      ]);
      clients.addCertificateOnly(SCANNER, "scanner", 2);
      expect(clients.get(SCANNER)?.auth).toBe("certificate");
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a certificate-only client on the embedded broker", () => {
  let rig: CertBroker;
  let clients: ClientStore;
  let broker: EmbeddedBroker;
  let pki: TestPki;
  let refused: BrokerRefusal[];

  beforeAll(async () => {
    rig = await startCertBroker(
      "labelgate-certonly-",
      async (c) => {
        await addClients(c, [CLIENTS.ws12, CLIENTS.gw]);
        c.addCertificateOnly(SCANNER, "scanner", Date.now());
      },
      false,
    );
    ({ clients, broker, pki, refused } = rig);
  }, 60_000);
  afterAll(() => rig.close());

  it("is refused on the plain listener with any password, or none", async () => {
    const url = `mqtt://127.0.0.1:${broker.port}`;
    for (const password of ["", "anything-at-all"]) {
      const before = refused.length;
      await expect(connect(url, { id: SCANNER, password })).rejects.toThrow(
        /not authorized|bad user/i,
      );
      expect(refused.slice(before)).toContainEqual(
        expect.objectContaining({ what: "connect", client: SCANNER, cause: "credentials" }),
      );
    }
    // Positive control: a password client logs in on the same listener.
    await (await connect(url, CLIENTS.ws12)).endAsync();
  });

  it("is accepted on the TLS listener by its certificate's CN, with its role's ACL", async () => {
    const pda = await connectTls(broker.tlsPort!, pki.ca, pki.client(SCANNER));
    const gw = await connect(`mqtt://127.0.0.1:${broker.port}`, CLIENTS.gw);
    try {
      expect(
        await trySubscribe(pda, [
          `${SITE}/reply/${CLIENTS.ws12.id}/#`,
          `${SITE}/reply/${SCANNER}/#`,
        ]),
      ).toEqual([false, true]);
      const got: string[] = [];
      pda.on("message", (topic) => got.push(topic));
      await gw.publishAsync(`${SITE}/reply/${SCANNER}/j1`, "{}", { qos: 1 });
      await expect.poll(() => got).toEqual([`${SITE}/reply/${SCANNER}/j1`]);
    } finally {
      await pda.endAsync();
      await gw.endAsync();
    }
    // Disabled: its certificate no longer lets it in.
    clients.setStatus(SCANNER, "disabled", Date.now());
    try {
      await expect(connectTls(broker.tlsPort!, pki.ca, pki.client(SCANNER))).rejects.toThrow(
        /not authorized/i,
      );
    } finally {
      clients.setStatus(SCANNER, "active", Date.now());
    }
  });
});

describe("labelgate clients add --cert-only (CLI)", () => {
  const BIN = new URL("../../../bin/labelgate.js", import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), "labelgate-certonly-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = async (...args: string[]) => {
    try {
      const r = await promisify(execFile)(process.execPath, [BIN, ...args, "--data-dir", dir]);
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };

  it("adds a client without a password, refuses --cert-only with --password-stdin, lists the auth", async () => {
    const added = await cli("clients", "add", SCANNER, "--role", "scanner", "--cert-only");
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain("certificate only");
    const both = await cli(
      "clients",
      "add",
      "pda-32",
      "--role",
      "scanner",
      "--cert-only",
      "--password-stdin",
    );
    expect(both.code).toBe(4);
    expect(both.stderr).toContain("--cert-only");
    const none = await cli("clients", "add", "pda-33", "--role", "scanner");
    expect(none.code).toBe(4);
    expect(none.stderr).toContain("--cert-only");
    const list = await cli("clients", "list");
    expect(list.stdout.trim().split("\n")).toEqual([`${SCANNER}\tscanner\tactive\tcertificate`]);
    const db = openDatabase(join(dir, "labelgate.db"));
    try {
      expect(db.prepare("SELECT password_hash FROM clients").all()).toEqual([
        { password_hash: null },
      ]);
      expect(
        db
          .prepare("SELECT 1 FROM audit_log WHERE action = 'client.added' AND reason = ?")
          .all("scanner:certificate"),
      ).toHaveLength(1);
    } finally {
      db.close();
    }
  }, 60_000);
});
