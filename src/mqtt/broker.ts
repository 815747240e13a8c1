import { readFileSync } from "node:fs";
import { createServer, Socket, type Server } from "node:net";
import { createServer as createTlsServer, TLSSocket, type TlsOptions } from "node:tls";
import { Aedes, type Client } from "aedes";
import type { BrokerAccess, BrokerIdentity, ConnectVia } from "../access/broker-access.ts";

/**
 * The embedded broker: aedes 1.x (MQTT 3.1.1 only) on a plain TCP listener, loopback by default,
 * and optionally a TLS listener with client certificates for the site network.
 */
export interface EmbeddedBroker {
  /** The port actually bound (differs from the requested one when that was 0). */
  readonly port: number;
  readonly host: string;
  /** The TLS listener's bound port, when there is one. */
  readonly tlsPort: number | undefined;
  close(): Promise<void>;
}

/** The TLS listener (config `mqtt.embedded.tls`); files are PEM paths. */
export interface EmbeddedTlsOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  ca?: string | undefined;
  /** Refuse, in the handshake, a client without a certificate issued by `ca`. */
  require_certificate: boolean;
  /** The verified certificate's subject CN is the client id; username/password are not read. */
  use_identity_as_username: boolean;
}

/** One refused connect, publish or subscribe, for the audit log (never with credentials). */
export interface BrokerRefusal {
  what: "connect" | "publish" | "subscribe";
  /** The client id (username or certificate CN) when known. */
  client?: string | undefined;
  /** The peer's IP address. */
  address?: string | undefined;
  /**
   * `credentials`: unknown, disabled or wrong username/password (or none); `certificate`: a
   * verified certificate whose CN is not an active client; `tls_handshake`: the TLS handshake
   * failed (no certificate, one from another CA, not TLS at all); `acl`: publish/subscribe not
   * granted to the client's role.
   */
  cause: "credentials" | "certificate" | "tls_handshake" | "acl";
}

export async function startEmbeddedBroker(options: {
  host: string;
  port: number;
  /** Authentication and per-role authorization (src/access/broker-access.ts); none: open. */
  access?: BrokerAccess | undefined;
  /** Told about every refused connect, publish and subscribe (for the audit log). */
  onRefused?: ((r: BrokerRefusal) => void) | undefined;
  tls?: EmbeddedTlsOptions | undefined;
}): Promise<EmbeddedBroker> {
  // Read the PEM files first: a missing file is a start-up error naming the key, before any
  // listener is bound.
  const tlsOptions = options.tls ? readTlsFiles(options.tls) : undefined;
  const broker = await Aedes.createBroker({
    // A frozen subscriber must not stall deliveries to everyone else for long.
    drainTimeout: 10_000,
    // aedes reads a client's next buffered packets from inside the callback of the previous
    // publish; when every step completes synchronously, a producer flushing a large backlog at
    // once (thousands of queued QoS 1 jobs after an outage) nests one level per buffered chunk
    // until the stack overflows and the whole gateway dies (seen in the SIGKILL fault test).
    // Finishing each publish on the next turn of the event loop keeps the stack flat.
    published: (_packet, _client, done) => setImmediate(done),
  });
  if (options.access)
    installAccess(broker, options.access, options.onRefused, options.tls?.use_identity_as_username);
  const sockets = new Set<Socket>();
  const serve = (socket: Socket) => {
    // Request/response latency is tens of ms with Nagle on (reference/mqtt-notes.md §10).
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    broker.handle(socket);
  };
  const servers: Server[] = [];
  try {
    const plain = createServer(serve);
    servers.push(plain);
    const port = await listen(plain, options.port, options.host);
    let tlsPort: number | undefined;
    if (options.tls && tlsOptions) {
      const secure = createTlsServer(tlsOptions, serve);
      // A failed handshake never reaches aedes: no certificate, one from another CA, not TLS.
      secure.on("tlsClientError", (_err, socket) => {
        options.onRefused?.({
          what: "connect",
          address: socket.remoteAddress,
          cause: "tls_handshake",
        });
      });
      servers.push(secure);
      tlsPort = await listen(secure, options.tls.port, options.tls.host);
    }
    return {
      port,
      host: options.host,
      tlsPort,
      async close() {
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      },
    };
  } catch (e) {
    for (const s of servers) s.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw e;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

function readTlsFiles(t: EmbeddedTlsOptions): TlsOptions {
  const read = (key: string, path: string) => {
    try {
      return readFileSync(path);
    } catch {
      throw new Error(`mqtt.embedded.tls.${key}: cannot read the file`);
    }
  };
  return {
    cert: read("cert", t.cert),
    key: read("key", t.key),
    ...(t.ca !== undefined && { ca: read("ca", t.ca) }),
    // Client certificates are asked for only when they are required: then the handshake itself
    // refuses a client without one, or with one not issued by `ca` (Node tls `requestCert`,
    // `rejectUnauthorized`), as Mosquitto's `require_certificate true` does.
    requestCert: t.require_certificate,
    rejectUnauthorized: t.require_certificate,
    minVersion: "TLSv1.2",
  };
}

/** The CN of the verified peer certificate of a TLS connection, if it has exactly one. */
function certificateCn(conn: unknown): string | undefined {
  if (!(conn instanceof TLSSocket) || !conn.authorized) return undefined;
  const cn: unknown = conn.getPeerCertificate().subject?.CN;
  return typeof cn === "string" && cn.length > 0 ? cn : undefined;
}

/**
 * aedes hooks (reference/mqtt-notes.md §5.1): `authenticate` refuses with CONNACK return code 4
 * (bad user name or password) or 5 (not authorized); a refused publish closes the client (aedes
 * behaviour) and is never delivered; a refused subscription gets SUBACK 0x80.
 */
function installAccess(
  broker: Aedes,
  access: BrokerAccess,
  onRefused: ((r: BrokerRefusal) => void) | undefined,
  identityFromCertificate: boolean | undefined,
): void {
  const who = new WeakMap<Client, BrokerIdentity>();
  const addressOf = (client: Client | null): string | undefined => {
    const conn: unknown = client?.conn;
    return conn instanceof Socket ? conn.remoteAddress : undefined;
  };
  const refuse = (code: 4 | 5) =>
    Object.assign(new Error("not authorized"), { returnCode: code }) as Parameters<
      Parameters<Aedes["authenticate"]>[3]
    >[0];
  broker.authenticate = (client, username, password, done) => {
    const tls = client.conn instanceof TLSSocket;
    let via: ConnectVia = { listener: tls ? "tls" : "plain" };
    if (tls && identityFromCertificate) {
      const cn = certificateCn(client.conn);
      // The handshake already refused a client without a valid certificate; this is a backstop.
      if (cn === undefined) {
        onRefused?.({ what: "connect", address: addressOf(client), cause: "certificate" });
        return done(refuse(5), false);
      }
      via = { listener: "tls", certificateIdentity: cn };
    }
    access.authenticate(username, password, via).then(
      (id) => {
        if (id) {
          who.set(client, id);
          done(null, true);
        } else {
          const byCert = via.certificateIdentity !== undefined;
          onRefused?.({
            what: "connect",
            client: byCert ? via.certificateIdentity : username,
            address: addressOf(client),
            cause: byCert ? "certificate" : "credentials",
          });
          done(refuse(byCert || username === undefined ? 5 : 4), false);
        }
      },
      () => done(refuse(5), false),
    );
  };
  broker.authorizePublish = (client, packet, done) => {
    // A null client is the broker itself (e.g. a will it publishes); wills are checked at connect
    // by aedes through this same hook with the client set.
    const id = client ? who.get(client) : undefined;
    if (client === null || (id && access.mayPublish(id, packet.topic))) return done(null);
    onRefused?.({ what: "publish", client: id?.id, address: addressOf(client), cause: "acl" });
    done(new Error("publish not authorized"));
  };
  broker.authorizeSubscribe = (client, sub, done) => {
    const id = who.get(client);
    if (id && access.maySubscribe(id, sub.topic)) return done(null, sub);
    onRefused?.({ what: "subscribe", client: id?.id, address: addressOf(client), cause: "acl" });
    done(null, null);
  };
}
