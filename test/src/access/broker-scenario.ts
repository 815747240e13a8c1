import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { expect } from "vitest";
import { createBrokerAccess, type BrokerAccess } from "../../../src/access/broker-access.ts";
import { createClientStore, type ClientStore } from "../../../src/access/clients.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import {
  startEmbeddedBroker,
  type BrokerRefusal,
  type EmbeddedBroker,
} from "../../../src/mqtt/broker.ts";
import { makeTestPki, type Identity, type TestPki } from "../../cluster/certs.ts";

/**
 * The broker access checks of issue #8, run the same way against the embedded broker and against
 * Mosquitto with the files of `labelgate broker-acl`. Clients (see `CLIENTS`) must exist on the
 * broker under test. Each check has a positive control, so a broker that refuses everything
 * fails too. Ordering instead of sleeps: a marker message the subscriber may read is sent after
 * the one it must not read; when the marker arrives, the forbidden one would have arrived first.
 */
export const CLIENTS = {
  ws12: { id: "ws-12", role: "workstation", password: "ws12-secret-pw" },
  ws13: { id: "ws-13", role: "workstation", password: "ws13-secret-pw" },
  sup: { id: "sup-1", role: "supervisor", password: "sup1-secret-pw" },
  gw: { id: "gw-probe", role: "gateway", password: "gw-secret-pw-1" },
} as const;

const SITE = "labelgate/demo";

/** The gateway's own login to the embedded broker in these tests (synthetic). */
export const INTERNAL_LOGIN = { username: "labelgate-gw1", password: "internal-secret" } as const;

/** Adds test clients (default: all of `CLIENTS`) to the store, active. */
export async function addClients(
  clients: ClientStore,
  list: ReadonlyArray<(typeof CLIENTS)[keyof typeof CLIENTS]> = Object.values(CLIENTS),
): Promise<void> {
  for (const c of list) await clients.add(c.id, c.role, c.password, Date.now());
}

/** The embedded broker's access checks for the demo site; anonymous refused unless allowed. */
export function demoBrokerAccess(clients: ClientStore, allowAnonymous = false): BrokerAccess {
  return createBrokerAccess({ clients, site: SITE, allowAnonymous, internal: INTERNAL_LOGIN });
}

export async function connect(
  url: string,
  c: { id: string; password: string } | undefined,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    clientId: `${c?.id ?? "anon"}-${Math.random().toString(16).slice(2, 8)}`,
    ...(c && { username: c.id, password: c.password }),
    ...extra,
  });
}

/** Subscribes to each filter; true where granted, false where the broker refused (SUBACK 0x80). */
export async function trySubscribe(client: MqttClient, filters: string[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const f of filters) {
    out.push(
      await new Promise<boolean>((resolve) =>
        client.subscribe(f, { qos: 1 }, (err, granted) =>
          resolve(!err && granted !== undefined && granted.every((g) => g.qos !== 128)),
        ),
      ),
    );
  }
  return out;
}

class Inbox {
  readonly got: Array<{ topic: string; text: string }> = [];
  private waiters: Array<{ topic: string; resolve: () => void }> = [];
  constructor(client: MqttClient) {
    client.on("message", (topic, payload) => {
      this.got.push({ topic, text: payload.toString() });
      this.waiters = this.waiters.filter((w) => (w.topic === topic ? (w.resolve(), false) : true));
    });
  }
  wait(topic: string): Promise<void> {
    if (this.got.some((m) => m.topic === topic)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ topic, resolve }));
  }
  topics(): string[] {
    return this.got.map((m) => m.topic);
  }
}

/** Connects without credentials, then with a wrong password: both refused. A right one works. */
export async function checkAuthentication(url: string): Promise<void> {
  await expect(connect(url, undefined)).rejects.toThrow(
    /not authorized|bad user|Connection refused/i,
  );
  await expect(connect(url, { id: CLIENTS.ws12.id, password: "wrong-password" })).rejects.toThrow(
    /not authorized|bad user|Connection refused/i,
  );
  const ok = await connect(url, CLIENTS.ws12);
  await ok.endAsync();
}

/** ws-12 cannot read ws-13's replies (whatever filter it tries); it reads its own. */
export async function checkRepliesIsolated(url: string): Promise<void> {
  const ws12 = await connect(url, CLIENTS.ws12);
  const gw = await connect(url, CLIENTS.gw);
  try {
    const inbox = new Inbox(ws12);
    // Some may be refused (SUBACK 0x80 on aedes); Mosquitto may grant and filter per message.
    const granted = await trySubscribe(ws12, [
      `${SITE}/reply/ws-13/#`,
      `${SITE}/reply/#`,
      `${SITE}/#`,
      `${SITE}/reply/ws-12/#`,
    ]);
    expect(granted[3]).toBe(true);
    await gw.publishAsync(`${SITE}/reply/ws-13/job`, '{"status":"ok"}', { qos: 1 });
    await gw.publishAsync(`${SITE}/reply/ws-12/job`, '{"status":"ok"}', { qos: 1 });
    await inbox.wait(`${SITE}/reply/ws-12/job`);
    expect(inbox.topics()).not.toContain(`${SITE}/reply/ws-13/job`);
  } finally {
    await ws12.endAsync();
    await gw.endAsync();
  }
}

/** ws-12 cannot publish gateway state; it can publish a job (both watched by a gateway identity). */
export async function checkNoGatewayState(url: string): Promise<void> {
  const gw = await connect(url, CLIENTS.gw);
  try {
    const inbox = new Inbox(gw);
    await gw.subscribeAsync([`${SITE}/gateway/+/state`, `${SITE}/device/+/job`], { qos: 1 });
    const ws12 = await connect(url, CLIENTS.ws12);
    await ws12.publishAsync(`${SITE}/device/zpl-1/job`, '{"v":1}', { qos: 1 });
    await inbox.wait(`${SITE}/device/zpl-1/job`);
    // Mosquitto acknowledges and drops a refused publish; aedes closes the connection.
    const closed = new Promise<void>((resolve) => ws12.once("close", () => resolve()));
    await Promise.race([
      ws12.publishAsync(`${SITE}/gateway/gw1/state`, '{"state":"offline"}', { qos: 1 }),
      closed,
    ]).catch(() => undefined);
    await gw.publishAsync(`${SITE}/gateway/gw-probe/state`, '{"state":"online"}', { qos: 1 });
    await inbox.wait(`${SITE}/gateway/gw-probe/state`);
    expect(inbox.topics()).not.toContain(`${SITE}/gateway/gw1/state`);
    ws12.end(true);
  } finally {
    await gw.endAsync();
  }
}

/** ws-12 cannot read audit checkpoints (or alerts); a supervisor can. */
export async function checkNoCheckpoints(url: string): Promise<void> {
  const ws12 = await connect(url, CLIENTS.ws12);
  const sup = await connect(url, CLIENTS.sup);
  const gw = await connect(url, CLIENTS.gw);
  try {
    const wsInbox = new Inbox(ws12);
    const supInbox = new Inbox(sup);
    const cp = `${SITE}/gateway/gw1/audit/checkpoint`;
    const granted = await trySubscribe(ws12, [
      cp,
      `${SITE}/gateway/gw1/alert`,
      `${SITE}/reply/ws-12/#`,
    ]);
    expect(granted[2]).toBe(true);
    await sup.subscribeAsync([cp], { qos: 1 });
    await gw.publishAsync(cp, "labelgate checkpoint", { qos: 1 });
    await gw.publishAsync(`${SITE}/gateway/gw1/alert`, '{"type":"x"}', { qos: 1 });
    await gw.publishAsync(`${SITE}/reply/ws-12/after`, "{}", { qos: 1 });
    await wsInbox.wait(`${SITE}/reply/ws-12/after`);
    await supInbox.wait(cp);
    expect(wsInbox.topics()).toEqual([`${SITE}/reply/ws-12/after`]);
  } finally {
    await ws12.endAsync();
    await sup.endAsync();
    await gw.endAsync();
  }
}

/** Resolves on CONNACK 0; rejects on a refused CONNACK, a TLS error or a closed socket. */
export function connectTls(
  port: number,
  ca: string,
  id: Identity | undefined,
  extra: { username?: string; password?: string } = {},
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      clientId: `tls-${Math.random().toString(16).slice(2, 8)}`,
      ca: readFileSync(ca),
      ...(id && { cert: readFileSync(id.cert), key: readFileSync(id.key) }),
      ...extra,
    });
    c.once("connect", () => resolve(c));
    c.once("error", (e) => {
      c.end(true);
      reject(e);
    });
    c.once("close", () => reject(new Error("connection closed before CONNACK")));
  });
}

/** An embedded broker with a client store and a TLS listener that requires client certificates. */
export interface CertBroker {
  dir: string;
  pki: TestPki;
  db: Db;
  clients: ClientStore;
  broker: EmbeddedBroker;
  /** Every refusal the broker reported, in order. */
  refused: BrokerRefusal[];
  close(): Promise<void>;
}

/**
 * Makes a throwaway CA in a new temporary directory, a client store there (filled by `seed`) and
 * an embedded broker: plain listener on loopback (anonymous only if `allowAnonymous`), TLS listener
 * with `require_certificate` and `use_identity_as_username`.
 */
export async function startCertBroker(
  tmpPrefix: string,
  seed: (clients: ClientStore) => Promise<void>,
  allowAnonymous: boolean,
): Promise<CertBroker> {
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const pki = makeTestPki(join(dir, "pki"));
  const db = openDatabase(join(dir, "labelgate.db"));
  const clients = createClientStore(db);
  await seed(clients);
  const refused: BrokerRefusal[] = [];
  const broker = await startEmbeddedBroker({
    host: "127.0.0.1",
    port: 0,
    access: demoBrokerAccess(clients, allowAnonymous),
    onRefused: (r) => refused.push(r),
    tls: {
      host: "127.0.0.1",
      port: 0,
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca,
      require_certificate: true,
      use_identity_as_username: true,
    },
  });
  return {
    dir,
    pki,
    db,
    clients,
    broker,
    refused,
    async close() {
      await broker.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
