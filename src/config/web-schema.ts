import { z } from "zod";

/**
 * Configuration of the supervisor console / HTTP API and of the monitoring alerts (issue #12),
 * kept apart from `schema.ts` so it can grow without touching the shared file.
 */

/**
 * `http`: the console and HTTP API (fastify). Port 0 picks a free port (tests). Off unless
 * enabled (the demo configuration enables it on 127.0.0.1:8080), so a configuration written
 * before the console existed opens no new port.
 */
export const httpSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Idle lifetime of a console session, in seconds (default 8 h, one shift). */
    session_ttl_s: z.number().int().min(60).max(86400).default(28800),
  })
  .default(() => ({ enabled: false, host: "127.0.0.1", port: 8080, session_ttl_s: 28800 }));

const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { error: "expected HH:MM" });

/** `alerts`: thresholds of the Art. 16 monitoring alerts. */
export const alertsSchema = z
  .strictObject({
    /** A device fault (media out, head open, offline …) lasting longer than this raises an alert. */
    device_fault_s: z.number().int().min(1).max(86400).default(120),
    /** Privacy rejections within `window_s` that make a spike. */
    rejection_spike: z.number().int().min(1).max(100000).default(20),
    /** Reprints or exports by one operator within `window_s` that look like a leak. */
    operator_volume: z.number().int().min(1).max(100000).default(30),
    /** The sliding window of the two counts above, in seconds. */
    window_s: z.number().int().min(10).max(86400).default(600),
    /** Shift hours (local time of the gateway); a print outside them raises an alert. */
    shift: z.strictObject({ start: hhmm, end: hhmm }).optional(),
  })
  .default(() => ({
    device_fault_s: 120,
    rejection_spike: 20,
    operator_volume: 30,
    window_s: 600,
  }));

export type HttpConfig = z.infer<typeof httpSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;
