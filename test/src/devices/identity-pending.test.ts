/**
 * Identity pending instead of a false quarantine (issue #4 §6 follow-up), through the daemon
 * against simulators on loopback TCP. A TSPL printer does not answer `~!T` while it is not ready
 * and an ESC/POS printer answers `GS I` only when it works through its buffer, so a genuine unit
 * out of paper at connect cannot say who it is: it must be `identity_pending` (jobs held, no alert,
 * no `device.quarantined`), and once paper is loaded its identity is read and the held jobs print
 * in order. A unit that answers its status as ready but never its identity is quarantined after
 * `identity_timeout_s` (alert + audit); one answering with another serial at once, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEscposSimulator, type EscposSimulator } from "../../../drivers/escpos/simulator.ts";
import { createTsplSimulator, type TsplSimulator } from "../../../drivers/tspl/simulator.ts";
import { jobFor } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { registeredDevice, simHosts, type SimHosts } from "./identity-rig.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/idp-test`;
/** Paper stays out this long: several times the devices' identity timeout (1 s). */
const PAPER_OUT_MS = 3000;

describe("identity pending while a printer cannot answer (issue #4 §6)", () => {
  let sims: SimHosts;
  let g: TestGateway;
  let tspl: TsplSimulator;
  let escpos: EscposSimulator;

  const timing = {
    status_poll_ms: 200,
    status_timeout_ms: 500,
    confirm_timeout_ms: 3000,
    identity_timeout_s: 1,
  };
  const state = (dev: string) =>
    g.probe.messages.filter((m) => m.topic === `${SITE}/device/${dev}/state`).map((m) => m.json);
  const alerts = (dev: string) =>
    g.probe.messages.filter(
      (m) => m.topic === `${SITE}/gateway/gw1/alert` && m.json["device"] === dev,
    );
  const quarantineRows = () =>
    g
      .auditRows()
      .filter((r) => r.action === "device.quarantined")
      .map((r) => r.reason);

  beforeAll(async () => {
    sims = simHosts("labelgate-idp-");
    const host = sims.host;
    const ports = {
      tspl: await host("tspl-paper", (s) => {
        tspl = createTsplSimulator(s, { model: "TE210", serial: "T0SIM0000001" });
        tspl.setFault("media_out", true);
        return tspl;
      }),
      escpos: await host("escpos-paper", (s) => {
        escpos = createEscposSimulator(s, { model: "TM-T88VI", serial: "X5SIM000001" });
        escpos.setFault("media_out", true);
        return escpos;
      }),
      // Answers DLE EOT (ready) but supports none of GS I 67/68/65, so it never says who it is.
      silent: await host("escpos-silent", (s) =>
        createEscposSimulator(s, { model: null, serial: null, firmware: null }),
      ),
    };
    const tm = { model: "TM-T88", serial: "X5SIM000001" };
    g = await startTestGateway({
      devices: [
        registeredDevice(
          "tspl-paper",
          "tsc-tspl",
          ports.tspl,
          { model: "TE210", serial: "T0SIM0000001" },
          timing,
        ),
        registeredDevice("escpos-paper", "escpos", ports.escpos, tm, timing),
        registeredDevice("escpos-silent", "escpos", ports.silent, tm, timing),
      ],
    });
  });
  afterAll(async () => {
    await g.stop();
    await sims.close();
  });

  it("a silent identity on a ready device is quarantined after identity_timeout_s, alerted and audited", async () => {
    await g.probe.waitFor(
      (m) =>
        m.topic === `${SITE}/device/escpos-silent/state` &&
        (m.json["conditions"] as string[]).includes("identity_pending"),
      15_000,
      "escpos-silent pending",
    );
    const alert = await g.probe.waitFor(
      (m) =>
        m.topic === `${SITE}/gateway/gw1/alert` &&
        m.json["type"] === "device_quarantined" &&
        m.json["device"] === "escpos-silent",
      15_000,
      "escpos-silent quarantine alert",
    );
    expect(alert.json["reason"]).toBe("identity_unreadable");
    expect(alert.json["severity"]).toBe("critical");
    expect(alert.json["reported"]).toBeNull();
    await g.probe.waitFor(
      (m) =>
        m.topic === `${SITE}/device/escpos-silent/state` &&
        m.json["availability"] === "quarantined",
      15_000,
      "escpos-silent quarantined state",
    );
    expect(quarantineRows()).toEqual(["identity_unreadable"]);
  });

  it("TSPL and ESC/POS printers out of paper at connect are identity_pending: no quarantine, no alert, jobs held", async () => {
    for (const dev of ["tspl-paper", "escpos-paper"]) {
      const s = await g.probe.waitFor(
        (m) =>
          m.topic === `${SITE}/device/${dev}/state` &&
          (m.json["conditions"] as string[]).includes("identity_pending"),
        15_000,
        `${dev} pending`,
      );
      expect(s.json["conditions"]).toEqual(["identity_pending", "media_out"]);
      expect(s.json["availability"]).toBe("online");
      expect(s.json["identity_pending"]).toMatchObject({ since: expect.any(String) });
    }
    const jobs: Record<string, Array<ReturnType<typeof jobFor>>> = {};
    for (const dev of ["tspl-paper", "escpos-paper"]) {
      jobs[dev] = [jobFor(dev, REPLY), jobFor(dev, REPLY), jobFor(dev, REPLY)];
      for (const j of jobs[dev]) await g.probe.publish(`${SITE}/device/${dev}/job`, j.json);
      for (const j of jobs[dev])
        await g.probe.waitFor(
          (m) => m.json["type"] === "job.held" && m.json["job_id"] === j.env.job_id,
          15_000,
          `job held on ${dev}`,
        );
    }
    // Paper stays out for several identity timeouts: the clock runs only while the status
    // says ready, so there is no quarantine and no alert.
    await new Promise((r) => setTimeout(r, PAPER_OUT_MS));
    for (const dev of ["tspl-paper", "escpos-paper"]) {
      expect(alerts(dev)).toEqual([]);
      expect(state(dev).some((d) => d["availability"] === "quarantined")).toBe(false);
      expect(g.gateway.devices.get(dev)?.quarantine()).toBeUndefined();
      expect(sims.printed.get(dev) ?? 0).toBe(0);
    }
    expect(quarantineRows()).toEqual(["identity_unreadable"]); // escpos-silent only

    // Paper loaded: the identity is read, the condition goes, the held jobs print in order.
    tspl.setFault("media_out", false);
    escpos.setFault("media_out", false);
    for (const dev of ["tspl-paper", "escpos-paper"]) {
      for (const j of jobs[dev] ?? []) await g.probe.waitReply(j.env.job_id, "ok", 30_000);
      const last = state(dev).at(-1);
      expect(last?.["conditions"]).toEqual([]);
      expect(last?.["identity_pending"]).toBeUndefined();
      expect(g.gateway.devices.get(dev)?.identityPending?.()).toBeUndefined();
      expect(alerts(dev)).toEqual([]);
      expect(sims.printed.get(dev)).toBe(3);
      const completed = g
        .auditRows()
        .filter(
          (r) =>
            r.action === "print.completed" &&
            (jobs[dev] ?? []).some((j) => j.env.job_id === r.job_id),
        )
        .map((r) => r.job_id);
      expect(completed).toEqual((jobs[dev] ?? []).map((j) => j.env.job_id));
    }
    expect(quarantineRows()).toEqual(["identity_unreadable"]);
  }, 90_000);
});
