/**
 * One `epaper.update` through an OpenEPaperLink AP (reference/device-protocols.md §6.1), in two
 * phases: the upload is retried while the AP answers `409 Come back later` or cannot be reached,
 * until the deadline (the job's expiry); `onAccepted` is called once the AP holds the content
 * (`200 Ok, saved`); the update is delivered when the tag's record shows `pending` back at 0 with
 * a new `updatelast` / `hash` (WebSocket push, or `get_db` while the socket is down). A tag that
 * has not checked in with the content by the deadline is `tag_missed_checkin`.
 */
import { isDelivered, type TagRecord } from "../../firmware-protocols/oepl/index.ts";
import type { OeplApClient } from "../transports/oepl-http.ts";

export type OeplUpdateResult =
  | { outcome: "ok"; attempts: number; record: TagRecord }
  | {
      outcome: "failed";
      /** `expired`: never accepted by the AP before the deadline (nothing reached the tag). */
      code: "tag_missed_checkin" | "expired" | "tag_unknown" | "device_fault";
      attempts: number;
      accepted: boolean;
    };

export interface OeplUpdateOptions {
  client: OeplApClient;
  mac: string;
  jpeg: Uint8Array;
  /** ms since epoch: the job's expiry (or the site's default delivery deadline). */
  deadline: number;
  clock?: () => number;
  /** First retry delay after a 409 or an unreachable AP; doubles up to 8× (default 200 ms). */
  retryMs?: number;
  /** `get_db` poll period while waiting for the check-in (default 1000 ms). */
  pollMs?: number;
  onAccepted?: () => void;
  /** Every record of this tag seen meanwhile (device state: battery, RSSI, check-ins). */
  onRecord?: (r: TagRecord) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function runOeplUpdate(o: OeplUpdateOptions): Promise<OeplUpdateResult> {
  const clock = o.clock ?? Date.now;
  const retryMs = o.retryMs ?? 200;
  const pollMs = o.pollMs ?? 1000;
  let before: TagRecord | undefined;
  let accepted = false;
  let delivered: TagRecord | undefined;
  let sawPending = false;
  let uploading = false;
  let wake: (() => void) | undefined;
  const see = (r: TagRecord): void => {
    if (r.mac !== o.mac) return;
    o.onRecord?.(r);
    // Pending seen from the moment our upload went out (the AP pushes it before it answers).
    if (uploading && r.pending > 0) sawPending = true;
    if (accepted && delivered === undefined && isDelivered(before, r, sawPending)) {
      delivered = r;
      wake?.();
    }
  };
  const off = o.client.onTag(see);
  let attempts = 0;
  try {
    // Phase 1: what the tag holds now, then the upload, retried until the deadline.
    let delay = retryMs;
    for (;;) {
      if (clock() >= o.deadline) return { outcome: "failed", code: "expired", attempts, accepted };
      try {
        before = await o.client.getTag(o.mac);
        if (before === undefined)
          return { outcome: "failed", code: "tag_unknown", attempts, accepted };
        attempts++;
        sawPending = false;
        uploading = true;
        const up = await o.client.uploadImage(o.mac, o.jpeg);
        if (up.kind === "saved") break;
        if (up.kind === "refused")
          return {
            outcome: "failed",
            code: up.why === "mac_not_found" ? "tag_unknown" : "device_fault",
            attempts,
            accepted,
          };
      } catch {
        // get_db unreachable: same as an unreachable upload.
      }
      await sleep(Math.min(delay, o.deadline - clock()));
      delay = Math.min(delay * 2, retryMs * 8);
    }
    accepted = true;
    o.onAccepted?.();
    // Phase 2: the tag's check-in with the content, before the deadline.
    while (delivered === undefined && clock() < o.deadline) {
      const waitMs = Math.min(pollMs, o.deadline - clock());
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      wake = undefined;
      if (delivered !== undefined || o.client.watching) continue;
      const r = await o.client.getTag(o.mac).catch(() => undefined);
      if (r !== undefined) see(r);
    }
    if (delivered !== undefined) return { outcome: "ok", attempts, record: delivered };
    return { outcome: "failed", code: "tag_missed_checkin", attempts, accepted };
  } finally {
    off();
  }
}
