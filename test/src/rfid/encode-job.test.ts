import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import epcTdsModule from "epc-tds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../helpers/jobs.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

// The independent GS1 decoder (epc-tds 1.4.1, CommonJS): only what this test uses.
interface TdsLib {
  valueOf(hex: string): { toIdURI(): string };
}
const tdsRaw = epcTdsModule as unknown as TdsLib & { default?: TdsLib };
const tds: TdsLib = tdsRaw.default ?? tdsRaw;

const REPLY = "labelgate/demo/reply/rfid-test";
const SITE_PASSWORD = "5A17C0DE";

describe("rfid.encode jobs on an R2000 encoder (uhf-1, simulated)", () => {
  let g: TestGateway;
  const send = (device: string, env: unknown) =>
    g.probe.publish(`labelgate/demo/device/${device}/job`, JSON.stringify(env));
  const bagJob = (rfid: Record<string, unknown>, data?: Record<string, unknown>) => ({
    v: 1,
    job_id: newJobId(),
    kind: "rfid.encode",
    reply_to: REPLY,
    operator: "E10293",
    payload: { rfid, ...(data && { data }) },
  });
  const latestTagMemory = () => {
    const dir = join(g.dataDir, "sim", "uhf-1");
    const files = readdirSync(dir).filter((f) => /^[0-9]+\.json$/.test(f));
    const last = files.sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).at(-1);
    return last === undefined
      ? undefined
      : (JSON.parse(readFileSync(join(dir, last), "utf8")) as {
          tags: Array<{
            epc: string;
            access_password: string;
            user: string;
            locks: Record<string, string>;
          }>;
        });
  };

  beforeAll(async () => {
    g = await startTestGateway({
      rfid: { company_prefix: "0614141", bag_asset_type: "12345", access_password: SITE_PASSWORD },
      devices: [
        {
          id: "uhf-1",
          driver: "uhf-r2000",
          simulator: true,
          transport: { type: "tcp", host: "127.0.0.1", port: 0 },
          status_poll_ms: 200,
          status_timeout_ms: 500,
          confirm_timeout_ms: 1000,
        },
        {
          id: "zpl-1",
          driver: "zebra-zpl",
          simulator: true,
          transport: { type: "tcp", host: "127.0.0.1", port: 0 },
        },
      ],
    });
  });
  afterAll(async () => {
    await g.stop();
  });

  it("encodes a bag: ok, an EPC a GS1 decoder reads as the bag's GRAI, verified, locked", async () => {
    const env = bagJob({ bag_no: "5678" });
    await send("uhf-1", env);
    const reply = (await g.probe.waitReply(env.job_id, "ok")).json;
    const data = reply["data"] as Record<string, unknown>;
    expect(data).toMatchObject({ device: "uhf-1", verified: true, locked: true, voided: 0 });
    expect(tds.valueOf(data["epc"] as string).toIdURI()).toBe("urn:epc:id:grai:0614141.12345.5678");
    // The simulator's tag memory holds that EPC and a non-zero access password, locked.
    await expect.poll(() => latestTagMemory()?.tags[0]?.locks["access_password"]).toBe("locked");
    const tag = latestTagMemory()!.tags[0]!;
    expect(tag.epc).toBe(data["epc"]);
    expect(tag.access_password).toBe(SITE_PASSWORD);
    expect(tag.access_password).not.toBe("00000000");
    const audit = g.auditRows().filter((r) => r.job_id === env.job_id);
    expect(audit.map((r) => r.action)).toEqual([
      "job.accepted",
      "print.dispatched",
      "rfid.encoded",
    ]);
    expect(audit.at(-1)?.reason).toBe(`epc:${(data["epc"] as string).toLowerCase()}`);
  });

  it("no tag in the field: error rfid_no_tag, audited as a failure", async () => {
    const sim = g.gateway.simulators.get("uhf-1")!;
    sim.faults.set("no_tag", true);
    try {
      const env = bagJob({ bag_no: "5679" });
      await send("uhf-1", env);
      const reply = (await g.probe.waitReply(env.job_id, "error")).json;
      expect(reply["error"]).toMatchObject({ code: "rfid_no_tag", retryable: true, voided: 0 });
      expect(reply["data"]).toMatchObject({ verified: false, locked: false });
      const audit = g.auditRows().filter((r) => r.job_id === env.job_id);
      expect(audit.at(-1)).toMatchObject({
        action: "print.failed",
        reason: "rfid_no_tag:voided:0",
      });
    } finally {
      sim.faults.set("no_tag", false);
    }
  });

  it("a tag locked by another site: rfid_access_denied, never overwritten", async () => {
    const sim = g.gateway.simulators.get("uhf-1")!;
    sim.faults.set("foreign_lock", true);
    try {
      const env = bagJob({ bag_no: "5680" });
      await send("uhf-1", env);
      const reply = (await g.probe.waitReply(env.job_id, "error")).json;
      expect(reply["error"]).toMatchObject({ code: "rfid_access_denied", retryable: false });
    } finally {
      sim.faults.set("foreign_lock", false);
    }
  });

  it("refuses personal data for user memory (privacy guard), and numbers that do not fit the EPC", async () => {
    const phone = bagJob({ bag_no: "5681", user_memory: "13812345678" });
    await send("uhf-1", phone);
    const r1 = (await g.probe.waitReply(phone.job_id, "rejected")).json;
    expect(r1["error"]).toMatchObject({
      code: "privacy_rejected",
      path: "payload.rfid.user_memory",
    });
    expect(JSON.stringify(r1)).not.toContain("13812345678");

    const mobile = bagJob({ bag_no: "13812345678" });
    await send("uhf-1", mobile);
    const r3 = (await g.probe.waitReply(mobile.job_id, "rejected")).json;
    expect(r3["error"]).toMatchObject({ code: "privacy_rejected", path: "payload.rfid.bag_no" });

    const big = bagJob({ bag_no: String(2 ** 38) });
    await send("uhf-1", big);
    const r2 = (await g.probe.waitReply(big.job_id, "rejected")).json;
    expect(r2["error"]).toMatchObject({ code: "rfid_epc_invalid", field: "serial" });
  });

  it("writes user memory (an opaque token) after the EPC", async () => {
    const env = bagJob({ bag_no: "5690", user_memory: "tok_7f3a9c" });
    await send("uhf-1", env);
    const reply = (await g.probe.waitReply(env.job_id, "ok")).json;
    const steps = (reply["data"] as { steps: Array<{ step: string }> }).steps.map((s) => s.step);
    expect(steps).toContain("write_user");
    await expect
      .poll(() => latestTagMemory()?.tags[0]?.user.slice(0, 20))
      .toBe("746F6B5F376633613963");
  });

  it("a reader that goes quiet after a write: in_doubt, audited print.in_doubt, never retried", async () => {
    const sim = g.gateway.simulators.get("uhf-1")!;
    sim.faults.set("mute_after_write", true);
    try {
      const env = bagJob({ bag_no: "5691" });
      await send("uhf-1", env);
      const reply = (await g.probe.waitReply(env.job_id, (s) => s !== "accepted")).json;
      expect(reply).toMatchObject({ status: "in_doubt", error: { code: "in_doubt" } });
      expect(reply["data"]).toMatchObject({ verified: false, locked: false });
      const audit = g.auditRows().filter((r) => r.job_id === env.job_id);
      expect(audit.map((r) => r.action)).toEqual([
        "job.accepted",
        "print.dispatched",
        "print.in_doubt",
      ]);
      expect(audit.at(-1)?.reason).toBe("device_no_response:voided:0");
    } finally {
      sim.faults.set("mute_after_write", false);
    }
  });

  it("refuses rfid.encode on a printer that does not encode, and label.print on the encoder", async () => {
    const env = bagJob({ bag_no: "5682" });
    await send("zpl-1", env);
    expect((await g.probe.waitReply(env.job_id, "rejected")).json["error"]).toMatchObject({
      code: "unsupported_kind",
    });
  });
});
