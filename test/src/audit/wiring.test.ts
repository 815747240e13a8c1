import { afterEach, describe, expect, it } from "vitest";
import { createAuditAppend } from "../../../src/audit/wiring.ts";
import { createSealer } from "../../../src/crypto/wiring.ts";
import { makeFixture, type Fixture } from "./helpers.ts";

let f: Fixture;
afterEach(() => f.cleanup());

const config = {
  site: "demo",
  gateway: "gw1",
  area: "hall-1",
  devices: [{ id: "zpl-1", area: "hall-2/line-4" }, { id: "tspl-1" }],
};

describe("createAuditAppend (the job pipeline's port)", () => {
  it("maps a flat event onto a record, with the area of the event, the device or the gateway", () => {
    f = makeFixture();
    const append = createAuditAppend(f.log, config);
    append({
      action: "print.dispatched",
      outcome: "ok",
      jobId: "job-1",
      device: "zpl-1",
      operator: "E10293",
      client: "ws-12",
      workstation: "ws-12",
      digest: "ab".repeat(32),
      waybillNo: "SF1234567890123",
    });
    append({ action: "device.status", outcome: "error", device: "tspl-1", reason: "no-response" });
    append({ action: "job.duplicate", outcome: "duplicate", jobId: "job-1", area: "dock-3" });
    const [dup, status, dispatched] = f.log.search({ limit: 3 });
    expect(dispatched).toMatchObject({
      place: { site: "demo", area: "hall-2/line-4", workstation: "ws-12" },
      actor: { operator: "E10293", client: "ws-12" },
      target: { device: "zpl-1", job_id: "job-1" },
      digest: "ab".repeat(32),
    });
    expect(dispatched && f.log.openWaybill(dispatched)).toBe("SF1234567890123");
    expect(status).toMatchObject({
      place: { area: "hall-1" },
      outcome: "error",
      reason: "no-response",
    });
    expect(dup).toMatchObject({
      place: { area: "dock-3" },
      action: "job.duplicate",
      outcome: "duplicate",
    });
  });

  it("leaves the area out when none is configured", () => {
    f = makeFixture();
    createAuditAppend(f.log, { ...config, area: "", devices: [] })({
      action: "config.changed",
      outcome: "ok",
    });
    expect(f.log.search({ limit: 1 })[0]?.place).toEqual({ site: "demo" });
  });
});

describe("createSealer", () => {
  it("seals under the data key with the given context", () => {
    f = makeFixture();
    const sealer = createSealer(f.keys);
    const sealed = sealer.seal(new TextEncoder().encode("{}"), "job:1");
    expect(new TextDecoder().decode(sealer.open(sealed, "job:1"))).toBe("{}");
    expect(() => sealer.open(sealed, "job:2")).toThrow(
      expect.objectContaining({ code: "internal" }),
    );
  });
});
