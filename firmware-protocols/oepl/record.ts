/**
 * The OEPL AP's tag record and WebSocket messages (reference/device-protocols.md §6.1 "Tag
 * record", "WebSocket"): the same record in `GET /get_db` and in `{"tags":[…]}` pushes. Pure
 * parsing: unknown fields are ignored, a record without a valid `mac` is dropped.
 */

export interface TagRecord {
  /** 16 upper-case hex characters. */
  mac: string;
  /** md5 of the current content. */
  hash: string;
  /** Epoch seconds of the last check-in. */
  lastseen: number;
  /** Epoch seconds of the next expected check-in. */
  nextcheckin: number;
  /** Queued items for the tag (0 = nothing pending). */
  pending: number;
  RSSI: number;
  LQI: number;
  batteryMv: number;
  temperature: number;
  hwType: number;
  /** Epoch seconds of the last content update on the tag. */
  updatelast: number;
  updatecount: number;
  /** §6.1 capability bits (0x02 compression). */
  capabilities: number;
  wakeupReason: number;
  alias: string;
}

const MAC = /^[0-9A-F]{16}$/;

/** The 16-character form of a 12- or 16-character hex MAC, or undefined. */
export function normalizeMac(mac: string): string | undefined {
  const m = mac.toUpperCase();
  if (/^[0-9A-F]{12}$/.test(m)) return `0000${m}`;
  return MAC.test(m) ? m : undefined;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export function parseTagRecord(v: unknown): TagRecord | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const mac = typeof o["mac"] === "string" ? normalizeMac(o["mac"]) : undefined;
  if (mac === undefined) return undefined;
  return {
    mac,
    hash: typeof o["hash"] === "string" ? o["hash"] : "",
    lastseen: num(o, "lastseen"),
    nextcheckin: num(o, "nextcheckin"),
    pending: num(o, "pending"),
    RSSI: num(o, "RSSI"),
    LQI: num(o, "LQI"),
    batteryMv: num(o, "batteryMv"),
    temperature: num(o, "temperature"),
    hwType: num(o, "hwType"),
    updatelast: num(o, "updatelast"),
    updatecount: num(o, "updatecount"),
    capabilities: num(o, "capabilities"),
    wakeupReason: num(o, "wakeupReason"),
    alias: typeof o["alias"] === "string" ? o["alias"] : "",
  };
}

/** The tag records of a WebSocket text frame or a `get_db` reply; [] for anything else. */
export function parseTagsMessage(text: string): TagRecord[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof v !== "object" || v === null) return [];
  const tags = (v as Record<string, unknown>)["tags"];
  if (!Array.isArray(tags)) return [];
  return tags.flatMap((t) => {
    const r = parseTagRecord(t);
    return r === undefined ? [] : [r];
  });
}

/**
 * §6.1 "An update is delivered when `pending` returns to 0 and `hash` or `updatelast` changes":
 * `before` is the record as it was just before the upload. The same content uploaded again
 * within the same second changes neither, so two more signs count: `updatecount` grew
 * ([unverified] that the AP counts every delivered update), or `sawPending` — this upload's
 * `pending` was seen above 0 and is now back at 0.
 */
export function isDelivered(
  before: TagRecord | undefined,
  now: TagRecord,
  sawPending = false,
): boolean {
  if (now.pending !== 0) return false;
  if (sawPending) return true;
  if (before === undefined) return now.updatelast > 0;
  return (
    now.updatelast > before.updatelast ||
    now.updatecount > before.updatecount ||
    (now.hash !== before.hash && now.hash !== "")
  );
}
