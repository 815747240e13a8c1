/**
 * Simulator hosting for the daemon (DESIGN.md §6): picks the device-side simulator of a driver
 * and hosts it on loopback TCP. `main.ts` calls {@link hostDeviceSimulator} for each device
 * configured with `simulator: true`.
 */
import type { DriverDefinition } from "../../drivers/types.ts";
import { join } from "node:path";
import { hostSimulatorOnTcp, type TcpHostLogger } from "./tcp-host.ts";
import { hostLabelSimulator } from "./labels.ts";
import { PANEL } from "../../drivers/waveshare-epaper/compile.ts";
import {
  createWaveshareSimulator,
  renderWaveshareFrames,
} from "../../drivers/waveshare-epaper/simulator.ts";
import { greyPng } from "./waveshare.ts";
import {
  createHostedR2000,
  createHostedZplRfid,
  isRfidFault,
  RFID_FAULTS,
  setRfidFault,
} from "./rfid.ts";

export { createMemoryTransport } from "./memory.ts";
export type { MemoryTransport, MemoryDeviceSide, MemoryTransportOptions } from "./memory.ts";
export { hostSimulatorOnTcp } from "./tcp-host.ts";
export type { HostedTcpSimulator, FormatWritten, TcpHostLogger } from "./tcp-host.ts";

/** A simulator the daemon hosts for one device. */
export interface HostedSimulator {
  readonly deviceId: string;
  /** Loopback port the device's transport connects to. */
  readonly port: number;
  /** Where printed formats and previews are written: `<dataDir>/sim/<deviceId>`. */
  readonly outputDir: string;
  /** Fault injection for the demo and tests. */
  readonly faults: SimulatorFaults;
  close(): Promise<void>;
}

/** Family-independent fault switches of a hosted simulator. */
export interface SimulatorFaults {
  /** Names the simulator supports (for zebra-zpl: media_out, head_open, ribbon_out, paused, garbage). */
  readonly conditions: readonly string[];
  /** Raises or clears a condition; throws RangeError for a name not in `conditions`. */
  set(condition: string, on: boolean): void;
  /** While on, status requests go unanswered. */
  silent(on: boolean): void;
  /** Drops the open connections (the device side hangs up). */
  disconnectClients(): void;
}

const ZPL_FAULTS = ["media_out", "head_open", "ribbon_out", "paused", "garbage"] as const;
type ZplFault = (typeof ZPL_FAULTS)[number];
const isZplFault = (c: string): c is ZplFault => (ZPL_FAULTS as readonly string[]).includes(c);

/** The slice of a device's configuration the host needs. */
export interface SimulatedDeviceConfig {
  id: string;
  /** `port` 0 picks a free port. */
  transport: { port: number };
  /** The configured model; an RFID printer's simulator gets inlays when it names RFID. */
  model?: string;
  profile: { dpi: number; width_mm?: number };
}

export interface HostDeviceSimulatorOptions {
  device: SimulatedDeviceConfig;
  driver: DriverDefinition;
  dataDir: string;
  logger: TcpHostLogger;
}

/**
 * Hosts the simulator of `driver` for `device` on 127.0.0.1. Rejects with RangeError when the
 * driver has no simulator, and with the socket error when the port cannot be bound.
 */
export async function hostDeviceSimulator(o: HostDeviceSimulatorOptions): Promise<HostedSimulator> {
  switch (o.driver.id) {
    case "zebra-zpl": {
      let rfid: ReturnType<typeof createHostedZplRfid> | undefined;
      const hosted = await hostSimulatorOnTcp({
        deviceId: o.device.id,
        dataDir: o.dataDir,
        port: o.device.transport.port,
        logger: o.logger,
        // Every hosted ZPL printer has the RFID encoder logic; only an RFID model has inlays.
        createSimulator: (sink) =>
          (rfid = createHostedZplRfid(sink, o.device.model, join(o.dataDir, "sim", o.device.id)))
            .simulator,
        // Previews at the printer's own resolution (dots per millimetre).
        preview: { dpmm: Math.round(o.device.profile.dpi / 25.4) },
      });
      return {
        deviceId: o.device.id,
        port: hosted.port,
        outputDir: hosted.outputDir,
        faults: {
          conditions: [...ZPL_FAULTS, ...RFID_FAULTS.filter((f) => !isZplFault(f))],
          set(condition, on) {
            if (isZplFault(condition)) hosted.simulator.setFault(condition, on);
            else if (isRfidFault(condition) && rfid) setRfidFault(rfid.field, condition, on);
            else throw new RangeError(`unknown simulator fault ${condition}`);
          },
          silent: (on) => hosted.simulator.setSilent(on),
          disconnectClients: () => hosted.disconnectClients(),
        },
        close: async () => {
          await hosted.close();
          await rfid?.files.flush();
        },
      };
    }
    case "uhf-r2000": {
      // The encoder's serial line, hosted on loopback TCP (a serial-device server, ser2net
      // style); tests host the same simulator on a socat PTY. Tag memory goes to <n>.json.
      let r: ReturnType<typeof createHostedR2000> | undefined;
      const dir = join(o.dataDir, "sim", o.device.id);
      const hosted = await hostSimulatorOnTcp({
        deviceId: o.device.id,
        dataDir: o.dataDir,
        port: o.device.transport.port,
        logger: o.logger,
        createSimulator: (sink) => (r = createHostedR2000(sink, dir)).simulator,
        preview: false,
      });
      const rig = r!;
      return {
        deviceId: o.device.id,
        port: hosted.port,
        outputDir: hosted.outputDir,
        faults: {
          conditions: RFID_FAULTS,
          set(condition, on) {
            if (!isRfidFault(condition))
              throw new RangeError(`unknown simulator fault ${condition}`);
            setRfidFault(rig.field, condition, on, rig.simulator);
          },
          silent: (on) => rig.simulator.setSilent(on),
          disconnectClients: () => hosted.disconnectClients(),
        },
        close: async () => {
          await hosted.close();
          await rig.files.flush();
        },
      };
    }
    case "waveshare-epaper": {
      // The panel's UART behind a serial-device server on loopback TCP; each refresh's frames go
      // to <n>.ws and what the panel shows to <n>.png (tests also host it on a socat PTY).
      const hosted = await hostSimulatorOnTcp({
        deviceId: o.device.id,
        dataDir: o.dataDir,
        port: o.device.transport.port,
        logger: o.logger,
        createSimulator: (sink) => createWaveshareSimulator(sink),
        fileExtension: "ws",
        renderPng: (frames) =>
          Promise.resolve(greyPng(renderWaveshareFrames(frames), PANEL.width, PANEL.height)),
      });
      return {
        deviceId: o.device.id,
        port: hosted.port,
        outputDir: hosted.outputDir,
        faults: {
          conditions: [],
          set(condition) {
            throw new RangeError(`unknown simulator fault ${condition}`);
          },
          silent: () => undefined,
          disconnectClients: () => hosted.disconnectClients(),
        },
        close: () => hosted.close(),
      };
    }
    default: {
      const label = await hostLabelSimulator(o);
      if (label !== undefined) return label;
      throw new RangeError(`driver ${o.driver.id} has no simulator`);
    }
  }
}
