import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTsplSimulator, type TsplSimulator } from "../../../drivers/tspl/simulator.ts";
import {
  hostSimulatorOnSerial,
  type HostedSerialSimulator,
} from "../../../src/simulators/serial-host.ts";
import { jobFor } from "../../helpers/devices.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { ptyPair, type PtyPair } from "../../helpers/socat.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/serial-tspl`;

describe("a TSPL printer on a serial line (socat PTY pair)", () => {
  let dir: string;
  let pty: PtyPair;
  let host: HostedSerialSimulator<TsplSimulator>;
  let g: TestGateway;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-serial-tspl-"));
    pty = ptyPair(dir);
    await pty.start();
    host = await hostSimulatorOnSerial({
      path: pty.b,
      createSimulator: (sink) => createTsplSimulator(sink),
      extension: "tspl",
    });
    await host.waitConnected();
    g = await startTestGateway({
      devices: [
        {
          id: "tspl-s",
          driver: "tsc-tspl",
          transport: { type: "serial", path: pty.a, baud_rate: 9600 },
          status_poll_ms: 200,
          status_timeout_ms: 500,
          confirm_timeout_ms: 3000,
        },
      ],
    });
    await g.probe.waitFor(
      (m) => m.topic === `${SITE}/device/tspl-s/state` && m.json["reachability"] === "online",
      15_000,
      "TSPL printer online",
    );
  });
  afterAll(async () => {
    await g.stop();
    await host.close();
    await pty.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the example waybill, and after socat is killed and restarted prints the next one once", async () => {
    const first = jobFor("tspl-s", REPLY);
    await g.probe.publish(`${SITE}/device/tspl-s/job`, first.json);
    await g.probe.waitReply(first.env.job_id, "ok");
    expect(host.formats).toHaveLength(1);
    expect(new TextDecoder("latin1").decode(host.formats[0])).toContain(first.waybill);

    await pty.kill();
    await g.probe.waitFor(
      (m) => m.topic === `${SITE}/device/tspl-s/state` && m.json["reachability"] === "disconnected",
      15_000,
      "disconnected",
    );
    const second = jobFor("tspl-s", REPLY);
    await g.probe.publish(`${SITE}/device/tspl-s/job`, second.json);
    await g.probe.waitFor(
      (m) => m.json["type"] === "job.held" && m.json["job_id"] === second.env.job_id,
      15_000,
      "held while the cable is out",
    );
    await pty.start();
    await g.probe.waitReply(second.env.job_id, "ok");
    expect(host.formats).toHaveLength(2);
    expect(new TextDecoder("latin1").decode(host.formats[1])).toContain(second.waybill);
  });
});
