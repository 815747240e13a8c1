/**
 * OpenEPaperLink access-point tags (reference/device-protocols.md §6.1): each tag is a device of
 * its own, reached through an AP's HTTP API (upload) and WebSocket (check-ins). This module is
 * data and small functions: the tag profile of a tag type, the upload image, the conditions of a
 * tag record. The HTTP / WebSocket client is in src/transports/oepl-http.ts.
 */
import { createCanvas } from "../label/canvas.ts";
import {
  TAG_TYPES,
  CAP_COMPRESSION,
  parseTagsMessage,
  type IndexedImage,
  type TagRecord,
} from "../../firmware-protocols/oepl/index.ts";
import type { Condition, DeviceSnapshot } from "../snapshot.ts";
import type { TagProfile } from "../epaper/raster.ts";
import { defineDriver } from "../types.ts";

export const OEPL_DRIVER_ID = "oepl-ap";

export interface OeplTagConfig {
  /** Tag MAC (12 or 16 hex characters). */
  mac: string;
  /** §6.1 hwType; gives size, colours and compression (TAG_TYPES). */
  hwType: number;
}

export interface OeplTagProfile extends TagProfile {
  colour: "none" | "red" | "yellow";
}

/**
 * The tag's profile from its type. Compression only when the type has `zlib_compression` and the
 * tag reports capability 0x02 (§6.1); `capabilities` undefined = not yet seen (assume none).
 */
export function tagProfile(hwType: number, capabilities?: number): OeplTagProfile | undefined {
  const t = TAG_TYPES[hwType];
  if (t === undefined) return undefined;
  const zlib = t.zlib && capabilities !== undefined && (capabilities & CAP_COMPRESSION) !== 0;
  return { width: t.width, height: t.height, bpp: t.bpp, zlib, colour: t.colour };
}

const PALETTE_RGB = {
  red: [0xff, 0, 0],
  yellow: [0xff, 0xff, 0],
} as const;

/**
 * The upload for `POST /imgupload`: a baseline JPEG at quality 100 of pure palette colours at
 * the tag's native size, to be sent with `dither=0` (§6.1 "Barcode-safe OEPL upload"), so the
 * AP's nearest-palette step gives back exactly these pixels.
 */
export function uploadJpeg(img: IndexedImage, colour: OeplTagProfile["colour"]): Uint8Array {
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext("2d");
  const data = ctx.createImageData(img.width, img.height);
  const c = colour === "none" ? ([0, 0, 0] as const) : PALETTE_RGB[colour];
  for (let i = 0; i < img.width * img.height; i++) {
    const v = img.px[i] ?? 0;
    const [r, g, b] = v === 0 ? [255, 255, 255] : v === 1 ? [0, 0, 0] : c;
    data.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(data, 0, 0);
  return new Uint8Array(canvas.encodeSync("jpeg", 100));
}

export interface TagHealthOptions {
  /** Below this the tag has `battery_low` (default 2600 mV). */
  lowBatteryMv: number;
  /** A tag is offline when now > nextcheckin + grace (§6.1), then `tag_missed_checkin`. */
  graceMs: number;
}

/** The device snapshot of a tag from its latest record (`undefined`: never seen). */
export function tagSnapshot(
  r: TagRecord | undefined,
  nowMs: number,
  o: TagHealthOptions,
): DeviceSnapshot {
  if (r === undefined)
    return { reachability: "no-response", state: "unknown", conditions: [], counters: {} };
  const conditions: Condition[] = [];
  if (r.batteryMv > 0 && r.batteryMv < o.lowBatteryMv) conditions.push("battery_low");
  const missed = r.nextcheckin > 0 && nowMs > r.nextcheckin * 1000 + o.graceMs;
  if (missed) conditions.push("tag_missed_checkin");
  return {
    // The AP holds content for a sleeping tag, so the device takes jobs while the AP answers.
    reachability: "online",
    state: r.pending > 0 ? "busy" : "ready",
    conditions: conditions.sort(),
    counters: {
      batteryMv: r.batteryMv,
      rssi: r.RSSI,
      lqi: r.LQI,
      temperatureC: r.temperature,
      lastCheckin: r.lastseen,
      nextCheckin: r.nextcheckin,
    },
    raw: {
      protocol: "oepl",
      text: JSON.stringify({
        lastseen: r.lastseen,
        nextcheckin: r.nextcheckin,
        pending: r.pending,
        updatelast: r.updatelast,
      }),
      at: nowMs,
    },
  };
}

const te = new TextEncoder();
const td = new TextDecoder();

/**
 * The registry entry. An OEPL tag is not a byte stream: src/epaper/runtime.ts polls `GET /get_db`
 * and follows the WebSocket, and src/epaper/run.ts runs `epaper.update`. `status` describes that
 * exchange (the request line, and a reader of the `get_db` JSON body) for tools and tests.
 */
export const oeplAp = defineDriver({
  id: OEPL_DRIVER_ID,
  vendor: "OpenEPaperLink",
  models: Object.values(TAG_TYPES).map((t) => t.name),
  transports: ["oepl"],
  capabilities: {},
  jobKinds: ["epaper.update"],
  compile() {
    throw new RangeError("an e-paper tag takes epaper.update, not compiled labels");
  },
  status: {
    request: te.encode("GET /get_db"),
    createReader(now) {
      let text = "";
      return {
        push(chunk) {
          text += td.decode(chunk, { stream: true });
          const r = parseTagsMessage(text)[0];
          return r && tagSnapshot(r, now, { lowBatteryMv: 2600, graceMs: 60_000 });
        },
      };
    },
  },
});
