import type { ConfigInput } from "./schema.ts";

/**
 * The built-in demo configuration, used when `labelgate start` gets no `--config`: site `demo`,
 * gateway `gw1`, the embedded broker on 127.0.0.1:1883, data under `./data`, and one simulated
 * ZPL printer `zpl-1` (203 dpi, 100 mm wide, no resident CJK font) hosted by the daemon on a free
 * loopback port.
 */
export const DEMO_CONFIG: ConfigInput = {
  site: "demo",
  gateway: "gw1",
  area: "demo-hall",
  data_dir: "./data",
  mqtt: {
    base_topic: "labelgate",
    // Anonymous clients on loopback only: the demo needs no accounts (README "Access control").
    embedded: { enabled: true, host: "127.0.0.1", port: 1883, allow_anonymous: true },
  },
  // The supervisor console and HTTP API (README "Console and HTTP API").
  http: { enabled: true, host: "127.0.0.1", port: 8080 },
  devices: [
    {
      id: "zpl-1",
      driver: "zebra-zpl",
      model: "simulated ZPL printer",
      area: "demo-hall/line-1",
      transport: { type: "tcp", host: "127.0.0.1", port: 0 },
      profile: { dpi: 203, width_mm: 100, height_mm: 150 },
      simulator: true,
      status_poll_ms: 5000,
    },
  ],
};
