import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createZplSimulator, type ZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import {
  hostSimulatorOnSerial,
  type HostedSerialSimulator,
} from "../../../src/simulators/serial-host.ts";
import { createSerialTransport } from "../../../src/transports/serial.ts";
import { ptyPair, type PtyPair } from "../../helpers/socat.ts";

const FORMAT = new TextEncoder().encode("^XA^FO50,50^A0N,40,40^FDSF1234567890123^FS^XZ");

describe("serial transport over a socat PTY pair", () => {
  let dir: string;
  let pty: PtyPair;
  let host: HostedSerialSimulator<ZplSimulator>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-serial-"));
    pty = ptyPair(dir);
    await pty.start();
    host = await hostSimulatorOnSerial({
      path: pty.b,
      createSimulator: (sink) => createZplSimulator({ sink }),
    });
    await host.waitConnected();
  });
  afterAll(async () => {
    await host.close();
    await pty.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints a format and reads the ~HS status back", async () => {
    const t = createSerialTransport({ path: pty.a, baudRate: 115200 });
    await t.open();
    expect(t.isOpen).toBe(true);
    expect(t.describe).toBe(`serial:${pty.a}`);
    await t.write(FORMAT);
    await host.waitForFormats(1);
    expect(new TextDecoder().decode(host.formats[0])).toContain("SF1234567890123");

    const reader = zebraZpl.status.createReader(Date.now());
    const snapshot = new Promise((resolve) => {
      t.onData((chunk) => {
        const s = reader.push(chunk);
        if (s) resolve(s);
      });
    });
    await t.write(zebraZpl.status.request);
    await expect(snapshot).resolves.toMatchObject({ reachability: "online", conditions: [] });
    await t.close();
    expect(t.isOpen).toBe(false);
  });

  it("reports the pulled cable once and reopens the same path after replug", async () => {
    const t = createSerialTransport({ path: pty.a });
    await t.open();
    const reasons: string[] = [];
    const lost = new Promise<void>((resolve) =>
      t.onClose((r) => {
        reasons.push(r);
        resolve();
      }),
    );
    await pty.kill();
    await lost;
    expect(t.isOpen).toBe(false);
    await expect(t.write(FORMAT)).rejects.toMatchObject({ code: "device_offline" });
    await expect(t.open()).rejects.toMatchObject({ code: "device_offline" });

    await pty.start();
    await host.waitConnected();
    await t.open();
    const before = host.formats.length;
    await t.write(FORMAT);
    await host.waitForFormats(before + 1);
    expect(reasons).toHaveLength(1);
    await t.close();
  });

  it("rejects an unknown path with device_offline and no path content beyond the name", async () => {
    const t = createSerialTransport({ path: join(dir, "no-such-tty") });
    await expect(t.open()).rejects.toMatchObject({ code: "device_offline" });
    expect(t.isOpen).toBe(false);
  });
});
