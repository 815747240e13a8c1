import { demoConfig, loadConfigFile } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { isCodedError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { startGateway } from "../main.ts";
import { dirname, join } from "node:path";
import { registerTemplate } from "../templates/index.ts";
import { loadSiteTemplates } from "../templates/site.ts";

export async function runStart(opts: {
  config?: string;
  dataDir?: string;
  mqttPort?: number;
  httpPort?: number;
}): Promise<number> {
  let config: Config;
  try {
    config = opts.config !== undefined ? loadConfigFile(opts.config) : demoConfig();
    // Site templates: templates/*.yaml next to the configuration file (README "Templates").
    if (opts.config !== undefined)
      for (const t of loadSiteTemplates(join(dirname(opts.config), "templates")))
        registerTemplate(t);
  } catch (e) {
    console.error(isCodedError(e) ? e.message : String(e));
    return 1;
  }
  if (opts.dataDir !== undefined) config = { ...config, data_dir: opts.dataDir };
  if (opts.mqttPort !== undefined)
    config = {
      ...config,
      mqtt: { ...config.mqtt, embedded: { ...config.mqtt.embedded, port: opts.mqttPort } },
    };
  if (opts.httpPort !== undefined)
    config = { ...config, http: { ...config.http, enabled: true, port: opts.httpPort } };
  const logger = createLogger(config.log.level);
  let gateway;
  try {
    // Several gateways on one broker: ownership check, standby, fencing (src/cluster/run.ts).
    gateway =
      config.cluster.mode === "multi"
        ? await (await import("../cluster/run.ts")).runCluster(config, logger)
        : await startGateway({ config, logger });
  } catch (e) {
    logger.fatal({ err: e }, "gateway failed to start");
    logger.flush();
    console.error(isCodedError(e) ? `${e.code}: ${e.message}` : `failed to start: ${String(e)}`);
    return 1;
  }
  if (gateway.webUrl !== undefined)
    logger.info({ url: `${gateway.webUrl}/console/` }, "supervisor console");
  for (const [id, sim] of gateway.simulators) {
    logger.info(
      { device: id, port: sim.port, output: sim.outputDir },
      "simulated device listening",
    );
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "stopping");
      gateway
        .stop()
        .catch((e: unknown) => logger.error({ err: e }, "error while stopping"))
        .finally(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  logger.flush();
  return 0;
}
