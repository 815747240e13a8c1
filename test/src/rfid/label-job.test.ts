import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import epcTdsModule from "epc-tds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleJob } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

interface TdsLib {
  valueOf(hex: string): { toIdURI(): string };
}
const tdsRaw = epcTdsModule as unknown as TdsLib & { default?: TdsLib };
const tds: TdsLib = tdsRaw.default ?? tdsRaw;

const REPLY = "labelgate/demo/reply/rfid-label-test";
const TOPIC = "labelgate/demo/device/zpl-rfid-1/job";

describe("label.print with an rfid block on an RFID printer (zpl-rfid-1, simulated)", () => {
  let g: TestGateway;
  const dir = () => join(g.dataDir, "sim", "zpl-rfid-1");
  const files = (ext: string) => {
    try {
      return readdirSync(dir()).filter((f) => f.endsWith(ext)).length;
    } catch {
      return 0;
    }
  };
  const rfidLabel = (rfid: Record<string, unknown>) => {
    const env = exampleJob({ replyTo: REPLY }) as Record<string, unknown> & {
      job_id: string;
      payload: Record<string, unknown>;
    };
    env["device"] = "zpl-rfid-1";
    env.payload["rfid"] = rfid;
    return env;
  };

  beforeAll(async () => {
    g = await startTestGateway({
      rfid: { company_prefix: "0614141", access_password: "5A17C0DE" },
      devices: [
        {
          id: "zpl-rfid-1",
          driver: "zebra-zpl",
          model: "simulated ZPL RFID printer",
          simulator: true,
          transport: { type: "tcp", host: "127.0.0.1", port: 0 },
          status_poll_ms: 200,
          status_timeout_ms: 500,
          confirm_timeout_ms: 2000,
        },
      ],
    });
  });
  afterAll(async () => {
    await g.stop();
  });

  it("prints the label and encodes the SSCC-96: ok, verified, locked, audited rfid.encoded", async () => {
    const before = files(".zpl");
    const env = rfidLabel({ serial_ref: "1234567890" });
    await g.probe.publish(TOPIC, JSON.stringify(env));
    const reply = (await g.probe.waitReply(env.job_id, "ok")).json;
    const data = reply["data"] as Record<string, unknown>;
    expect(data).toMatchObject({ device: "zpl-rfid-1", verified: true, locked: true, voided: 0 });
    expect(tds.valueOf(data["epc"] as string).toIdURI()).toBe("urn:epc:id:sscc:0614141.1234567890");
    expect(data["epc_uri"]).toBe("urn:epc:tag:sscc-96:2.0614141.1234567890");
    await expect.poll(() => files(".zpl")).toBe(before + 1);
    await expect.poll(() => files(".json")).toBeGreaterThan(0);
    const actions = g
      .auditRows()
      .filter((r) => r.job_id === env.job_id)
      .map((r) => `${r.action}:${r.reason ?? ""}`);
    expect(actions).toEqual([
      "job.accepted:deidentified",
      "print.dispatched:",
      `rfid.encoded:epc:${(data["epc"] as string).toLowerCase()}`,
      "print.completed:",
    ]);
  });

  it("no tag in the field: error rfid_no_tag with the void count, VOID labels out, audited", async () => {
    const sim = g.gateway.simulators.get("zpl-rfid-1")!;
    sim.faults.set("no_tag", true);
    try {
      const before = files(".zpl");
      const env = rfidLabel({ serial_ref: "1234567891" });
      await g.probe.publish(TOPIC, JSON.stringify(env));
      const reply = (await g.probe.waitReply(env.job_id, "error")).json;
      expect(reply["error"]).toMatchObject({ code: "rfid_no_tag", voided: 3 });
      expect(reply["data"]).toMatchObject({ verified: false, locked: false, voided: 3 });
      await expect.poll(() => files(".zpl")).toBe(before + 3);
      const last = readdirSync(dir())
        .filter((f) => f.endsWith(".zpl"))
        .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
        .at(-1)!;
      expect(readFileSync(join(dir(), last), "utf8")).toContain("^FDVOID^FS");
      const audit = g.auditRows().filter((r) => r.job_id === env.job_id);
      expect(audit.at(-1)).toMatchObject({
        action: "print.failed",
        reason: "rfid_no_tag:voided:3",
      });
    } finally {
      sim.faults.set("no_tag", false);
    }
  });

  it("refuses an RFID label with more than one copy (one EPC per label)", async () => {
    const env = rfidLabel({ serial_ref: "1234567892" });
    env.payload["copies"] = 2;
    await g.probe.publish(TOPIC, JSON.stringify(env));
    const reply = (await g.probe.waitReply(env.job_id, "rejected")).json;
    expect(reply["error"]).toMatchObject({ code: "invalid_envelope", path: "payload.copies" });
  });
});
