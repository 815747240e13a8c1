/**
 * RFID encoding (issue #5): encode → verify → lock round trips per second on an R2000 encoder
 * over a real serial line (a socat PTY pair, the simulator hosted on the far end), and the
 * write → verify latency (no lock). Baseline, same PTY, same run: a bare `0xA0` frame echo —
 * the device side sends each request frame straight back — with as many request/reply round
 * trips as the encode needs (inventory 1, password 1, EPC 1, read-back 1, locks 2 = 6; 4 without
 * the locks). The ratio says how much of an encode is the line and how much is the driver,
 * decoder, simulator and tag model. The simulator runs in the bench process (one event loop for
 * both ends) and writes its tag-memory file after each write and lock, as the demo does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { encodeEpc } from "../../../firmware-protocols/epc/index.ts";
import {
  createR2000Decoder,
  encodeGetFirmwareVersion,
} from "../../../firmware-protocols/r2000/index.ts";
import type { Transport } from "../../../drivers/transport.ts";
import { uhfR2000 } from "../../../drivers/uhf-r2000/index.ts";
import { createDeviceIo } from "../../../src/devices/io.ts";
import { createHostedR2000 } from "../../../src/simulators/rfid.ts";
import { hostSimulatorOnSerial } from "../../../src/simulators/serial-host.ts";
import { createSerialTransport } from "../../../src/transports/serial.ts";
import { ptyPair } from "../../helpers/socat.ts";
import { median, monoMs, percentile, round } from "../lib/stats.ts";
import type { BenchCase, BenchContext, BenchResult } from "../types.ts";

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

async function encodeOnce(t: Transport, lock: boolean): Promise<number> {
  const io = createDeviceIo(t);
  const start = monoMs();
  try {
    const r = await uhfR2000.execute!(
      { kind: "rfid.encode", rfid: { epc: EPC, accessPassword: 0x5a17c0de, lock } },
      io,
      { stepTimeoutMs: 2000, confirmTimeoutMs: 2000 },
    );
    if (r.outcome !== "ok") throw new Error(`encode failed: ${r.code ?? r.outcome}`);
    return monoMs() - start;
  } finally {
    io.close();
  }
}

/** `trips` request/reply round trips of a 5-byte frame against an echoing far end. */
async function echoOnce(t: Transport, trips: number): Promise<number> {
  const frame = encodeGetFirmwareVersion(1);
  const decoder = createR2000Decoder();
  const io = createDeviceIo(t);
  const start = monoMs();
  try {
    for (let i = 0; i < trips; i++) {
      await io.write(frame);
      let got = false;
      while (!got) {
        const c = await io.receive(2000);
        if (c === undefined) throw new Error("echo timed out");
        got = decoder.push(c).some((e) => e.type === "frame");
      }
    }
    return monoMs() - start;
  } finally {
    io.close();
  }
}

async function measure(
  n: number,
  f: () => Promise<number>,
): Promise<{ rate: number; lat: number[] }> {
  const lat: number[] = [];
  const t0 = monoMs();
  for (let i = 0; i < n; i++) lat.push(await f());
  return { rate: (n / (monoMs() - t0)) * 1000, lat };
}

export const benchCase: BenchCase = {
  id: "rfid",
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const n = ctx.quick ? 100 : 500;
    const dir = mkdtempSync(join(ctx.tmpDir, "rfid-"));
    const pty = ptyPair(dir);
    await pty.start();
    let echo = false;
    const host = await hostSimulatorOnSerial({
      path: pty.b,
      baudRate: 115200,
      createSimulator: (sink) => {
        const { simulator } = createHostedR2000(sink, join(dir, "sim"));
        return { receive: (c: Uint8Array) => (echo ? sink.reply(c) : simulator.receive(c)) };
      },
    });
    await host.waitConnected();
    const t = createSerialTransport({ path: pty.a, baudRate: 115200 });
    await t.open();
    try {
      for (let i = 0; i < 20; i++) await encodeOnce(t, true); // warm-up
      const full = await measure(n, () => encodeOnce(t, true));
      const wv = await measure(n, () => encodeOnce(t, false));
      echo = true;
      for (let i = 0; i < 20; i++) await echoOnce(t, 6);
      const echo6 = await measure(n, () => echoOnce(t, 6));
      const echo4 = await measure(n, () => echoOnce(t, 4));
      ctx.log(
        `rfid: ${n} encodes; encode p50 ${round(median(full.lat))} ms, write-verify p50 ` +
          `${round(median(wv.lat))} ms, echo x6 p50 ${round(median(echo6.lat))} ms`,
      );
      return [
        {
          name: "RFID encode–verify–lock over a PTY (R2000)",
          unit: "encodes/s",
          median: round(full.rate, 1),
          baseline: { name: "bare 0xA0 frame echo, 6 round trips", median: round(echo6.rate, 1) },
          ratio: round(full.rate / echo6.rate, 3),
          note: "higher is better; ratio = encodes/s ÷ echo sets/s on the same PTY",
        },
        {
          name: "RFID write–verify latency over a PTY (R2000, no lock)",
          unit: "ms",
          median: round(median(wv.lat)),
          p99: round(percentile(wv.lat, 0.99)),
          baseline: {
            name: "bare 0xA0 frame echo, 4 round trips",
            median: round(median(echo4.lat)),
            p99: round(percentile(echo4.lat, 0.99)),
          },
          ratio: round(median(wv.lat) / median(echo4.lat), 3),
          note: "lower is better; ratio = write–verify p50 ÷ echo p50",
        },
      ];
    } finally {
      await t.close();
      await host.close();
      await pty.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
