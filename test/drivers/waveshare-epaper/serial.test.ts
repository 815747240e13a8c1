import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Transport } from "../../../drivers/transport.ts";
import { compileWaveshare } from "../../../drivers/waveshare-epaper/compile.ts";
import { waveshareEpaper } from "../../../drivers/waveshare-epaper/index.ts";
import { CMD, FrameParser } from "../../../firmware-protocols/waveshare/index.ts";
import { layoutBagTag100x70 } from "../../../src/templates/bag-tag-100x70.ts";
import { hostWaveshareOnSerial, type HostedWaveshare } from "../../../src/simulators/waveshare.ts";
import { createSerialTransport } from "../../../src/transports/serial.ts";
import { ptyPair, type PtyPair } from "../../helpers/socat.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";

const BAG = { bag_no: "BAG5710012", destination: "杭州转运中心", sort_code: "571-A12", pieces: 48 };

describe("Waveshare UART e-paper panel over a socat PTY (device-protocols.md §6.2)", () => {
  let dir: string;
  let pty: PtyPair;
  let sim: HostedWaveshare;
  let t: Transport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-waveshare-"));
    pty = ptyPair(dir);
    await pty.start();
    sim = await hostWaveshareOnSerial({ path: pty.b, outputDir: join(dir, "sim") });
    await sim.host.waitConnected();
    t = createSerialTransport({ path: pty.a, baudRate: 115200 });
    await t.open();
  });
  afterAll(async () => {
    await t.close();
    await sim.host.close();
    await pty.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("compiles the bag tag to text, rectangle and refresh frames only (no bitmap), ending in 0x0A", () => {
    const bytes = compileWaveshare(layoutBagTag100x70(BAG));
    const ev = new FrameParser().push(bytes);
    expect(ev.every((e) => e.type === "frame")).toBe(true);
    const cmds = ev.flatMap((e) => (e.type === "frame" ? [e.frame.cmd] : []));
    expect(new Set(cmds)).toEqual(
      new Set([
        CMD.SET_COLOUR,
        CMD.CLEAR,
        CMD.FONT_SIZE_EN,
        CMD.FONT_SIZE_CN,
        CMD.TEXT,
        CMD.FILL_RECT,
        CMD.REFRESH,
      ]),
    );
    expect(cmds.at(-1)).toBe(CMD.REFRESH);
  });

  it("the handshake is answered OK (the driver's status reader sees the panel online)", async () => {
    const reader = waveshareEpaper.status.createReader(0);
    const got = new Promise((resolve) => {
      const off = t.onData((c) => {
        const s = reader.push(c);
        if (s) {
          off();
          resolve(s);
        }
      });
    });
    await t.write(waveshareEpaper.status.request);
    expect(await got).toMatchObject({ reachability: "online", state: "ready" });
  });

  it("the panel shows the bag tag after the refresh: the barcode drawn bar by bar decodes", async () => {
    // Garbage on the line first: the module skips it and resynchronizes on the next frame.
    await t.write(Uint8Array.of(0x00, 0xa5, 0x13, 0x37));
    await t.write(compileWaveshare(layoutBagTag100x70(BAG)));
    const file = await sim.waitShown(1);
    expect(await decodeCode128(readFileSync(file))).toEqual(["BAG5710012"]);
    expect(sim.host.simulator.stats.garbage).toBeGreaterThan(0);
  });

  it("refuses what the module cannot draw: a QR code, an image", () => {
    expect(() =>
      compileWaveshare({
        widthMm: 100,
        heightMm: 70,
        elements: [
          {
            type: "barcode",
            symbology: "qrcode",
            xMm: 0,
            yMm: 0,
            heightMm: 10,
            moduleMm: 1,
            data: "X",
          },
        ],
      }),
    ).toThrow(RangeError);
  });
});
