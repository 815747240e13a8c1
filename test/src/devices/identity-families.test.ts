/**
 * Identity on connect for TSPL (`~!T` + `OUT GETSETTING$` serial), ESC/POS (`GS I` 67/68/65) and
 * the R2000 encoder (0x72 firmware + 0x68 reader identifier), through the daemon against their
 * simulators on loopback TCP: the registered unit of each family comes online; a unit answering
 * with another serial is quarantined, alerted on `gateway/{gw}/alert` and audited
 * `device.quarantined`, and takes no job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEscposSimulator } from "../../../drivers/escpos/simulator.ts";
import { createR2000Simulator } from "../../../drivers/uhf-r2000/simulator.ts";
import { createTsplSimulator } from "../../../drivers/tspl/simulator.ts";
import { jobFor } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { registeredDevice, simHosts, type SimHosts } from "./identity-rig.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/id-test`;
const ID_OK = Uint8Array.of(0x52, 0x32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01);
const ID_OTHER = Uint8Array.of(0x52, 0x32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02);

describe("identity on connect for TSPL, ESC/POS and R2000 (issue #4 §6)", () => {
  let sims: SimHosts;
  let g: TestGateway;
  const timing = { status_poll_ms: 200, status_timeout_ms: 500, confirm_timeout_ms: 3000 };

  beforeAll(async () => {
    sims = simHosts("labelgate-idf-");
    const host = sims.host;
    const ports = {
      "tspl-ok": await host("tspl-ok", (s) =>
        createTsplSimulator(s, { model: "TE210", serial: "T0SIM0000001" }),
      ),
      "tspl-q": await host("tspl-q", (s) =>
        createTsplSimulator(s, { model: "TE210", serial: "T0SIM0000666" }),
      ),
      "escpos-ok": await host("escpos-ok", (s) =>
        createEscposSimulator(s, { model: "TM-T88VI", serial: "X5SIM000001" }),
      ),
      "escpos-q": await host("escpos-q", (s) =>
        createEscposSimulator(s, { model: "TM-T88VI", serial: "X5SIM000666" }),
      ),
      "uhf-ok": await host("uhf-ok", (s) => createR2000Simulator({ sink: s, identifier: ID_OK })),
      "uhf-q": await host("uhf-q", (s) => createR2000Simulator({ sink: s, identifier: ID_OTHER })),
    };
    const serialOk = "523200000000000000000001";
    const tspl = { model: "TE210", serial: "T0SIM0000001" };
    const escpos = { model: "TM-T88", serial: "X5SIM000001" };
    const uhf = { model: "R2000", serial: serialOk };
    g = await startTestGateway({
      devices: [
        registeredDevice("tspl-ok", "tsc-tspl", ports["tspl-ok"], tspl, timing),
        registeredDevice("tspl-q", "tsc-tspl", ports["tspl-q"], tspl, timing),
        registeredDevice("escpos-ok", "escpos", ports["escpos-ok"], escpos, timing),
        registeredDevice("escpos-q", "escpos", ports["escpos-q"], escpos, timing),
        registeredDevice("uhf-ok", "uhf-r2000", ports["uhf-ok"], uhf, timing),
        registeredDevice("uhf-q", "uhf-r2000", ports["uhf-q"], uhf, timing),
      ],
    });
  });
  afterAll(async () => {
    await g.stop();
    await sims.close();
  });

  it("quarantines, alerts and audits the unit with another serial in each family; the registered one is online", async () => {
    for (const fam of ["tspl", "escpos", "uhf"]) {
      const alert = await g.probe.waitFor(
        (m) =>
          m.topic === `${SITE}/gateway/gw1/alert` &&
          m.json["type"] === "device_quarantined" &&
          m.json["device"] === `${fam}-q`,
        15_000,
        `${fam} quarantine alert`,
      );
      expect(alert.json["reason"]).toBe("serial_mismatch");
      expect((alert.json["reported"] as Record<string, string>)["serial"]).toMatch(/666|0002$/);
      await g.probe.waitFor(
        (m) =>
          m.topic === `${SITE}/device/${fam}-q/state` && m.json["availability"] === "quarantined",
        15_000,
        `${fam}-q quarantined state`,
      );
      await g.probe.waitFor(
        (m) => m.topic === `${SITE}/device/${fam}-ok/state` && m.json["availability"] === "online",
        15_000,
        `${fam}-ok online`,
      );
      expect(g.gateway.devices.get(`${fam}-ok`)?.quarantine()).toBeUndefined();
    }
    const rows = g.auditRows().filter((r) => r.action === "device.quarantined");
    expect(rows.map((r) => r.reason)).toEqual([
      "serial_mismatch",
      "serial_mismatch",
      "serial_mismatch",
    ]);
  });

  it("the quarantined TSPL and ESC/POS units take no job; the registered ones print", async () => {
    for (const fam of ["tspl", "escpos"]) {
      const bad = jobFor(`${fam}-q`, REPLY);
      const good = jobFor(`${fam}-ok`, REPLY);
      await g.probe.publish(`${SITE}/device/${fam}-q/job`, bad.json);
      await g.probe.publish(`${SITE}/device/${fam}-ok/job`, good.json);
      await g.probe.waitReply(good.env.job_id, "ok", 20_000);
      await g.probe.waitFor(
        (m) => m.json["type"] === "job.held" && m.json["job_id"] === bad.env.job_id,
        15_000,
        `job held on ${fam}-q`,
      );
      expect(sims.printed.get(`${fam}-q`) ?? 0).toBe(0);
      expect(sims.printed.get(`${fam}-ok`)).toBe(1);
    }
  }, 60_000);

  it("identify reads each family's identity now", async () => {
    for (const [dev, want] of [
      ["tspl-q", { model: "TE210", serial: "T0SIM0000666" }],
      ["escpos-ok", { model: "TM-T88VI", serial: "X5SIM000001", firmware: "30.01 ESC/POS" }],
      ["uhf-q", { model: "R2000", firmware: "1.3", serial: "523200000000000000000002" }],
    ] as const) {
      await g.probe.publish(
        `${SITE}/device/${dev}/cmd/identify`,
        JSON.stringify({ request_id: `id-${dev}`, reply_to: REPLY }),
      );
      const r = await g.probe.waitFor(
        (m) => m.topic === REPLY && m.json["request_id"] === `id-${dev}`,
        15_000,
        `identify ${dev}`,
      );
      expect((r.json["data"] as Record<string, unknown>)["reported"]).toEqual(want);
    }
  });
});
