import type { ConfigInput } from "./schema.ts";

/**
 * The built-in demo configuration, used when `labelgate start` gets no `--config`: site `demo`,
 * gateway `gw1`, the embedded broker on 127.0.0.1:1883, data under `./data`, and simulated
 * printers hosted by the daemon on free loopback ports: `zpl-1` (ZPL, 203 dpi, 100 mm wide, no
 * resident CJK font), `tspl-1`, `escpos-1` and `cpcl-1`; the RFID printer `zpl-rfid-1` and the
 * UHF bag encoder `uhf-1`.
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
  // The tour prints the example job (one waybill number) again and again under new job ids; a
  // site keeps the waybill life cycle on (the default), where that is a reprint needing a reason.
  waybills: { life_cycle: false },
  // The supervisor console and HTTP API (README "Console and HTTP API").
  http: { enabled: true, host: "127.0.0.1", port: 8080 },
  // RFID numbering (README "RFID"): the GS1 example company prefix of the EPC Tag Data Standard
  // (0614141) and a demo access password. A real site puts its own prefix and a secret here.
  rfid: { company_prefix: "0614141", bag_asset_type: "12345", access_password: "5A17C0DE" },
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
    // An RFID printer (print and encode in one pass, SSCC-96) and a desktop UHF encoder for
    // reusable bags (R2000 serial protocol, hosted like a serial-device server on loopback TCP).
    {
      id: "zpl-rfid-1",
      driver: "zebra-zpl",
      model: "simulated ZPL RFID printer",
      area: "demo-hall/line-1",
      transport: { type: "tcp", host: "127.0.0.1", port: 0 },
      profile: { dpi: 203, width_mm: 100, height_mm: 150 },
      simulator: true,
      status_poll_ms: 5000,
    },
    {
      id: "uhf-1",
      driver: "uhf-r2000",
      model: "simulated R2000 UHF encoder",
      area: "demo-hall/bag-desk",
      transport: { type: "tcp", host: "127.0.0.1", port: 0 },
      simulator: true,
      status_poll_ms: 5000,
    },
    // Label printers of the other languages (README "Printers"): a TSPL printer with the usual
    // resident GB 2312 font, an ESC/POS printer with its Chinese mode, a CPCL mobile printer
    // without a Chinese font (text goes as graphics).
    {
      id: "tspl-1",
      driver: "tsc-tspl",
      model: "simulated TSPL printer",
      area: "demo-hall/line-2",
      transport: { type: "tcp", host: "127.0.0.1", port: 0 },
      profile: { dpi: 203, width_mm: 100, height_mm: 150, cjk_font: "TSS24.BF2" },
      simulator: true,
      status_poll_ms: 5000,
    },
    {
      id: "escpos-1",
      driver: "escpos",
      model: "simulated ESC/POS printer",
      area: "demo-hall/line-3",
      transport: { type: "tcp", host: "127.0.0.1", port: 0 },
      profile: { dpi: 203, width_mm: 100, height_mm: 150, cjk_font: "GB18030" },
      simulator: true,
      status_poll_ms: 5000,
    },
    {
      id: "cpcl-1",
      driver: "zebra-cpcl",
      model: "simulated CPCL mobile printer",
      area: "demo-hall/handheld",
      transport: { type: "tcp", host: "127.0.0.1", port: 0 },
      profile: { dpi: 203, width_mm: 100, height_mm: 150 },
      simulator: true,
      status_poll_ms: 5000,
    },
    // E-paper bag tags behind one simulated OpenEPaperLink AP (src/epaper/host.ts).
    {
      id: "epaper-1",
      driver: "oepl-ap",
      model: 'OEPL M2 2.9" BWR 296×128',
      area: "demo-hall/cage-7",
      transport: { type: "oepl", mac: "0000021EDE2A3B01", hw_type: 0x01, sim_checkin_ms: 2000 },
      simulator: true,
      status_poll_ms: 5000,
    },
    {
      id: "epaper-2",
      driver: "oepl-ap",
      model: 'OEPL M3 4.2" 400×300',
      area: "demo-hall/chute-3",
      transport: { type: "oepl", mac: "0000021EDE2A3B02", hw_type: 0x34, sim_checkin_ms: 2000 },
      simulator: true,
      status_poll_ms: 5000,
    },
    {
      id: "panel-1",
      driver: "waveshare-epaper",
      model: 'simulated Waveshare 4.3" UART e-paper',
      area: "demo-hall/chute-4",
      transport: { type: "tcp", host: "127.0.0.1", port: 0 },
      simulator: true,
      status_poll_ms: 5000,
    },
  ],
};
