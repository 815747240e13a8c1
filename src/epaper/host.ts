/**
 * The OpenEPaperLink tags of the configuration (transport `oepl`): one run-time device per tag,
 * and — for tags with `simulator: true` — one simulated AP on loopback hosting all of them, whose
 * tags write what they show to `<data_dir>/sim/<device>/<n>.png`.
 */
import { join } from "node:path";
import { getDriver } from "../../drivers/index.ts";
import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { DeviceConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { startOeplApSimulator, type OeplApSimulator } from "../simulators/oepl-ap.ts";
import { createOeplTagRuntime, type OeplTagRuntime } from "./runtime.ts";

export interface HostedOepl {
  runtimes: OeplTagRuntime[];
  configs: Map<string, DeviceConfig>;
  simulator: OeplApSimulator | undefined;
  close(): Promise<void>;
}

export async function hostOeplDevices(o: {
  devices: readonly DeviceConfig[];
  dataDir: string;
  clock: () => number;
  logger: Logger;
  onChange: (dc: DeviceConfig, now: DeviceSnapshot, before: DeviceSnapshot) => void;
}): Promise<HostedOepl> {
  const tags = o.devices.flatMap((dc) =>
    dc.transport.type === "oepl" ? [{ dc, t: dc.transport }] : [],
  );
  const simulated = tags.filter(({ dc }) => dc.simulator);
  const simulator =
    simulated.length === 0
      ? undefined
      : await startOeplApSimulator({
          outputDir: join(o.dataDir, "sim"),
          tags: simulated.map(({ dc, t }) => ({
            id: dc.id,
            mac: t.mac,
            hwType: t.hw_type,
            checkinMs: t.sim_checkin_ms,
          })),
        });
  if (simulator) o.logger.info({ url: simulator.url, tags: simulated.length }, "simulated OEPL AP");
  const configs = new Map<string, DeviceConfig>();
  const runtimes = tags.map(({ dc, t }) => {
    configs.set(dc.id, dc);
    return createOeplTagRuntime({
      id: dc.id,
      driver: getDriver(dc.driver),
      profile: {
        dpi: dc.profile.dpi,
        widthMm: dc.profile.width_mm,
        heightMm: dc.profile.height_mm,
      },
      url: dc.simulator && simulator ? simulator.url : t.url,
      mac: t.mac,
      hwType: t.hw_type,
      lowBatteryMv: t.low_battery_mv,
      graceMs: t.checkin_grace_ms,
      statusPollMs: dc.status_poll_ms,
      clock: o.clock,
      logger: o.logger,
      onChange: (now, before) => o.onChange(dc, now, before),
    });
  });
  return {
    runtimes,
    configs,
    simulator,
    async close() {
      await Promise.all(runtimes.map((r) => r.stop()));
      await simulator?.close();
    },
  };
}
