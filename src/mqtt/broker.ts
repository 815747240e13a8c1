import { createServer, type Server, type Socket } from "node:net";
import { Aedes, type Client } from "aedes";
import type { BrokerAccess, BrokerIdentity } from "../access/broker-access.ts";

/** The embedded broker: aedes 1.x (MQTT 3.1.1 only) on a TCP listener, loopback by default. */
export interface EmbeddedBroker {
  /** The port actually bound (differs from the requested one when that was 0). */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: {
  host: string;
  port: number;
  /** Authentication and per-role authorization (src/access/broker-access.ts); none: open. */
  access?: BrokerAccess | undefined;
  /** Told about every refused connect, publish and subscribe (for the audit log). */
  onRefused?: (what: "connect" | "publish" | "subscribe", id: string | undefined) => void;
}): Promise<EmbeddedBroker> {
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
  if (options.access) installAccess(broker, options.access, options.onRefused);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    // Request/response latency is tens of ms with Nagle on (reference/mqtt-notes.md §10).
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    port,
    host: options.host,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * aedes hooks (reference/mqtt-notes.md §5.1): `authenticate` refuses with CONNACK return code 4
 * (bad user name or password) or 5 (not authorized); a refused publish closes the client (aedes
 * behaviour) and is never delivered; a refused subscription gets SUBACK 0x80.
 */
function installAccess(
  broker: Aedes,
  access: BrokerAccess,
  onRefused:
    ((what: "connect" | "publish" | "subscribe", id: string | undefined) => void) | undefined,
): void {
  const who = new WeakMap<Client, BrokerIdentity>();
  broker.authenticate = (client, username, password, done) => {
    access.authenticate(username, password).then(
      (id) => {
        if (id) {
          who.set(client, id);
          done(null, true);
        } else {
          onRefused?.("connect", username);
          const err = Object.assign(new Error("not authorized"), {
            returnCode: username === undefined ? 5 : 4,
          });
          done(err as Parameters<typeof done>[0], false);
        }
      },
      () =>
        done(
          Object.assign(new Error("not authorized"), { returnCode: 5 }) as Parameters<
            typeof done
          >[0],
          false,
        ),
    );
  };
  broker.authorizePublish = (client, packet, done) => {
    // A null client is the broker itself (e.g. a will it publishes); wills are checked at connect
    // by aedes through this same hook with the client set.
    const id = client ? who.get(client) : undefined;
    if (client === null || (id && access.mayPublish(id, packet.topic))) return done(null);
    onRefused?.("publish", id?.id);
    done(new Error("publish not authorized"));
  };
  broker.authorizeSubscribe = (client, sub, done) => {
    const id = who.get(client);
    if (id && access.maySubscribe(id, sub.topic)) return done(null, sub);
    onRefused?.("subscribe", id?.id);
    done(null, null);
  };
}
