/**
 * Hosting of the TSPL, ESC/POS and CPCL printer simulators (drivers/{tspl,escpos,cpcl}/): each on
 * loopback TCP like a raw port 9100, writing `<n>.tspl|escpos|cpcl` with the exact bytes of each
 * printed label, `<n>.png` drawn by the family's own interpreter, and `stats.json`.
 */
import { createCpclSimulator, CPCL_FAULTS } from "../../drivers/cpcl/simulator.ts";
import { interpretCpcl } from "../../drivers/cpcl/interpret.ts";
import { createEscposSimulator, ESCPOS_FAULTS } from "../../drivers/escpos/simulator.ts";
import { interpretEscpos } from "../../drivers/escpos/interpret.ts";
import { bitmapToPng } from "../../drivers/label/render.ts";
import type { Bitmap } from "../../drivers/label/bitmap.ts";
import { createTsplSimulator, TSPL_FAULTS } from "../../drivers/tspl/simulator.ts";
import { interpretTspl } from "../../drivers/tspl/interpret.ts";
import type { HostDeviceSimulatorOptions, HostedSimulator } from "./index.ts";
import { hostSimulatorOnTcp, type HostedTcpSimulator, type SimulatorSink } from "./tcp-host.ts";

interface FaultSwitch {
  setFault(condition: string, on: boolean): void;
  setSilent(on: boolean): void;
}

function png(bitmap: Bitmap | undefined): Uint8Array {
  if (bitmap === undefined) throw new Error("the printed bytes hold no label");
  return bitmapToPng(bitmap);
}

type LabelSimulator = FaultSwitch & { receive(b: Uint8Array): void };

interface Family {
  ext: string;
  faults: readonly string[];
  create: (sink: SimulatorSink) => LabelSimulator;
  render: (b: Uint8Array) => Bitmap | undefined;
}

function family(o: HostDeviceSimulatorOptions): Family | undefined {
  const dpi = o.device.profile.dpi;
  const widthDots = Math.round(((o.device.profile.width_mm ?? 100) * dpi) / 25.4);
  switch (o.driver.id) {
    case "tsc-tspl":
      return {
        ext: "tspl",
        faults: [...TSPL_FAULTS, "garbage"],
        create: (sink) => createTsplSimulator(sink) as LabelSimulator,
        render: (b) => interpretTspl(b, dpi).labels[0]?.bitmap,
      };
    case "escpos":
      return {
        ext: "escpos",
        faults: [...ESCPOS_FAULTS, "garbage"],
        create: (sink) => createEscposSimulator(sink) as LabelSimulator,
        render: (b) => interpretEscpos(b, dpi, widthDots).labels[0]?.bitmap,
      };
    case "zebra-cpcl":
      return {
        ext: "cpcl",
        faults: [...CPCL_FAULTS, "garbage"],
        create: (sink) => createCpclSimulator(sink) as LabelSimulator,
        render: (b) => interpretCpcl(b, dpi, widthDots).labels[0]?.bitmap,
      };
    default:
      return undefined;
  }
}

/**
 * The TCP host of a TSPL, ESC/POS or CPCL simulator (with `waitForFormat`, for tests); undefined
 * for other drivers.
 */
export async function hostLabelSimulatorOnTcp(
  o: HostDeviceSimulatorOptions,
): Promise<{ hosted: HostedTcpSimulator<LabelSimulator>; faults: readonly string[] } | undefined> {
  const f = family(o);
  if (f === undefined) return undefined;
  const hosted = await hostSimulatorOnTcp({
    deviceId: o.device.id,
    dataDir: o.dataDir,
    port: o.device.transport.port,
    logger: o.logger,
    createSimulator: (sink) => f.create(sink),
    fileExtension: f.ext,
    renderPng: (bytes) => Promise.resolve().then(() => png(f.render(bytes))),
  });
  return { hosted, faults: f.faults };
}

/** Hosts the simulator of a TSPL, ESC/POS or CPCL driver; undefined for other drivers. */
export async function hostLabelSimulator(
  o: HostDeviceSimulatorOptions,
): Promise<HostedSimulator | undefined> {
  const r = await hostLabelSimulatorOnTcp(o);
  if (r === undefined) return undefined;
  const { hosted, faults } = r;
  return {
    deviceId: o.device.id,
    port: hosted.port,
    outputDir: hosted.outputDir,
    faults: {
      conditions: faults,
      set(condition, on) {
        if (!faults.includes(condition))
          throw new RangeError(`unknown simulator fault ${condition}`);
        hosted.simulator.setFault(condition, on);
      },
      silent: (on) => hosted.simulator.setSilent(on),
      disconnectClients: () => hosted.disconnectClients(),
    },
    close: () => hosted.close(),
  };
}
