import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { blankTag, createTagField, type TagField } from "../../../drivers/rfid/tag-field.ts";
import { uhfR2000 } from "../../../drivers/uhf-r2000/index.ts";
import { createR2000Simulator } from "../../../drivers/uhf-r2000/simulator.ts";
import { createDeviceIo } from "../../../src/devices/io.ts";
import { createDeviceRuntime, type DeviceRuntime } from "../../../src/devices/runtime.ts";
import type { JobEnvelope } from "../../../src/jobs/envelope.ts";
import { silentLogger } from "../../../src/log.ts";
import { rfidSchema } from "../../../src/rfid/config.ts";
import { prepareRfid } from "../../../src/rfid/request.ts";
import { rfidReadBackVerdict } from "../../../src/rfid/verdict.ts";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";

const EXAMPLE = fileURLToPath(
  new URL("../../../examples/jobs/rfid-encode-bag.json", import.meta.url),
);
const CONFIG = rfidSchema.parse({ access_password: "5A17C0DE", site_number: 7 });
const env = (bag: string): JobEnvelope => {
  const e = JSON.parse(readFileSync(EXAMPLE, "utf8")) as JobEnvelope;
  e.payload.rfid = { bag_no: bag };
  return e;
};

/** An R2000 encoder runtime over the in-memory transport, replies in 7-byte chunks. */
async function encoder(field: TagField): Promise<DeviceRuntime> {
  let deliver: (b: Uint8Array) => void = () => undefined;
  const sim = createR2000Simulator({
    field,
    sink: { reply: (b) => deliver(b), printed: () => undefined },
  });
  const mem = createMemoryTransport({ receive: (c) => sim.receive(c) }, { maxChunkBytes: 7 });
  deliver = (b) => mem.deliver(b);
  return createDeviceRuntime({
    id: "uhf-1",
    driver: uhfR2000,
    profile: { dpi: 203, widthMm: 10, heightMm: 10 },
    transport: mem.transport,
    statusPollMs: 60_000,
    statusTimeoutMs: 500,
    clock: Date.now,
    logger: silentLogger(),
    onChange: () => undefined,
  });
}

/** Runs the job's encode on the device, as the dispatcher would (it then "crashes"). */
async function encode(rt: DeviceRuntime, e: JobEnvelope, lock: boolean) {
  const spec = { ...prepareRfid(e.payload.rfid!, CONFIG).spec, lock };
  const io = createDeviceIo(rt.transport, (b) => rt.write(b));
  try {
    return await uhfR2000.execute!({ kind: "rfid.encode", rfid: spec }, io, {
      stepTimeoutMs: 300,
      confirmTimeoutMs: 300,
    });
  } finally {
    io.close();
  }
}

/**
 * An in-doubt rfid.encode settled by reading the tag back (issue #9 §2): only the job's own EPC
 * on the one tag in the field (locked when the job locks) counts as done; anything else stays in
 * doubt, because encoding again could write the same EPC on a second tag.
 */
describe("rfid.encode in doubt: tag read-back", () => {
  it("the tag holds the job's EPC and its password is locked → done", async () => {
    const rt = await encoder(createTagField([blankTag({ serial: 1 })]));
    expect((await encode(rt, env("5678"), true)).outcome).toBe("ok");
    const v = await rfidReadBackVerdict(rt, env("5678"), CONFIG, 300);
    const hex = prepareRfid({ bag_no: "5678" }, CONFIG).epcHex.toLowerCase();
    expect(v).toEqual({ kind: "printed", evidence: `epc_readback:${hex}:locked` });
    await rt.stop();
  });

  it("the EPC matches but the lock never came → still in doubt; without lock → done", async () => {
    const rt = await encoder(createTagField([blankTag({ serial: 1 })]));
    expect((await encode(rt, env("5678"), false)).outcome).toBe("ok");
    const locked = await rfidReadBackVerdict(rt, env("5678"), CONFIG, 300);
    expect(locked.kind).toBe("unknown");
    expect(locked.evidence).toMatch(/^epc_readback:[0-9a-f]{24}:not_locked$/);
    const open = await rfidReadBackVerdict(rt, env("5678"), { ...CONFIG, lock: false }, 300);
    expect(open.kind).toBe("printed");
    await rt.stop();
  });

  it("another EPC, no tag, two tags → in doubt with the reason", async () => {
    const other = await encoder(createTagField([blankTag({ serial: 1 })]));
    expect((await encode(other, env("1111"), true)).outcome).toBe("ok");
    expect(await rfidReadBackVerdict(other, env("5678"), CONFIG, 300)).toEqual({
      kind: "unknown",
      evidence: "epc_readback:other",
    });
    await other.stop();
    const none = await encoder(createTagField([]));
    expect((await rfidReadBackVerdict(none, env("5678"), CONFIG, 300)).evidence).toBe(
      "rfid_no_tag",
    );
    await none.stop();
    const two = await encoder(
      createTagField([
        blankTag({ serial: 1 }),
        blankTag({ serial: 2, epc: Uint8Array.of(0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) }),
      ]),
    );
    expect((await rfidReadBackVerdict(two, env("5678"), CONFIG, 300)).evidence).toBe(
      "rfid_multiple_tags",
    );
    await two.stop();
  });
});
