/**
 * The runtime's per-device compiler session (drivers/types.ts CompilerSession): ZPL text graphics
 * are downloaded once per connection; when the connection drops (a printer restart clears `R:`)
 * the session forgets them and the next label downloads them again, so nothing prints blank.
 */
import { describe, expect, it } from "vitest";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { createDeviceRuntime } from "../../../src/devices/runtime.ts";
import { silentLogger } from "../../../src/log.ts";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";
import { layoutWaybill100x150 } from "../../../src/templates/waybill-100x150.ts";
import { streamWaybill } from "../../drivers/label/fixtures.ts";

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe("device runtime compiler session", () => {
  it("downloads graphics once per connection and again after the printer went away", async () => {
    const ref: { m?: ReturnType<typeof createMemoryTransport> } = {};
    const sim = createZplSimulator({
      sink: { reply: (b) => ref.m?.deliver(b), printed: () => undefined },
    });
    const m = createMemoryTransport({ receive: (c) => sim.receive(c) });
    ref.m = m;
    const rt = createDeviceRuntime({
      id: "zpl-1",
      driver: zebraZpl,
      profile: { dpi: 203, widthMm: 100, heightMm: 150 },
      transport: m.transport,
      statusPollMs: 60_000,
      statusTimeoutMs: 500,
      clock: Date.now,
      logger: silentLogger(),
      onChange: () => undefined,
    });
    const label = layoutWaybill100x150(streamWaybill(0));
    const first = rt.compile(label);
    expect(text(first)).toContain("~DG");
    await rt.write(first);
    const second = rt.compile(label);
    expect(text(second)).not.toContain("~DG");
    await rt.write(second);
    await m.settled();
    expect(sim.state()).toMatchObject({ printed: 2, missingGraphics: 0 });

    // The printer restarts: its connection drops and its memory is gone.
    m.disconnect("power cycle");
    sim.restart();
    const third = rt.compile(label);
    expect(text(third)).toContain("~DG");
    await rt.write(third);
    await m.settled();
    expect(sim.state()).toMatchObject({ printed: 3, missingGraphics: 0 });
    await rt.stop();
  });
});
