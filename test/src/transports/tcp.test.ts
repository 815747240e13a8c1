import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isCodedError } from "../../../src/errors.ts";
import { createTcpTransport } from "../../../src/transports/tcp.ts";
import { freePort } from "../../helpers/net.ts";

/** A loopback peer standing in for a printer's raw port: counts connections, keeps the sockets. */
async function peer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  return { server, port: typeof a === "object" && a ? a.port : 0, sockets };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe("TCP transport over loopback", () => {
  it("concurrent open() calls share one connection; data reaches every listener until it unsubscribes", async () => {
    const p = await peer();
    servers.push(p.server);
    const t = createTcpTransport({ host: "127.0.0.1", port: p.port, connectTimeoutMs: 5000 });
    await Promise.all([t.open(), t.open(), t.open()]);
    await t.open();
    expect(t.isOpen).toBe(true);
    await until(() => p.sockets.length > 0);
    expect(p.sockets).toHaveLength(1);

    const a: number[] = [];
    const b: number[] = [];
    t.onData((c) => a.push(...c));
    const offB = t.onData((c) => b.push(...c));
    p.sockets[0]!.write(Uint8Array.of(1, 2, 3));
    await until(() => a.length === 3 && b.length === 3);
    offB();
    p.sockets[0]!.write(Uint8Array.of(4));
    await until(() => a.length === 4);
    expect([a, b]).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3],
    ]);

    const got: number[] = [];
    p.sockets[0]!.on("data", (c: Buffer) => got.push(...c));
    await t.write(Uint8Array.of(0x7e, 0x48, 0x53));
    await until(() => got.length === 3);
    expect(got).toEqual([0x7e, 0x48, 0x53]);
    await t.close();
  });

  it("reports a peer's close once, and an explicit close() not at all", async () => {
    const p = await peer();
    servers.push(p.server);
    const t = createTcpTransport({ host: "127.0.0.1", port: p.port, connectTimeoutMs: 5000 });
    const reasons: string[] = [];
    t.onClose((r) => reasons.push(r));
    await t.open();
    await until(() => p.sockets.length === 1);
    p.sockets[0]!.destroy();
    await until(() => reasons.length > 0 && !t.isOpen);
    expect(reasons).toEqual(["closed by peer"]);

    await t.open();
    expect(t.isOpen).toBe(true);
    await t.close();
    await until(() => p.sockets.length === 2 && p.sockets[1]!.closed);
    expect(reasons).toEqual(["closed by peer"]);
  });

  it("a refused connect rejects device_offline, writes refuse while closed, and the next open() tries again", async () => {
    const port = await freePort();
    const t = createTcpTransport({ host: "127.0.0.1", port, connectTimeoutMs: 5000 });
    const first = await t.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCodedError(first) && first.code).toBe("device_offline");
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "device_offline" });

    // The failed attempt is not kept: a peer listening now gets the next open().
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    await t.open();
    expect(t.isOpen).toBe(true);
    await t.close();
  });
});
