/**
 * Settling an in-doubt `epaper.update` by asking the AP what the tag shows (issue #9 §2): the
 * tag record's `hash` is the md5 of the tag's current content (reference/device-protocols.md
 * §6.1, tag record). The job's image is drawn again from its envelope exactly as the dispatcher
 * drew it, and the md5 of its over-the-air data (raw planes, or the zlib form for tags that
 * take compression) compared with the record:
 * - same hash, `pending` 0: the tag shows the job's image → done;
 * - same hash still pending, or another hash: the tag does not show it yet → the job runs again.
 *   Showing the same image once more is harmless on a display (unlike a second label), and the
 *   re-run ends as any update does, `ok` at the tag's check-in.
 * An AP that does not answer, or does not know the tag, leaves the job in doubt.
 */
import { createHash } from "node:crypto";
import { layoutBagTagForTag } from "../../drivers/epaper/layout.ts";
import { rasterizeForTag, tagDeflate } from "../../drivers/epaper/raster.ts";
import { packPlanes, zlibInput } from "../../firmware-protocols/oepl/planes.ts";
import type { DeviceVerdict } from "../jobs/device-verdict.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import { bagTagDataSchema } from "../templates/bag-tag-100x70.ts";
import type { OeplTagRuntime } from "./runtime.ts";

const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");

/** The md5s the AP may report for the job's image (raw planes, zlib form); lower-case hex. */
export function epaperContentHashes(
  env: JobEnvelope,
  tag: OeplTagRuntime["oepl"]["tag"],
): string[] | undefined {
  const parsed = bagTagDataSchema.safeParse(env.payload.data);
  if (env.payload.template !== "bag-tag-100x70" || !parsed.success) return undefined;
  const layout = layoutBagTagForTag(parsed.data, tag);
  const planes = packPlanes(rasterizeForTag(layout.label, tag, layout.accent), tag.bpp);
  return [md5(planes.data), md5(tagDeflate(zlibInput(planes)))];
}

export async function epaperHashVerdict(
  oepl: OeplTagRuntime["oepl"],
  env: JobEnvelope,
): Promise<DeviceVerdict> {
  const want = epaperContentHashes(env, oepl.tag);
  if (want === undefined) return { kind: "unknown", evidence: "template_unknown" };
  let record;
  try {
    record = await oepl.client.getTag(oepl.mac);
  } catch {
    return { kind: "unknown", evidence: "ap_unreachable" };
  }
  if (record === undefined) return { kind: "unknown", evidence: "tag_unknown" };
  const hash = record.hash.toLowerCase();
  // Some APs report a shortened md5: a prefix of 16 hex digits or more is compared as such.
  const same = /^[0-9a-f]{16,32}$/.test(hash) && want.some((w) => w.startsWith(hash));
  const evidence = `tag_hash:${hash.slice(0, 16) || "none"}`;
  if (same && record.pending === 0) return { kind: "printed", evidence };
  return { kind: "not_printed", evidence: same ? `${evidence}:pending` : `${evidence}:other` };
}
