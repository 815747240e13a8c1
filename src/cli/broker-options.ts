/**
 * The broker options of the commands that talk to a running gateway over MQTT (`submit`,
 * `devices list`): `--url`, `--mqtt-port` (a shorthand for a local broker), `--base`, `--site`.
 */
export interface BrokerCliOptions {
  url: string;
  mqttPort?: number;
  base: string;
  site: string;
}

/** The broker URL to connect to: `--mqtt-port` wins over `--url`. */
export function brokerUrl(o: BrokerCliOptions): string {
  return o.mqttPort !== undefined ? `mqtt://127.0.0.1:${o.mqttPort}` : o.url;
}
