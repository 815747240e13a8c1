import type { Config } from "./config/schema.ts";
import type { DriverDefinition } from "../drivers/types.ts";
import { configJsonSchema } from "./config/load.ts";
import { ERROR_CODES } from "./errors.ts";
import { templateNames } from "./templates/index.ts";

export const API_VERSION = 1;
export const VERSION = "0.1.0";

/** The retained `gateway/{gw}/info` document: versions, drivers, redacted config, config schema. */
export function gatewayInfo(
  config: Config,
  drivers: Record<string, DriverDefinition>,
  brokerUrl: string,
) {
  return {
    version: VERSION,
    api: API_VERSION,
    site: config.site,
    gateway: config.gateway,
    broker: brokerUrl.replace(/\/\/[^@/]*@/, "//***@"),
    drivers: Object.values(drivers).map((d) => ({
      id: d.id,
      vendor: d.vendor,
      models: d.models,
      job_kinds: d.jobKinds,
    })),
    templates: templateNames(),
    error_codes: Object.keys(ERROR_CODES),
    config: redactConfig(config),
    config_schema: configJsonSchema(),
  };
}

/** The configuration with secrets and key paths removed. */
export function redactConfig(config: Config): unknown {
  const { tls, ...mqtt } = config.mqtt;
  delete mqtt.password;
  // The RFID access password unlocks every tag the site encoded: say only whether it is set.
  const { access_password: rfidPassword, ...rfid } = config.rfid;
  return {
    ...config,
    mqtt: { ...mqtt, ...(tls && { tls: { configured: true } }) },
    rfid: { ...rfid, access_password_configured: rfidPassword !== undefined },
  };
}
