import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { validateConfig } from "../../src/config/load.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/log.ts";
import { startGateway, type Gateway } from "../../src/main.ts";
import { MqttProbe } from "./mqtt-probe.ts";
import { freePort } from "./net.ts";

export interface TestGateway {
  gateway: Gateway;
  probe: MqttProbe;
  dataDir: string;
  url: string;
  /** Audit actions in order, with outcome and reason, read from the database. */
  auditRows(): Array<{
    seq: number;
    action: string;
    outcome: string;
    reason: string | null;
    job_id: string | null;
  }>;
  stop(): Promise<void>;
}

/** The built-in ZPL simulator `zpl-1` on loopback, polled every 200 ms (the tests' default printer). */
export const SIMULATED_ZPL_1 = {
  id: "zpl-1",
  driver: "zebra-zpl",
  simulator: true,
  transport: { type: "tcp" as const, host: "127.0.0.1", port: 0 },
  status_poll_ms: 200,
  status_timeout_ms: 500,
  confirm_timeout_ms: 3000,
};

/** A gateway in this process on a fresh data dir and a free broker port, with one simulated ZPL printer. */
export async function startTestGateway(
  extra: Partial<ConfigInput> = {},
  dataDir?: string,
): Promise<TestGateway> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "labelgate-test-"));
  const port = await freePort();
  const config = validateConfig(
    {
      site: "demo",
      gateway: "gw1",
      data_dir: dir,
      devices: [SIMULATED_ZPL_1],
      // The fixtures print one waybill number many times: reprint control is tested on its own.
      waybills: { life_cycle: false },
      ...extra,
      mqtt: {
        embedded: { enabled: true, host: "127.0.0.1", port, allow_anonymous: true },
        ...extra.mqtt,
      },
    },
    "test config",
  );
  const gateway = await startGateway({ config, logger: silentLogger() });
  const url = gateway.brokerUrl;
  const probe = await MqttProbe.connect(url, ["labelgate/demo/#"]);
  return {
    gateway,
    probe,
    dataDir: dir,
    url,
    auditRows() {
      const db = new Database(join(dir, "labelgate.db"), { readonly: true });
      try {
        return db
          .prepare(
            "SELECT seq, action, outcome, reason, json_extract(target, '$.job_id') AS job_id FROM audit_log ORDER BY seq",
          )
          .all() as ReturnType<TestGateway["auditRows"]>;
      } finally {
        db.close();
      }
    },
    async stop() {
      await probe.close();
      await gateway.stop();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
