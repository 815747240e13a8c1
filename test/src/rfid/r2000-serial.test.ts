import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeEpc, toHex } from "../../../firmware-protocols/epc/index.ts";
import type { R2000Simulator } from "../../../drivers/uhf-r2000/simulator.ts";
import { uhfR2000 } from "../../../drivers/uhf-r2000/index.ts";
import { createDeviceIo } from "../../../src/devices/io.ts";
import {
  hostSimulatorOnSerial,
  type HostedSerialSimulator,
} from "../../../src/simulators/serial-host.ts";
import { createHostedR2000, setRfidFault } from "../../../src/simulators/rfid.ts";
import { createSerialTransport } from "../../../src/transports/serial.ts";
import type { Transport } from "../../../drivers/transport.ts";
import { ptyPair, type PtyPair } from "../../helpers/socat.ts";

const EPC = (() => {
  const r = encodeEpc({
    scheme: "grai-96",
    filter: 0,
    companyPrefix: "0614141",
    assetType: "12345",
    serial: "5678",
  });
  if (!r.ok) throw new Error(r.code);
  return r.value;
})();

describe("uhf-r2000 over a real serial line (socat PTY pair, simulator on the far end)", () => {
  let dir: string;
  let pty: PtyPair;
  let host: HostedSerialSimulator<R2000Simulator>;
  let rig: ReturnType<typeof createHostedR2000>;
  let t: Transport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-r2000-"));
    pty = ptyPair(dir);
    await pty.start();
    host = await hostSimulatorOnSerial({
      path: pty.b,
      baudRate: 115200,
      createSimulator: (sink) => (rig = createHostedR2000(sink, join(dir, "sim"))).simulator,
    });
    await host.waitConnected();
    t = createSerialTransport({ path: pty.a, baudRate: 115200 });
    await t.open();
  });
  afterAll(async () => {
    await t.close();
    await host.close();
    await pty.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const encode = async () => {
    const io = createDeviceIo(t);
    try {
      return await uhfR2000.execute!(
        { kind: "rfid.encode", rfid: { epc: EPC, accessPassword: 0x5a17c0de, lock: true } },
        io,
        { stepTimeoutMs: 1000, confirmTimeoutMs: 1000 },
      );
    } finally {
      io.close();
    }
  };

  it("answers the status request (firmware version) with an online snapshot", async () => {
    const reader = uhfR2000.status.createReader(Date.now());
    const snap = new Promise((resolve) => {
      const off = t.onData((c) => {
        const s = reader.push(c);
        if (s) {
          off();
          resolve(s);
        }
      });
    });
    await t.write(uhfR2000.status.request);
    await expect(snap).resolves.toMatchObject({ reachability: "online", state: "ready" });
  });

  it("writes, verifies and locks a bag tag; the tag-memory file holds the EPC and password", async () => {
    const res = await encode();
    expect(res).toMatchObject({ outcome: "ok", epc: toHex(EPC), verified: true, locked: true });
    await rig.files.flush();
    const mem = JSON.parse(readFileSync(join(dir, "sim", "4.json"), "utf8")) as {
      tags: Array<{ epc: string; access_password: string; locks: Record<string, string> }>;
    };
    expect(mem.tags[0]).toMatchObject({
      epc: toHex(EPC),
      access_password: "5A17C0DE",
      locks: { epc: "locked", access_password: "locked" },
    });
  });

  it("garbage on the line is skipped; a frame with a bad checksum is dropped, never trusted", async () => {
    rig.simulator.setFault("garbage", true);
    expect((await encode()).outcome).toBe("ok");
    // The corrupted frame is the inventory's tag record: the round ends with no tag seen, so
    // nothing is written rather than writing a tag the reader did not really report.
    rig.simulator.setFault("bad_checksum", true);
    const r = await encode();
    expect(r).toMatchObject({ outcome: "failed", code: "rfid_no_tag" });
    expect(r.steps.map((s) => s.step)).toEqual(["inventory"]);
  });

  it("antenna missing over serial: rfid_antenna_missing", async () => {
    setRfidFault(rig.field, "antenna_missing", true);
    try {
      expect(await encode()).toMatchObject({ outcome: "failed", code: "rfid_antenna_missing" });
    } finally {
      setRfidFault(rig.field, "antenna_missing", false);
    }
  });
});
