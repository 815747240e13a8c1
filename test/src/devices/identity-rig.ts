import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { createTsplSimulator } from "../../../drivers/tspl/simulator.ts";
import { hostSimulatorOnTcp, type HostedTcpSimulator } from "../../../src/simulators/tcp-host.ts";

/**
 * Shared setup of the identity-on-connect tests (issue #4 §6): printer simulators of any family
 * hosted on loopback TCP in one temporary directory, each print counted per device id, and the
 * device entry of a unit registered with an identity.
 */
type Receiver = { receive(c: Uint8Array): void };
export type SimSink = Parameters<typeof createTsplSimulator>[0];

export interface SimHosts {
  dir: string;
  /** Formats printed so far, by device id. */
  printed: Map<string, number>;
  /** Hosts the simulator `make` builds for device `id`; resolves to its TCP port. */
  host<S extends Receiver>(id: string, make: (sink: SimSink) => S): Promise<number>;
  /** Closes every hosted simulator and removes the directory (stop the gateway first). */
  close(): Promise<void>;
}

export function simHosts(tmpPrefix: string): SimHosts {
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const hosts: Array<HostedTcpSimulator<Receiver>> = [];
  const printed = new Map<string, number>();
  return {
    dir,
    printed,
    async host(id, make) {
      const h = await hostSimulatorOnTcp({
        deviceId: id,
        dataDir: dir,
        preview: false,
        createSimulator: (sink) =>
          make({
            reply: (b) => sink.reply(b),
            printed: (f) => {
              printed.set(id, (printed.get(id) ?? 0) + 1);
              sink.printed(f);
            },
          }),
      });
      hosts.push(h);
      return h.port;
    },
    async close() {
      for (const h of hosts) await h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A device on loopback TCP `port` registered with `identity`, with the given timing keys. */
export function registeredDevice<T extends object>(
  id: string,
  driver: string,
  port: number,
  identity: { model: string; serial: string },
  timing: T,
) {
  return {
    id,
    driver,
    transport: { type: "tcp" as const, host: "127.0.0.1", port },
    identity,
    ...timing,
  };
}
