import { describe, expect, it } from "vitest";
import { encodeEpc, toHex, type Grai96 } from "../../../firmware-protocols/epc/index.ts";
import { CMD } from "../../../firmware-protocols/r2000/index.ts";
import {
  accessPasswordOf,
  blankTag,
  createTagField,
  tagEpc,
  type TagField,
} from "../../../drivers/rfid/tag-field.ts";
import type { ExecuteResult } from "../../../drivers/rfid/job.ts";
import { uhfR2000 } from "../../../drivers/uhf-r2000/index.ts";
import { createR2000Simulator, type R2000Simulator } from "../../../drivers/uhf-r2000/simulator.ts";
import { createDeviceIo } from "../../../src/devices/io.ts";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";

const SITE_PASSWORD = 0x5a17c0de;
const bag: Grai96 = {
  scheme: "grai-96",
  filter: 0,
  companyPrefix: "0614141",
  assetType: "12345",
  serial: "5678",
};
const epcOf = (e: Grai96): Uint8Array => {
  const r = encodeEpc(e);
  if (!r.ok) throw new Error(r.code);
  return r.value;
};
const EPC = epcOf(bag);

interface Rig {
  sim: R2000Simulator;
  field: TagField;
  snapshots: string[];
  encode(o?: { lock?: boolean; password?: number }): Promise<ExecuteResult>;
}

/** The driver against its simulator over the in-memory transport, replies split in 5-byte chunks. */
async function rig(
  field: TagField,
  intercept?: (chunk: Uint8Array, sim: R2000Simulator) => void,
): Promise<Rig> {
  const snapshots: string[] = [];
  let deliver: (b: Uint8Array) => void = () => undefined;
  const sim = createR2000Simulator({
    field,
    sink: {
      reply: (b) => deliver(b),
      printed: (o) => snapshots.push(new TextDecoder().decode(o.bytes)),
    },
  });
  const mem = createMemoryTransport(
    { receive: (c) => (intercept?.(c, sim), sim.receive(c)) },
    { maxChunkBytes: 5 },
  );
  deliver = (b) => mem.deliver(b);
  await mem.transport.open();
  return {
    sim,
    field,
    snapshots,
    async encode(o = {}) {
      const io = createDeviceIo(mem.transport);
      try {
        return await uhfR2000.execute!(
          {
            kind: "rfid.encode",
            rfid: { epc: EPC, accessPassword: o.password ?? SITE_PASSWORD, lock: o.lock ?? true },
          },
          io,
          { stepTimeoutMs: 150, confirmTimeoutMs: 150 },
        );
      } finally {
        io.close();
      }
    },
  };
}

describe("uhf-r2000 write → verify → lock", () => {
  it("encodes a blank bag tag: EPC written, read back, locked with the site password", async () => {
    const r = await rig(createTagField([blankTag({ serial: 1 })]));
    const res = await r.encode();
    expect(res).toMatchObject({
      outcome: "ok",
      epc: toHex(EPC),
      verified: true,
      locked: true,
      voided: 0,
    });
    expect(res.steps.map((s) => `${s.step}:${s.result}`)).toEqual([
      "inventory:ok",
      "write_access_password:ok",
      "write_epc:ok",
      "read_epc:ok",
      "verify:ok",
      "lock_epc:ok",
      "lock_access_password:ok",
    ]);
    const tag = r.field.tags[0]!;
    expect(toHex(tagEpc(tag))).toBe(toHex(EPC));
    expect(accessPasswordOf(tag)).toBe(SITE_PASSWORD);
    expect(tag.locks).toMatchObject({ epc: "locked", access_password: "locked" });
    // The simulator hands out the field's memory after each write and lock.
    expect(JSON.parse(r.snapshots.at(-1)!).tags[0]).toMatchObject({
      epc: toHex(EPC),
      access_password: "5A17C0DE",
      locks: { epc: "locked", access_password: "locked" },
    });
  });

  it("re-encodes a bag the site locked before (same password), but not one locked by someone else", async () => {
    const r = await rig(createTagField([blankTag({ serial: 1 })]));
    expect((await r.encode()).outcome).toBe("ok");
    expect((await r.encode()).outcome).toBe("ok");
    const other = await r.encode({ password: 0x11111111 });
    expect(other).toMatchObject({
      outcome: "failed",
      code: "rfid_access_denied",
      verified: false,
      locked: false,
    });
    expect(other.steps.at(-1)).toEqual({
      step: "write_access_password",
      result: "rfid_access_denied",
      code: 0x40,
    });
  });

  it("no tag in the field: rfid_no_tag, and nothing but the inventory was sent", async () => {
    const r = await rig(createTagField([]));
    const res = await r.encode();
    expect(res).toMatchObject({
      outcome: "failed",
      code: "rfid_no_tag",
      verified: false,
      locked: false,
    });
    expect(res.bytes).toBe(6);
  });

  it("two tags in the field: refused before anything is written", async () => {
    const r = await rig(
      createTagField([
        blankTag({ serial: 1 }),
        blankTag({ serial: 2, epc: EPC.map((b) => b ^ 1) }),
      ]),
    );
    expect(await r.encode()).toMatchObject({ outcome: "failed", code: "rfid_multiple_tags" });
    expect(r.snapshots).toEqual([]);
  });

  it("weak signal: the write fails with rfid_insufficient_power", async () => {
    const f = createTagField([blankTag({ serial: 1, rssi: 0x40 })]);
    f.faults.weakSignal = true;
    const r = await rig(f);
    expect(await r.encode()).toMatchObject({ outcome: "failed", code: "rfid_insufficient_power" });
  });

  it("a write the tag reports as done but only half made is caught by the read-back", async () => {
    const f = createTagField([blankTag({ serial: 1 })]);
    // A bag the site encoded before: its password write rewrites the same value.
    new DataView(f.tags[0]!.reserved.buffer).setUint32(4, SITE_PASSWORD);
    const r = await rig(f);
    f.faults.halfWrites = 2; // the password write and the EPC write
    const res = await r.encode();
    expect(res).toMatchObject({
      outcome: "failed",
      code: "rfid_verify_failed",
      verified: false,
      locked: false,
    });
    expect(toHex(tagEpc(f.tags[0]!))).not.toBe(toHex(EPC));
  });

  it("a write that fails outright reports the reader's write error", async () => {
    const f = createTagField([blankTag({ serial: 1 })]);
    f.faults.failWrites = 1;
    const r = await rig(f);
    const res = await r.encode();
    expect(res).toMatchObject({ outcome: "failed", code: "rfid_insufficient_power" });
    expect(res.steps.at(-1)).toMatchObject({ code: 0x33 });
  });

  it("a permalocked EPC bank refuses the write: the reader's access error 0x40", async () => {
    const f = createTagField([blankTag({ serial: 1 })]);
    f.tags[0]!.locks.epc = "perma_locked";
    const r = await rig(f);
    const res = await r.encode();
    expect(res).toMatchObject({ outcome: "failed", code: "rfid_access_denied" });
    expect(res.steps.at(-1)).toMatchObject({ step: "write_epc", code: 0x40 });
  });

  it("a region that cannot be locked any more: lock error 0x34 → rfid_memory_locked, verified but not locked", async () => {
    const f = createTagField([blankTag({ serial: 1 })]);
    f.tags[0]!.locks.access_password = "perma_open";
    const r = await rig(f);
    const res = await r.encode();
    expect(res).toMatchObject({
      outcome: "failed",
      code: "rfid_memory_locked",
      verified: true,
      locked: false,
    });
    expect(res.steps.at(-1)).toMatchObject({ step: "lock_access_password", code: 0x34 });
  });

  it("antenna missing: the reader's 0x22 maps to rfid_antenna_missing", async () => {
    const r = await rig(createTagField([blankTag({ serial: 1 })]));
    r.sim.setFault("antenna_missing", true);
    expect(await r.encode()).toMatchObject({ outcome: "failed", code: "rfid_antenna_missing" });
  });

  it("garbage on the line before a reply is skipped", async () => {
    const r = await rig(createTagField([blankTag({ serial: 1 })]));
    r.sim.setFault("garbage", true);
    expect(await r.encode()).toMatchObject({ outcome: "ok", verified: true });
  });

  it("a reader that goes quiet after the write went out leaves the job in doubt", async () => {
    const r = await rig(createTagField([blankTag({ serial: 1 })]), (chunk, sim) => {
      if (chunk[3] === CMD.WRITE) sim.setSilent(true);
    });
    expect(await r.encode()).toMatchObject({ outcome: "in_doubt", code: "device_no_response" });
  });

  it("a reader that never answers: failed, nothing was written", async () => {
    const r = await rig(createTagField([blankTag({ serial: 1 })]));
    r.sim.setSilent(true);
    expect(await r.encode()).toMatchObject({ outcome: "failed", code: "device_no_response" });
  });

  it("refuses the zero access password", async () => {
    const r = await rig(createTagField([blankTag({ serial: 1 })]));
    await expect(r.encode({ password: 0 })).rejects.toThrow(RangeError);
  });
});
