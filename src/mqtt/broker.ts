import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";

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
}): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({
    // A frozen subscriber must not stall deliveries to everyone else for long.
    drainTimeout: 10_000,
  });
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
