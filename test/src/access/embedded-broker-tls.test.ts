import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientStore, type ClientStore } from "../../../src/access/clients.ts";
import { validateConfig } from "../../../src/config/load.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { silentLogger } from "../../../src/log.ts";
import { startGateway } from "../../../src/main.ts";
import {
  startEmbeddedBroker,
  type BrokerRefusal,
  type EmbeddedBroker,
} from "../../../src/mqtt/broker.ts";
import { makeTestPki, type TestPki } from "../../cluster/certs.ts";
import { freePort } from "../../helpers/net.ts";
import {
  CLIENTS,
  addClients,
  connect,
  connectTls,
  demoBrokerAccess,
  startCertBroker,
  trySubscribe,
  type CertBroker,
} from "./broker-scenario.ts";

/**
 * The embedded broker's TLS listener (issue #8 §5: TLS client certificates when TLS is on). A
 * throwaway CA made with openssl issues the server's and the clients' certificates; a second CA
 * issues one the broker must not accept. With `use_identity_as_username` the certificate's CN is
 * the client id, whatever username the client sends, and that client's role decides its ACL.
 */

const SITE = "labelgate/demo";

describe("embedded broker TLS listener with client certificates", () => {
  let rig: CertBroker;
  let clients: ClientStore;
  let broker: EmbeddedBroker;
  let pki: TestPki;
  let foreign: TestPki;
  let refused: BrokerRefusal[];

  beforeAll(async () => {
    // Anonymous on the plain loopback listener only, never over TLS.
    rig = await startCertBroker("labelgate-tls-", (c) => addClients(c), true);
    ({ clients, broker, pki, refused } = rig);
    foreign = makeTestPki(join(rig.dir, "foreign"));
  }, 60_000);
  afterAll(() => rig.close());

  it("refuses a client without a certificate, even with a valid password", async () => {
    const before = refused.length;
    await expect(
      connectTls(broker.tlsPort!, pki.ca, undefined, {
        username: CLIENTS.ws12.id,
        password: CLIENTS.ws12.password,
      }),
    ).rejects.toThrow();
    await expect.poll(() => refused.slice(before).map((r) => r.cause)).toContain("tls_handshake");
  });

  it("refuses a certificate from another CA with a known client's CN", async () => {
    const before = refused.length;
    await expect(
      connectTls(broker.tlsPort!, pki.ca, foreign.client(CLIENTS.ws12.id)),
    ).rejects.toThrow();
    await expect.poll(() => refused.slice(before).map((r) => r.cause)).toContain("tls_handshake");
  });

  it("refuses a valid certificate whose CN is no active client (CONNACK 5)", async () => {
    await expect(connectTls(broker.tlsPort!, pki.ca, pki.client("ws-99"))).rejects.toThrow(
      /not authorized/i,
    );
    expect(refused.at(-1)).toMatchObject({
      what: "connect",
      client: "ws-99",
      cause: "certificate",
    });
    clients.setStatus(CLIENTS.ws13.id, "disabled", Date.now());
    try {
      await expect(
        connectTls(broker.tlsPort!, pki.ca, pki.client(CLIENTS.ws13.id)),
      ).rejects.toThrow(/not authorized/i);
    } finally {
      clients.setStatus(CLIENTS.ws13.id, "active", Date.now());
    }
  });

  it("identifies a client by its certificate's CN and applies that client's ACL", async () => {
    // ws-12's certificate, claiming to be the supervisor by username: the CN wins.
    const ws12 = await connectTls(broker.tlsPort!, pki.ca, pki.client(CLIENTS.ws12.id), {
      username: CLIENTS.sup.id,
      password: "not-read",
    });
    const sup = await connectTls(broker.tlsPort!, pki.ca, pki.client(CLIENTS.sup.id));
    const gw = await connect(`mqtt://127.0.0.1:${broker.port}`, CLIENTS.gw);
    try {
      const got: string[] = [];
      ws12.on("message", (topic) => got.push(topic));
      const granted = await trySubscribe(ws12, [
        `${SITE}/reply/${CLIENTS.sup.id}/#`,
        `${SITE}/gateway/gw1/alert`,
        `${SITE}/reply/${CLIENTS.ws12.id}/#`,
      ]);
      expect(granted).toEqual([false, false, true]);
      // The supervisor's certificate gets the supervisor's ACL (positive control).
      expect(await trySubscribe(sup, [`${SITE}/gateway/gw1/alert`])).toEqual([true]);
      await gw.publishAsync(`${SITE}/reply/${CLIENTS.ws12.id}/x`, "{}", { qos: 1 });
      await expect.poll(() => got).toEqual([`${SITE}/reply/${CLIENTS.ws12.id}/x`]);
    } finally {
      await ws12.endAsync();
      await sup.endAsync();
      await gw.endAsync();
    }
  });

  it("keeps the plain listener on loopback, where anonymous access is configured", async () => {
    const anon = await connect(`mqtt://127.0.0.1:${broker.port}`, undefined);
    await anon.endAsync();
  });
});

describe("a gateway with mqtt.embedded.tls", () => {
  it("serves certificate clients on the TLS port; the configuration refuses a TLS block without a CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labelgate-gwtls-"));
    const pki = makeTestPki(join(dir, "pki"));
    const [port, tlsPort] = [await freePort(), await freePort()];
    const tls = { host: "127.0.0.1", port: tlsPort, cert: pki.server.cert, key: pki.server.key };
    expect(() =>
      validateConfig({ mqtt: { embedded: { enabled: true, port, tls } } }, "test"),
    ).toThrow(/ca/);
    const config = validateConfig(
      { data_dir: dir, mqtt: { embedded: { enabled: true, port, tls: { ...tls, ca: pki.ca } } } },
      "test",
    );
    const gateway = await startGateway({ config, logger: silentLogger() });
    try {
      const side = createClientStore(openDatabase(join(dir, "labelgate.db")));
      await side.add("sup-7", "supervisor", "sup7-secret-pw", Date.now());
      const sup = await connectTls(tlsPort, pki.ca, pki.client("sup-7"));
      const states: string[] = [];
      sup.on("message", (_t, p) => states.push(p.toString()));
      await sup.subscribeAsync(`${SITE}/gateway/gw1/state`, { qos: 1 });
      await expect.poll(() => states.join(), { timeout: 10_000 }).toContain('"online"');
      await sup.endAsync();
      await expect(connectTls(tlsPort, pki.ca, undefined)).rejects.toThrow();
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("a TLS listener without client certificates", () => {
  it("takes username and password over TLS and never lets an anonymous client in", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labelgate-tlspw-"));
    const pki = makeTestPki(join(dir, "pki"));
    const db = openDatabase(join(dir, "labelgate.db"));
    const clients = createClientStore(db);
    await addClients(clients, [CLIENTS.ws12]);
    const broker = await startEmbeddedBroker({
      host: "127.0.0.1",
      port: 0,
      access: demoBrokerAccess(clients, true), // anonymous on the plain loopback listener only
      tls: {
        host: "127.0.0.1",
        port: 0,
        cert: pki.server.cert,
        key: pki.server.key,
        require_certificate: false,
        use_identity_as_username: false,
      },
    });
    try {
      await expect(connectTls(broker.tlsPort!, pki.ca, undefined)).rejects.toThrow(
        /not authorized/i,
      );
      await expect(
        connectTls(broker.tlsPort!, pki.ca, undefined, {
          username: CLIENTS.ws12.id,
          password: "wrong-password",
        }),
      ).rejects.toThrow(/bad user|not authorized/i);
      const ws12 = await connectTls(broker.tlsPort!, pki.ca, undefined, {
        username: CLIENTS.ws12.id,
        password: CLIENTS.ws12.password,
      });
      expect(await trySubscribe(ws12, [`${SITE}/reply/${CLIENTS.ws12.id}/#`])).toEqual([true]);
      await ws12.endAsync();
      // The same broker's plain loopback listener still admits anonymous clients (demo).
      await (await connect(`mqtt://127.0.0.1:${broker.port}`, undefined)).endAsync();
    } finally {
      await broker.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
