import { z } from "zod";
import { rfidSchema } from "../rfid/config.ts";
import { accessSchema, waybillsSchema } from "./access-schema.ts";
import { auditSchema } from "./audit-schema.ts";
import { embeddedTlsSchema } from "./broker-schema.ts";
import { clusterSchema } from "../cluster/config.ts";
import { alertsSchema, httpSchema } from "./web-schema.ts";

/**
 * The configuration file (YAML), validated with zod. Every key has a default, so an empty file is
 * a valid configuration; the demo configuration (demo.ts) is what runs when no file is given.
 * Keys are snake_case like the MQTT payloads.
 */

const PORT_MESSAGE = "expected a number from 1 to 65535";
const port = () =>
  z
    .number({ error: PORT_MESSAGE })
    .int({ error: PORT_MESSAGE })
    .min(1, { error: PORT_MESSAGE })
    .max(65535, { error: PORT_MESSAGE });

const idString = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  error: "expected 1–64 characters: letters, digits, '_', '.', '-' (no '/', '+', '#')",
});

export const tcpTransportSchema = z.strictObject({
  type: z.literal("tcp"),
  host: z.string().min(1).default("127.0.0.1"),
  /** 0 only with `simulator: true`: the daemon then picks a free loopback port. */
  port: z
    .number({ error: "expected a number from 1 to 65535" })
    .int({ error: "expected a number from 1 to 65535" })
    .min(0, { error: "expected a number from 1 to 65535" })
    .max(65535, { error: "expected a number from 1 to 65535" })
    .default(9100),
  connect_timeout_ms: z.number().int().positive().default(3000),
});

/** A serial port (RS-232, USB-CDC): a path or a stable `/dev/serial/by-id/…` link. */
export const serialTransportSchema = z.strictObject({
  type: z.literal("serial"),
  path: z.string().min(1),
  baud_rate: z.number().int().min(50).max(4_000_000).default(9600),
  data_bits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  stop_bits: z.union([z.literal(1), z.literal(2)]).default(1),
  parity: z.enum(["none", "even", "odd"]).default("none"),
  flow_control: z.enum(["none", "rtscts", "xonxoff"]).default("none"),
});

/** A USB printer-class device, chosen by VID:PID and (optionally) its serial number. */
export const usbTransportSchema = z.strictObject({
  type: z.literal("usb"),
  vendor_id: z.number().int().min(0).max(0xffff),
  product_id: z.number().int().min(0).max(0xffff),
  serial_number: z.string().min(1).optional(),
});

/** A report-based HID device (node-hid), by VID:PID and optional serial number or hidraw path. */
export const hidTransportSchema = z.strictObject({
  type: z.literal("hid"),
  vendor_id: z.number().int().min(0).max(0xffff),
  product_id: z.number().int().min(0).max(0xffff),
  serial_number: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
});

/**
 * An OpenEPaperLink tag behind an access point (driver `oepl-ap`, reference §6.1): the AP's base
 * URL, the tag's MAC and its tag type (hwType). With `simulator: true` the daemon hosts one
 * simulated AP for all such tags and `url` is ignored.
 */
export const oeplTransportSchema = z.strictObject({
  type: z.literal("oepl"),
  url: z
    .string()
    .regex(/^https?:\/\/[^\s/]+$/, { error: "expected http://host[:port]" })
    .default("http://127.0.0.1"),
  mac: z
    .string()
    .regex(/^([0-9A-Fa-f]{12}|[0-9A-Fa-f]{16})$/, { error: "expected 12 or 16 hex digits" }),
  hw_type: z.number().int().min(0).max(255),
  low_battery_mv: z.number().int().min(0).max(5000).default(2600),
  /** A tag is late (`tag_missed_checkin`) this long after its announced next check-in. */
  checkin_grace_ms: z.number().int().min(0).max(86_400_000).default(60_000),
  /** Simulator only: the simulated tag's check-in period. */
  sim_checkin_ms: z.number().int().min(50).max(600_000).default(2000),
});

export const transportSchema = z.discriminatedUnion("type", [
  tcpTransportSchema,
  serialTransportSchema,
  usbTransportSchema,
  hidTransportSchema,
  oeplTransportSchema,
]);

export const profileSchema = z.strictObject({
  dpi: z.union([z.literal(203), z.literal(300), z.literal(600)]).default(203),
  width_mm: z.number().positive().max(300).default(100),
  height_mm: z.number().positive().max(1000).default(150),
  /**
   * A resident printer font covering CJK, in the driver's own naming: ZPL `E:SIMSUN.TTF`, TSPL
   * `TSS24.BF2`, ESC/POS `GB18030` (the printer has its Chinese mode), CPCL font number `55`.
   * Omit when there is none: text is then sent as graphics.
   */
  cjk_font: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9:_.-]{0,39}$/)
    .optional(),
});

export const deviceSchema = z
  .strictObject({
    id: idString,
    driver: z.string().min(1),
    model: z.string().default(""),
    /** Where the device stands (place in audit records), e.g. `hall-2/line-4`. */
    area: z.string().max(128).optional(),
    transport: transportSchema,
    profile: profileSchema.default(() => profileSchema.parse({})),
    /** The daemon hosts this device's simulator itself (demo, tests). */
    simulator: z.boolean().default(false),
    status_poll_ms: z.number().int().min(100).max(600_000).default(5000),
    status_timeout_ms: z.number().int().min(50).max(60_000).default(2000),
    /** How long to wait for the device to confirm a print before the job is `in_doubt`. */
    confirm_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
    /**
     * The registered unit (Art. 17 access review): checked on every connect against what the
     * device reports (ZPL `~HI` / `~HQSN`); a mismatch quarantines the device. Omitted keys are
     * not checked.
     */
    identity: z
      .strictObject({
        model: z.string().min(1).max(64).optional(),
        serial: z.string().min(1).max(64).optional(),
        firmware: z.string().min(1).max(64).optional(),
      })
      .optional(),
    /**
     * How long a device may answer its status as ready while its identity query stays unanswered
     * before it is quarantined `identity_unreadable` (alert + audit). Until then it is
     * `identity_pending`: jobs held, the identity asked again after every ready status.
     */
    identity_timeout_s: z.number().min(0.1).max(86_400).default(180),
    /** The pool this device serves: jobs on `pool/{pool}/job` go to its healthiest member. */
    pool: idString.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.transport.type === "tcp" && d.transport.port === 0 && !d.simulator) {
      ctx.addIssue({
        code: "custom",
        path: ["transport", "port"],
        message: "expected a number from 1 to 65535 (0 is only allowed with simulator: true)",
      });
    }
    if (d.simulator && d.transport.type !== "tcp" && d.transport.type !== "oepl") {
      ctx.addIssue({
        code: "custom",
        path: ["simulator"],
        message: "a hosted simulator needs a tcp transport",
      });
    }
  });

export const configSchema = z.strictObject({
  site: idString.default("demo"),
  gateway: idString.default("gw1"),
  /** Where this gateway stands, for the `place` of audit records. */
  area: z.string().max(128).default(""),
  data_dir: z.string().min(1).default("./data"),
  mqtt: z
    .strictObject({
      base_topic: z
        .string()
        .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, {
          error: "expected topic levels without wildcards",
        })
        .default("labelgate"),
      /** Run the embedded broker (aedes, MQTT 3.1.1) inside the daemon. */
      embedded: z
        .strictObject({
          enabled: z.boolean().default(true),
          /**
           * Clients may connect without credentials. Only the demo (and tests) set it, and only
           * with a loopback `host`; otherwise every client authenticates (`labelgate clients`).
           */
          allow_anonymous: z.boolean().default(false),
          host: z.string().default("127.0.0.1"),
          port: port().default(1883),
          /** A TLS listener beside the plain one, with client certificates (broker-schema.ts). */
          tls: embeddedTlsSchema.optional(),
        })
        .refine((e) => !e.allow_anonymous || ["127.0.0.1", "::1", "localhost"].includes(e.host), {
          error: "allow_anonymous needs a loopback host (127.0.0.1, ::1 or localhost)",
        })
        .default(() => ({ enabled: true, host: "127.0.0.1", port: 1883, allow_anonymous: false })),
      /** External broker; when set, the embedded broker is off unless enabled explicitly. */
      url: z
        .string()
        .regex(/^mqtts?:\/\/[^\s]+$/, { error: "expected an mqtt:// or mqtts:// URL" })
        .optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      tls: z
        .strictObject({
          ca: z.string().optional(),
          cert: z.string().optional(),
          key: z.string().optional(),
          reject_unauthorized: z.boolean().default(true),
        })
        .optional(),
      client_id: z.string().max(23).optional(),
      keepalive_s: z.number().int().min(5).max(3600).default(30),
      /** 4 = MQTT 3.1.1 (the embedded broker); 5 = MQTT 5 (external brokers); auto = 5 unless embedded. */
      protocol_version: z.union([z.literal(4), z.literal(5), z.literal("auto")]).default("auto"),
      /** MQTT 5 Session Expiry Interval; 0 = clean session. Owners in `cluster.mode: multi` set it. */
      session_expiry_s: z.number().int().min(0).max(86_400).default(0),
    })
    .default(() => ({
      base_topic: "labelgate",
      embedded: { enabled: true, host: "127.0.0.1", port: 1883, allow_anonymous: false },
      keepalive_s: 30,
      protocol_version: "auto" as const,
      session_expiry_s: 0,
    })),
  limits: z
    .strictObject({
      /** Largest accepted job payload in bytes (default 64 KiB). */
      max_job_bytes: z
        .number()
        .int()
        .min(1024)
        .max(16 * 1024 * 1024)
        .default(65536),
      /** Largest copies per job. */
      max_copies: z.number().int().min(1).max(1000).default(50),
      /** Jobs waiting for one device; past it a job is refused `busy` (retryable), not dropped. */
      max_queue_per_device: z.number().int().min(1).max(1_000_000).default(2000),
      /** Jobs waiting on the whole gateway; past it a job is refused `busy`. */
      max_queued_total: z.number().int().min(1).max(10_000_000).default(20_000),
    })
    .default(() => ({
      max_job_bytes: 65536,
      max_copies: 50,
      max_queue_per_device: 2000,
      max_queued_total: 20_000,
    })),
  privacy: z
    .strictObject({
      /** Digits of an 11-digit mobile that must be masked (GB/T 41833-2022 asks for at least 6). */
      phone_min_hidden: z.number().int().min(4).max(11).default(6),
      /**
       * Re-mask a mobile that hides too few digits (e.g. `138****5678`) to `phone_min_hidden`
       * instead of refusing the job; every re-mask is audited (`deid.tightened`).
       */
      remask_phones: z.boolean().default(false),
    })
    .default(() => ({ phone_min_hidden: 6, remask_phones: false })),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .default(() => ({ level: "info" as const })),
  access: accessSchema,
  http: httpSchema,
  alerts: alertsSchema,
  waybills: waybillsSchema,
  /** RFID encoding: EPC numbering and the site access password (src/rfid/config.ts). */
  rfid: rfidSchema,
  /** Audit log, checkpoints and retention (src/config/audit-schema.ts, issue #7). */
  audit: auditSchema,
  /** Several gateways on one broker: ownership, standby failover, shared pools (issue #11). */
  cluster: clusterSchema,
  devices: z.array(deviceSchema).default([]),
  /**
   * Scan stations: a HID barcode scanner bound to a station and its printer; a scanned waybill
   * number reprints that waybill's last label there (src/devices/scan-station.ts).
   */
  scan_stations: z
    .array(
      z.strictObject({
        id: idString,
        area: z.string().max(128).optional(),
        /** The printer (a `devices[].id`) reprints go to. */
        printer: idString,
        /**
         * A fixed operator, always logged in at the station (no badge log-in needed); reprints
         * and scans are recorded under it. Without it an operator logs in (README "Scan stations").
         */
        operator: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/)
          .optional(),
        /** Operator log-in at the station by badge scan (README "Scan stations"). */
        login: z
          .strictObject({
            /** A scanned code starting with this logs in the operator id that follows it. */
            badge_prefix: z.string().min(1).max(16).default("OP:"),
            /** A scanned code equal to this logs the station's operator out. */
            logout_code: z.string().min(1).max(64).default("OP:LOGOUT"),
            /** Log-out after this long without a scan (ms, default 8 h). */
            idle_timeout_ms: z.number().int().min(1000).max(86_400_000).default(28_800_000),
          })
          .prefault({}),
        scanner: z.strictObject({
          vendor_id: z.number().int().min(0).max(0xffff),
          product_id: z.number().int().min(0).max(0xffff),
          serial_number: z.string().min(1).optional(),
          path: z.string().min(1).optional(),
          /** `keyboard`: keyboard-wedge (boot keyboard reports); `pos`: HID POS reports. */
          mode: z.enum(["keyboard", "pos"]).default("keyboard"),
        }),
      }),
    )
    .default([]),
});

export type Config = z.infer<typeof configSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type ConfigInput = z.input<typeof configSchema>;
