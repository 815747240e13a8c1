import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileZpl } from "../../../drivers/zebra-zpl/compile.ts";
import {
  createHostStatusDecoder,
  type HostStatusEvent,
} from "../../../firmware-protocols/zpl/host-status.ts";
import { hostSimulatorOnTcp, type HostedTcpSimulator } from "../../../src/simulators/tcp-host.ts";
import type { ZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { PROFILE_203, WAYBILL, smallWaybillLabel } from "../../drivers/zebra-zpl/fixtures.ts";

const run = promisify(execFile);

/**
 * Decodes the barcodes in a PNG with zbarimg (zbar-tools), optionally only Code 128; rejects
 * (zbarimg exits 4) when none is found.
 */
async function zbar(png: string, only?: "code128"): Promise<string[]> {
  const only128 = only === "code128" ? ["-Sdisable", "-Scode128.enable"] : [];
  const { stdout } = await run("zbarimg", ["--raw", "-q", ...only128, png]);
  return stdout.split("\n").filter((l) => l.length > 0);
}

async function client(
  port: number,
): Promise<{ socket: Socket; nextStatus(): Promise<HostStatusEvent> }> {
  const socket = connect({ host: "127.0.0.1", port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const decoder = createHostStatusDecoder();
  const statuses: HostStatusEvent[] = [];
  const waiting: Array<(e: HostStatusEvent) => void> = [];
  socket.on("data", (chunk: Buffer) => {
    for (const e of decoder.push(new Uint8Array(chunk))) {
      if (e.type !== "status") continue;
      const w = waiting.shift();
      if (w) w(e);
      else statuses.push(e);
    }
  });
  return {
    socket,
    nextStatus: () => {
      const s = statuses.shift();
      return s ? Promise.resolve(s) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe("hostSimulatorOnTcp", () => {
  let dataDir: string;
  let host: HostedTcpSimulator<ZplSimulator> | undefined;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "labelgate-sim-"));
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await host?.close();
    host = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("writes <n>.zpl (exact bytes) and <n>.png whose Code 128 decodes to the waybill, continuing the numbering", async () => {
    const dir = join(dataDir, "sim", "zpl-1");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "1.zpl"), "^XA^XZ");
    await writeFile(join(dir, "2.png"), "");
    await writeFile(join(dir, "notes.txt"), "");
    host = await hostSimulatorOnTcp({ deviceId: "zpl-1", dataDir });
    expect(host.outputDir).toBe(dir);
    const c = await client(host.port);
    sockets.push(c.socket);

    const bytes = compileZpl(smallWaybillLabel(), PROFILE_203);
    c.socket.write(bytes);
    const w = await host.waitForFormat(3);
    expect(w).toEqual({ n: 3, index: 1, zplPath: join(dir, "3.zpl"), pngPath: join(dir, "3.png") });
    expect(new Uint8Array(await readFile(join(dir, "3.zpl")))).toEqual(bytes);
    const png = await readFile(join(dir, "3.png"));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // The Code 128 must be the waybill number; the QR code carries it too.
    expect(await zbar(join(dir, "3.png"), "code128")).toEqual([WAYBILL]);
    expect(await zbar(join(dir, "3.png"))).toEqual([WAYBILL, WAYBILL]);
  });

  it("the barcode check can fail: a different number decodes differently", async () => {
    host = await hostSimulatorOnTcp({ deviceId: "zpl-2", dataDir });
    const c = await client(host.port);
    sockets.push(c.socket);
    const label = smallWaybillLabel();
    label.elements = label.elements
      .map((e) =>
        e.type === "barcode" && e.symbology === "code128" ? { ...e, data: "SF9999999999999" } : e,
      )
      .filter((e) => e.type !== "barcode" || e.symbology === "code128");
    c.socket.write(compileZpl(label, PROFILE_203));
    const w = await host.waitForFormat(1);
    expect(await zbar(w.pngPath ?? "", "code128")).toEqual(["SF9999999999999"]);
  });

  it("answers ~HS on the same socket and reflects faults", async () => {
    host = await hostSimulatorOnTcp({ deviceId: "zpl-3", dataDir, preview: false });
    const c = await client(host.port);
    sockets.push(c.socket);
    c.socket.write("~HS");
    expect(await c.nextStatus()).toMatchObject({ paperOut: false, headUp: false });
    host.simulator.setFault("head_open", true);
    c.socket.write("~HS");
    expect(await c.nextStatus()).toMatchObject({ headUp: true });
  });

  it("keeps receiving while a preview renders; the .zpl is on disk before the render starts", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const zplExistedAtRender: boolean[] = [];
    host = await hostSimulatorOnTcp({
      deviceId: "zpl-4",
      dataDir,
      renderer: async () => {
        zplExistedAtRender.push(existsSync(join(dataDir, "sim", "zpl-4", "1.zpl")));
        await gate;
        return Uint8Array.of(0x89, 0x50, 0x4e, 0x47);
      },
    });
    const c = await client(host.port);
    sockets.push(c.socket);
    c.socket.write("^XA^FO10,10^GB10,10,1^FS^XZ~HS");
    // The status reply does not wait for the render.
    expect(await c.nextStatus()).toMatchObject({ formatsInBuffer: 0 });
    let written = false;
    const done = host.waitForFormat(1).then((w) => {
      written = true;
      return w;
    });
    await new Promise((r) => setImmediate(r));
    expect(written).toBe(false);
    release();
    expect((await done).pngPath).toBe(join(dataDir, "sim", "zpl-4", "1.png"));
    expect(zplExistedAtRender).toEqual([true]);
  });

  it("a failing render is logged and never crashes the host; the .zpl is still written", async () => {
    const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    host = await hostSimulatorOnTcp({
      deviceId: "zpl-5",
      dataDir,
      renderer: () => Promise.reject(new Error("No labels parsed")),
      logger: { warn: (obj, msg) => warnings.push({ obj, msg }) },
    });
    const c = await client(host.port);
    sockets.push(c.socket);
    c.socket.write("^XA^XZ^XA^XZ");
    const w2 = await host.waitForFormat(2);
    expect(w2).toMatchObject({ n: 2, index: 2, pngPath: undefined });
    expect(w2.zplPath).toBeDefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({
      msg: "simulator preview failed",
      obj: { device: "zpl-5", n: 1, error: "No labels parsed" },
    });
    c.socket.write("~HS");
    expect(await c.nextStatus()).toBeDefined();
    await host.idle();
    expect((await readdir(host.outputDir)).sort()).toEqual(["1.zpl", "2.zpl", "stats.json"]);
  });

  it("renders real previews with zpl-renderer-js; renderer errors from garbage are logged", async () => {
    const warnings: string[] = [];
    host = await hostSimulatorOnTcp({
      deviceId: "zpl-6",
      dataDir,
      logger: { warn: (_o, msg) => warnings.push(msg) },
    });
    const c = await client(host.port);
    sockets.push(c.socket);
    // An empty format: zebrash has nothing to draw and rejects; the host logs it and goes on.
    c.socket.write("^XA^XZ");
    c.socket.write("^XA^PW400^LL200^FO10,10^GB100,50,3^FS^XZ");
    const [w1, w2] = await Promise.all([host.waitForFormat(1), host.waitForFormat(2)]);
    expect(w1.zplPath).toBeDefined();
    expect(w2.pngPath).toBeDefined();
    expect(w1.pngPath).toBeUndefined();
    expect(warnings).toEqual(["simulator preview failed"]);
  });

  it("numbers several formats in one write in print order, and idle() waits for all", async () => {
    host = await hostSimulatorOnTcp({ deviceId: "zpl-7", dataDir, preview: false });
    const seen: number[] = [];
    host.onWritten((w) => seen.push(w.n));
    const c = await client(host.port);
    sockets.push(c.socket);
    c.socket.write("^XA^FO1,1^XZ^XA^FO2,2^XZ^XA^FO3,3^XZ");
    await host.waitForFormat(3);
    await host.idle();
    expect(seen).toEqual([1, 2, 3]);
    expect(await readFile(join(host.outputDir, "2.zpl"), "latin1")).toBe("^XA^FO2,2^XZ");
  });

  it("rejects a device id that is not a safe folder name", async () => {
    await expect(hostSimulatorOnTcp({ deviceId: "../x", dataDir })).rejects.toThrow(RangeError);
  });

  it("disconnectClients() hangs up on the host, which can reconnect", async () => {
    host = await hostSimulatorOnTcp({ deviceId: "zpl-9", dataDir, preview: false });
    const c1 = await client(host.port);
    const closed = new Promise((r) => c1.socket.once("close", r));
    host.disconnectClients();
    await closed;
    const c2 = await client(host.port);
    sockets.push(c2.socket);
    c2.socket.write("~HS");
    expect(await c2.nextStatus()).toBeDefined();
  });

  it("close() is idempotent and drops connections", async () => {
    host = await hostSimulatorOnTcp({ deviceId: "zpl-8", dataDir, preview: false });
    const c = await client(host.port);
    const closed = new Promise((r) => c.socket.once("close", r));
    await Promise.all([host.close(), host.close()]);
    await closed;
  });
});
