import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CONFIG } from "../../../src/config/demo.ts";
import { newJobId } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const REPLY = "labelgate/demo/reply/examples";
const example = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../../examples/jobs/${name}`, import.meta.url), "utf8"),
  ) as Record<string, unknown> & { device: string };

describe("the RFID example jobs against the demo's RFID devices and settings", () => {
  let g: TestGateway;
  beforeAll(async () => {
    const devices = (DEMO_CONFIG.devices ?? []).filter((d) =>
      ["zpl-rfid-1", "uhf-1"].includes(d.id),
    );
    expect(devices).toHaveLength(2);
    g = await startTestGateway({ ...(DEMO_CONFIG.rfid && { rfid: DEMO_CONFIG.rfid }), devices });
  });
  afterAll(async () => {
    await g.stop();
  });

  it.each(["rfid-encode-bag.json", "label-print-rfid.json"])(
    "%s replies ok, verified and locked",
    async (name) => {
      const env = { ...example(name), job_id: newJobId(), reply_to: REPLY };
      await g.probe.publish(`labelgate/demo/device/${env.device}/job`, JSON.stringify(env));
      const reply = (await g.probe.waitReply(env.job_id, (s) => s !== "accepted")).json;
      expect(reply).toMatchObject({ status: "ok", data: { verified: true, locked: true } });
    },
  );
});
