/**
 * Runs one `epaper.update` on an OEPL tag (the dispatcher's branch for that kind): lays the
 * template's data out at the tag's resolution, audits `print.dispatched` durably before the
 * upload, uploads through the AP, and replies in two phases: `accepted` with
 * `data.stage: "ap"` once the AP holds the content, then `ok` (audited `epaper.updated`) when the
 * tag checked in showing it, or `error` `tag_missed_checkin` at the job's expiry (audited
 * `print.failed`, and a device event for the alerts).
 */
import { createHash } from "node:crypto";
import { layoutBagTagForTag } from "../../drivers/epaper/layout.ts";
import { encodeForTag, rasterizeForTag } from "../../drivers/epaper/raster.ts";
import { uploadJpeg } from "../../drivers/oepl-ap/index.ts";
import { CodedError } from "../errors.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import type { AuditAppend, AuditEvent, DeviceEventSend, Reply } from "../jobs/ports.ts";
import { bagTagDataSchema } from "../templates/bag-tag-100x70.ts";
import { runOeplUpdate } from "./oepl-update.ts";
import type { OeplTagRuntime } from "./runtime.ts";

export interface EpaperRun {
  device: OeplTagRuntime;
  env: JobEnvelope;
  jobId: string;
  base: { job_id: string; transaction?: string };
  actor: Pick<AuditEvent, "operator" | "client" | "workstation">;
  audit: AuditAppend;
  commit: <T>(fn: () => T) => Promise<T>;
  setState: (state: "dispatching" | "sent") => void;
  finish: (state: "done" | "failed" | "expired", reply: Reply) => void;
  /** A non-final reply to the job's reply_to (the AP-holds-it `accepted`). */
  progress: (reply: Reply) => void;
  event: DeviceEventSend;
  /** ms since epoch; without an expiry the tag has `defaultDeadlineMs` to check in. */
  expiresAt: number | undefined;
  clock: () => number;
  defaultDeadlineMs?: number;
}

export async function runEpaperJob(c: EpaperRun): Promise<void> {
  const { device, env, jobId } = c;
  const target = { jobId, device: device.id, ...c.actor };
  const fail = (code: ConstructorParameters<typeof CodedError>[0], message: string): void => {
    const err = new CodedError(code, message);
    c.audit({ action: "print.failed", outcome: "rejected", reason: code, ...target });
    c.finish("failed", { status: "rejected", ...c.base, error: err.toReply() });
  };
  if (env.payload.template !== "bag-tag-100x70")
    return fail("template_unknown", "e-paper tags have a layout for bag-tag-100x70 only");
  const parsed = bagTagDataSchema.safeParse(env.payload.data);
  if (!parsed.success) return fail("template_data_invalid", "the data does not fit bag-tag-100x70");

  const { tag, client, mac } = device.oepl;
  const layout = layoutBagTagForTag(parsed.data, tag);
  const img = rasterizeForTag(layout.label, tag, layout.accent);
  const jpeg = uploadJpeg(img, tag.colour);
  const air = encodeForTag(img, tag);
  const digest = createHash("sha256").update(air.planes.data).digest("hex");

  await c.commit(() => {
    c.audit({ action: "print.dispatched", outcome: "ok", digest, ...target });
    c.setState("dispatching");
  });
  const r = await runOeplUpdate({
    client,
    mac,
    jpeg,
    deadline: c.expiresAt ?? c.clock() + (c.defaultDeadlineMs ?? 10 * 60_000),
    onAccepted: () => {
      c.setState("sent");
      c.progress({ status: "accepted", ...c.base, data: { device: device.id, stage: "ap" } });
    },
  });
  const data = {
    device: device.id,
    digest,
    upload_bytes: jpeg.length,
    air_bytes: air.bytes.length,
    raw_plane_bytes: air.rawBytes,
  };
  if (r.outcome === "ok") {
    c.audit({ action: "epaper.updated", outcome: "ok", digest, ...target });
    c.finish("done", { status: "ok", ...c.base, data });
    return;
  }
  if (r.code === "expired") {
    c.audit({ action: "print.failed", outcome: "expired", reason: "expired", ...target });
    const err = new CodedError(
      "expired",
      "the access point did not take the update before expires_at",
    );
    c.finish("expired", { status: "expired", ...c.base, error: err.toReply() });
    return;
  }
  c.audit({ action: "print.failed", outcome: "error", reason: r.code, ...target });
  if (r.code === "tag_missed_checkin")
    c.event(device.id, { type: "device.alert", code: "tag_missed_checkin", job_id: jobId });
  const err = new CodedError(
    r.code,
    r.code === "tag_missed_checkin"
      ? "the tag did not check in with the update before expires_at"
      : "the access point refused the update",
  );
  c.finish("failed", { status: "error", ...c.base, data, error: err.toReply() });
}
