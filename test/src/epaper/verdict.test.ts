import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tagProfile } from "../../../drivers/oepl-ap/index.ts";
import { runOeplUpdate } from "../../../src/epaper/oepl-update.ts";
import { epaperHashVerdict } from "../../../src/epaper/verdict.ts";
import type { JobEnvelope } from "../../../src/jobs/envelope.ts";
import type { OeplApSimulator } from "../../../src/simulators/oepl-ap.ts";
import { bagTagDataSchema } from "../../../src/templates/bag-tag-100x70.ts";
import type { OeplApClient } from "../../../src/transports/oepl-http.ts";
import { bagTagJpeg, startTwoTagAp, type ApRig } from "./ap-rig.ts";

const EXAMPLE = fileURLToPath(
  new URL("../../../examples/jobs/epaper-update.json", import.meta.url),
);
const MAC1 = "0000021EDE2A3C01";
const MAC2 = "0000021EDE2A3C02";
const env = (bag: string): JobEnvelope => {
  const e = JSON.parse(readFileSync(EXAMPLE, "utf8")) as JobEnvelope;
  e.payload.data["bag_no"] = bag;
  return e;
};
/** The job's image as the dispatcher uploads it (src/epaper/run.ts). */
const jpegOf = (e: JobEnvelope, hwType: number): Uint8Array =>
  bagTagJpeg(bagTagDataSchema.parse(e.payload.data), hwType);

let rig: ApRig;
let ap: OeplApSimulator;
let client: OeplApClient;
const oepl = (mac: string, hwType: number) => ({ client, mac, tag: tagProfile(hwType)! });

beforeEach(async () => {
  rig = await startTwoTagAp("lg-oepl-verdict-", MAC1, MAC2);
  ({ ap, client } = rig);
});
afterEach(() => rig.close());

/**
 * An in-doubt epaper.update settled by the tag record's content hash (issue #9 §2), against the
 * simulated AP: the hash of the job's own image with nothing pending is "shown"; anything else is
 * "not shown", which is safe to run again on a display.
 */
describe("epaper.update in doubt: the tag's content hash", () => {
  for (const [mac, hw] of [
    [MAC1, 0x01],
    [MAC2, 0x33],
  ] as const) {
    it(`the tag shows the job's image → done (hwType 0x${hw.toString(16)})`, async () => {
      const e = env("BAG5710012");
      const r = await runOeplUpdate({
        client,
        mac,
        jpeg: jpegOf(e, hw),
        deadline: Date.now() + 20_000,
      });
      expect(r.outcome).toBe("ok");
      const v = await epaperHashVerdict(oepl(mac, hw), e);
      expect(v.kind).toBe("printed");
      expect(v.evidence).toMatch(/^tag_hash:[0-9a-f]{16}$/);
      // Another bag's image is not this job's.
      expect((await epaperHashVerdict(oepl(mac, hw), env("BAG5710099"))).kind).toBe("not_printed");
    });
  }

  it("nothing uploaded, or still pending for a tag out of range → not shown; AP away → in doubt", async () => {
    const e = env("BAG5710012");
    expect(await epaperHashVerdict(oepl(MAC1, 0x01), e)).toMatchObject({
      kind: "not_printed",
      evidence: expect.stringMatching(/:other$/) as unknown,
    });
    ap.setOutOfRange("epaper-1", true);
    const r = await runOeplUpdate({
      client,
      mac: MAC1,
      jpeg: jpegOf(e, 0x01),
      deadline: Date.now() + 1500,
    });
    expect(r).toMatchObject({ outcome: "failed", code: "tag_missed_checkin" });
    expect(await epaperHashVerdict(oepl(MAC1, 0x01), e)).toMatchObject({
      kind: "not_printed",
      evidence: expect.stringMatching(/:pending$/) as unknown,
    });
    await ap.setReachable(false);
    expect(await epaperHashVerdict(oepl(MAC1, 0x01), e)).toEqual({
      kind: "unknown",
      evidence: "ap_unreachable",
    });
  });
});
