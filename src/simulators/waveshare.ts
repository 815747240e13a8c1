/**
 * The Waveshare UART e-paper simulator (drivers/waveshare-epaper/simulator.ts) on a serial port
 * (the far end of a socat PTY pair in tests): every refresh writes what the panel shows to
 * `<outputDir>/<n>.png` (four grey levels).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createCanvas } from "../../drivers/label/canvas.ts";
import {
  createWaveshareSimulator,
  type WaveshareSimulator,
} from "../../drivers/waveshare-epaper/simulator.ts";
import { PANEL } from "../../drivers/waveshare-epaper/compile.ts";
import { hostSimulatorOnSerial, type HostedSerialSimulator } from "./serial-host.ts";

const GREY = [0, 0x55, 0xaa, 0xff] as const;

export function greyPng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const g = GREY[(pixels[i] ?? 3) & 3] ?? 0xff;
    img.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return new Uint8Array(canvas.toBuffer("image/png"));
}

export interface HostedWaveshare {
  host: HostedSerialSimulator<WaveshareSimulator>;
  /** Resolves with the PNG path once the panel has refreshed `n` times. */
  waitShown(n: number): Promise<string>;
}

export async function hostWaveshareOnSerial(o: {
  path: string;
  outputDir: string;
}): Promise<HostedWaveshare> {
  await mkdir(o.outputDir, { recursive: true });
  const written = new Map<number, Promise<string>>();
  const waiters: Array<{ n: number; resolve: (p: string) => void }> = [];
  const host = await hostSimulatorOnSerial({
    path: o.path,
    baudRate: 115200,
    createSimulator: (sink) =>
      createWaveshareSimulator({
        reply: (b) => sink.reply(b),
        printed: ({ index, pixels }) => {
          const file = join(o.outputDir, `${index}.png`);
          const p = writeFile(file, greyPng(pixels, PANEL.width, PANEL.height)).then(() => file);
          written.set(index, p);
          for (const w of waiters.filter((x) => x.n === index)) void p.then(w.resolve);
        },
      }),
  });
  return {
    host,
    waitShown: (n) =>
      written.get(n) ?? new Promise<string>((resolve) => waiters.push({ n, resolve })),
  };
}
