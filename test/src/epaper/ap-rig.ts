import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layoutBagTagForTag, type BagTagContent } from "../../../drivers/epaper/layout.ts";
import { rasterizeForTag } from "../../../drivers/epaper/raster.ts";
import { tagProfile, uploadJpeg } from "../../../drivers/oepl-ap/index.ts";
import { startOeplApSimulator, type OeplApSimulator } from "../../../src/simulators/oepl-ap.ts";
import { OeplApClient } from "../../../src/transports/oepl-http.ts";

/**
 * Shared setup of the OEPL tests: a simulated AP (output in a new temporary directory, `sim/`)
 * with two tags checking in every 150 ms, `epaper-1` of hwType 0x01 (no zlib) and `epaper-2` of
 * hwType 0x33 (zlib), and a client to it.
 */
export interface ApRig {
  dir: string;
  ap: OeplApSimulator;
  client: OeplApClient;
  /** Closes the client and the AP and removes the directory. */
  close(): Promise<void>;
}

export async function startTwoTagAp(tmpPrefix: string, mac1: string, mac2: string): Promise<ApRig> {
  const dir = await mkdtemp(join(tmpdir(), tmpPrefix));
  const ap = await startOeplApSimulator({
    outputDir: join(dir, "sim"),
    tags: [
      { id: "epaper-1", mac: mac1, hwType: 0x01, checkinMs: 150 },
      { id: "epaper-2", mac: mac2, hwType: 0x33, checkinMs: 150 },
    ],
  });
  const client = new OeplApClient({ baseUrl: ap.url });
  return {
    dir,
    ap,
    client,
    async close() {
      client.close();
      await ap.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The bag tag image for a tag of `hwType` as the dispatcher uploads it (src/epaper/run.ts). */
export function bagTagJpeg(data: BagTagContent, hwType: number): Uint8Array {
  const tag = tagProfile(hwType)!;
  const l = layoutBagTagForTag(data, tag);
  return uploadJpeg(rasterizeForTag(l.label, tag, l.accent), tag.colour);
}
