/**
 * The example waybill on each printer language, end to end over loopback TCP: the driver compiles
 * it, the hosted simulator parses it with its own interpreter, writes the bytes, a PNG and
 * stats.json; the PNG's barcode decodes (zbarimg) to the waybill number; the status exchange gives
 * a ready snapshot.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDriver } from "../../../drivers/index.ts";
import type { DeviceSnapshot } from "../../../drivers/snapshot.ts";
import { createCompilerSession, type DeviceProfile } from "../../../drivers/types.ts";
import { hostLabelSimulatorOnTcp } from "../../../src/simulators/labels.ts";
import { layoutWaybill100x150 } from "../../../src/templates/waybill-100x150.ts";
import { EXAMPLE_WAYBILL } from "../../drivers/label/fixtures.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";

let dataDir = "";
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "lg-labels-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const CASES: Array<{ id: string; driver: string; ext: string; profile: DeviceProfile }> = [
  {
    id: "tspl-1",
    driver: "tsc-tspl",
    ext: "tspl",
    profile: { dpi: 203, widthMm: 100, heightMm: 150, cjkFont: "TSS24.BF2" },
  },
  {
    id: "tspl-2",
    driver: "tsc-tspl",
    ext: "tspl",
    profile: { dpi: 203, widthMm: 100, heightMm: 150 },
  },
  {
    id: "escpos-1",
    driver: "escpos",
    ext: "escpos",
    profile: { dpi: 203, widthMm: 100, heightMm: 150, cjkFont: "GB18030" },
  },
  {
    id: "cpcl-1",
    driver: "zebra-cpcl",
    ext: "cpcl",
    profile: { dpi: 203, widthMm: 100, heightMm: 150 },
  },
  {
    id: "cpcl-2",
    driver: "zebra-cpcl",
    ext: "cpcl",
    profile: { dpi: 203, widthMm: 100, heightMm: 150, cjkFont: "55" },
  },
];

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

describe.each(CASES)(
  "$id ($driver, font $profile.cjkFont)",
  ({ id, driver: driverId, ext, profile }) => {
    it("prints the example waybill: exact bytes, a PNG whose barcode decodes, stats, a ready status", async () => {
      const driver = findDriver(driverId);
      if (driver === undefined) throw new Error(`driver ${driverId} not registered`);
      const r = await hostLabelSimulatorOnTcp({
        device: {
          id,
          transport: { port: 0 },
          profile: { dpi: profile.dpi, width_mm: profile.widthMm },
        },
        driver,
        dataDir,
        logger: { warn: () => undefined },
      });
      if (r === undefined) throw new Error("no simulator");
      const socket = await open(r.hosted.port);
      try {
        const bytes = createCompilerSession(driver, profile).compile(
          layoutWaybill100x150(EXAMPLE_WAYBILL),
        );
        socket.write(bytes);
        const w = await r.hosted.waitForFormat(1);
        expect(w.zplPath).toBe(join(dataDir, "sim", id, `1.${ext}`));
        expect(new Uint8Array(await readFile(w.zplPath ?? ""))).toEqual(bytes);
        expect(await decodeCode128(new Uint8Array(await readFile(w.pngPath ?? "")))).toEqual([
          EXAMPLE_WAYBILL.waybill_no,
        ]);

        const reader = driver.status.createReader(Date.now());
        const snapshot = new Promise<DeviceSnapshot>((resolve) => {
          socket.on("data", (chunk: Buffer) => {
            const s = reader.push(new Uint8Array(chunk));
            if (s) resolve(s);
          });
        });
        socket.write(driver.status.request);
        expect(await snapshot).toMatchObject({
          reachability: "online",
          state: "ready",
          conditions: [],
        });
        await r.hosted.idle();
        const stats = JSON.parse(
          await readFile(join(dataDir, "sim", id, "stats.json"), "utf8"),
        ) as unknown;
        expect(stats).toEqual({
          bytes_received: bytes.length + driver.status.request.length,
          labels_printed: 1,
        });
      } finally {
        socket.destroy();
        await r.hosted.close();
      }
    });
  },
);

describe("tspl-3 (no CJK font): text graphics from printer memory over TCP", () => {
  it("a label printed again stores its graphics, then recalls them (PUTBMP only); its PNG still decodes", async () => {
    const driver = findDriver("tsc-tspl");
    if (driver === undefined) throw new Error("driver tsc-tspl not registered");
    const profile: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 150 };
    const r = await hostLabelSimulatorOnTcp({
      device: { id: "tspl-3", transport: { port: 0 }, profile: { dpi: 203, width_mm: 100 } },
      driver,
      dataDir,
      logger: { warn: () => undefined },
    });
    if (r === undefined) throw new Error("no simulator");
    const socket = await open(r.hosted.port);
    try {
      const session = createCompilerSession(driver, profile);
      const label = layoutWaybill100x150(EXAMPLE_WAYBILL);
      // Inline the first time, stored when it recurs, recalled after.
      const first = session.compile(label);
      const repeat = session.compile(label);
      const second = session.compile(label);
      const text = (b: Uint8Array): string => new TextDecoder("latin1").decode(b);
      expect(text(first)).not.toContain("DOWNLOAD ");
      expect(text(first)).toContain("BITMAP ");
      expect(text(repeat)).toContain("DOWNLOAD ");
      expect(text(second)).not.toContain("DOWNLOAD ");
      expect(text(second)).not.toContain("BITMAP ");
      expect(text(second)).toContain("PUTBMP ");
      socket.write(first);
      await r.hosted.waitForFormat(1);
      socket.write(repeat);
      await r.hosted.waitForFormat(2);
      socket.write(second);
      const w = await r.hosted.waitForFormat(3);
      expect(new Uint8Array(await readFile(w.zplPath ?? ""))).toEqual(second);
      expect(await decodeCode128(new Uint8Array(await readFile(w.pngPath ?? "")))).toEqual([
        EXAMPLE_WAYBILL.waybill_no,
      ]);
      // Drawn from memory, the stored and the recalled label are the inline one dot for dot.
      const w1 = await r.hosted.waitForFormat(1);
      const w2 = await r.hosted.waitForFormat(2);
      expect(await readFile(w.pngPath ?? "")).toEqual(await readFile(w1.pngPath ?? ""));
      expect(await readFile(w2.pngPath ?? "")).toEqual(await readFile(w1.pngPath ?? ""));
    } finally {
      socket.destroy();
      await r.hosted.close();
    }
  });
});
