import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDriver } from "../../../drivers/index.ts";
import type { DriverDefinition } from "../../../drivers/types.ts";
import {
  createHostStatusDecoder,
  type HostStatusEvent,
} from "../../../firmware-protocols/zpl/host-status.ts";
import { hostDeviceSimulator, type HostedSimulator } from "../../../src/simulators/index.ts";

const quiet = { warn: () => undefined };

/** One ~HS exchange over a fresh connection; resolves undefined on no reply within `ms`. */
function statusOver(port: number, ms = 300): Promise<HostStatusEvent | undefined> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, noDelay: true }, () => s.write("~HS"));
    const d = createHostStatusDecoder();
    // A bound for the negative case only (a silent printer); positive cases resolve on data.
    const timer = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, ms);
    s.on("data", (c: Buffer) => {
      const st = d.push(new Uint8Array(c)).find((e) => e.type === "status");
      if (st) {
        clearTimeout(timer);
        s.destroy();
        resolve(st);
      }
    });
    s.on("error", reject);
  });
}

describe("hostDeviceSimulator (used by main.ts)", () => {
  let dataDir: string;
  let sim: HostedSimulator | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "labelgate-hds-"));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("hosts the zebra-zpl simulator on a free loopback port with fault switches", async () => {
    sim = await hostDeviceSimulator({
      device: { id: "zpl-1", transport: { port: 0 }, profile: { dpi: 203 } },
      driver: getDriver("zebra-zpl"),
      dataDir,
      logger: quiet,
    });
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.outputDir).toBe(join(dataDir, "sim", "zpl-1"));
    expect(await statusOver(sim.port)).toMatchObject({ paperOut: false });
    sim.faults.set("media_out", true);
    expect(await statusOver(sim.port)).toMatchObject({ paperOut: true });
    expect(() => sim?.faults.set("rfid_no_tag", true)).toThrow(RangeError);
    sim.faults.silent(true);
    expect(await statusOver(sim.port)).toBeUndefined();
  });

  it("refuses a driver without a simulator", async () => {
    const fake: DriverDefinition = { ...getDriver("zebra-zpl"), id: "no-such-family" };
    await expect(
      hostDeviceSimulator({
        device: { id: "x", transport: { port: 0 }, profile: { dpi: 203 } },
        driver: fake,
        dataDir,
        logger: quiet,
      }),
    ).rejects.toThrow(RangeError);
  });
});
