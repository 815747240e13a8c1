import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClientStore, type ClientStore } from "../../../src/access/clients.ts";
import { validateConfig } from "../../../src/config/load.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { silentLogger } from "../../../src/log.ts";
import { startGateway } from "../../../src/main.ts";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../../src/mqtt/broker.ts";
import { freePort } from "../../helpers/net.ts";
import {
  checkAuthentication,
  checkNoCheckpoints,
  checkNoGatewayState,
  checkRepliesIsolated,
  CLIENTS,
  addClients,
  connect,
  demoBrokerAccess,
} from "./broker-scenario.ts";

describe("embedded broker access control (aedes hooks)", () => {
  let dir: string;
  let db: Db;
  let clients: ClientStore;
  let broker: EmbeddedBroker;
  let url: string;
  const refused: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-broker-"));
    db = openDatabase(join(dir, "labelgate.db"));
    clients = createClientStore(db);
    await addClients(clients);
    broker = await startEmbeddedBroker({
      host: "127.0.0.1",
      port: 0,
      access: demoBrokerAccess(clients),
      onRefused: (r) => refused.push(r.what),
    });
    url = `mqtt://127.0.0.1:${broker.port}`;
  });
  afterAll(async () => {
    await broker.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a client without credentials or with a wrong password", async () => {
    await checkAuthentication(url);
    expect(refused.filter((r) => r === "connect")).toHaveLength(2);
  });
  it("a workstation cannot read another workstation's replies", () => checkRepliesIsolated(url));
  it("a workstation cannot publish gateway state", async () => {
    await checkNoGatewayState(url);
    expect(refused).toContain("publish");
  });
  it("a workstation cannot read checkpoints or alerts; a supervisor can", () =>
    checkNoCheckpoints(url));
  it("a disabled client is refused at its next connect", async () => {
    clients.setStatus(CLIENTS.ws13.id, "disabled", Date.now());
    await expect(connect(url, CLIENTS.ws13)).rejects.toThrow(/bad user|not authorized/i);
    clients.setStatus(CLIENTS.ws13.id, "active", Date.now());
    await (await connect(url, CLIENTS.ws13)).endAsync();
  });
});

describe("a gateway without allow_anonymous", () => {
  it("connects to its own broker with its internal credential and refuses anonymous clients", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labelgate-gw-"));
    const port = await freePort();
    const gateway = await startGateway({
      config: validateConfig(
        { data_dir: dir, mqtt: { embedded: { enabled: true, host: "127.0.0.1", port } } },
        "test",
      ),
      logger: silentLogger(),
    });
    try {
      const url = `mqtt://127.0.0.1:${port}`;
      await expect(connect(url, undefined)).rejects.toThrow(/not authorized/i);
      await expect(connect(url, { id: "ws-404", password: "wrong-password" })).rejects.toThrow(
        /bad user|not authorized/i,
      );
      // Both refusals are in the gateway's audit log, with the cause and the peer's address.
      const side = openDatabase(join(dir, "labelgate.db"));
      try {
        const rows = () =>
          side
            .prepare<[], { reason: string; client: string | null; workstation: string | null }>(
              `SELECT reason, json_extract(actor, '$.client') AS client,
                      json_extract(place, '$.workstation') AS workstation
               FROM audit_log WHERE action = 'client.refused' ORDER BY seq`,
            )
            .all();
        await expect.poll(rows).toHaveLength(2);
        expect(rows()).toEqual([
          {
            reason: "not_authorized:connect:credentials",
            client: null,
            workstation: expect.stringMatching(/127\.0\.0\.1/) as string,
          },
          {
            reason: "not_authorized:connect:credentials",
            client: "ws-404",
            workstation: expect.stringMatching(/127\.0\.0\.1/) as string,
          },
        ]);
      } finally {
        side.close();
      }
      expect(() =>
        validateConfig(
          { mqtt: { embedded: { enabled: true, host: "0.0.0.0", port, allow_anonymous: true } } },
          "test",
        ),
      ).toThrow(/loopback/);
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
