import { describe, expect, it } from "vitest";
import {
  accessPasswordOf,
  blankTag,
  createTagField,
  tagEpc,
} from "../../../drivers/rfid/tag-field.ts";
import { gen2Crc16 } from "../../../firmware-protocols/r2000/index.ts";

const PWD = 0x5a17c0de;
const pwdBytes = (p: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, p);
  return b;
};
const EPC = Uint8Array.from({ length: 12 }, (_, i) => 0x30 + i);

describe("tag field model (EPC Gen2 rules, reference §5.1)", () => {
  it("memory persists: a read-back reads what was written, and the stored CRC follows the EPC", () => {
    const f = createTagField([blankTag({ serial: 1 })]);
    expect(f.write(0, "epc", 2, EPC).result).toBe("ok");
    const back = f.read(0, "epc", 2, 6);
    expect(back).toMatchObject({ result: "ok" });
    expect([...back.data!]).toEqual([...EPC]);
    const t = f.tags[0]!;
    expect((t.epcBank[0]! << 8) | t.epcBank[1]!).toBe(gen2Crc16(t.epcBank.subarray(2, 16)));
  });

  it("a zero access password gives no protection; a locked tag needs the right one", () => {
    const f = createTagField([blankTag({ serial: 1 })]);
    // Zero password: secured without Access, anyone may set a password and lock.
    expect(f.write(0x11111111, "reserved", 2, pwdBytes(PWD)).result).toBe("ok");
    expect(accessPasswordOf(f.tags[0]!)).toBe(PWD);
    expect(f.lock(PWD, "epc", "locked").result).toBe("ok");
    expect(f.lock(PWD, "access_password", "locked").result).toBe("ok");
    // Now: wrong password refused, no password cannot write the locked EPC or read the password.
    expect(f.write(0x11111111, "epc", 2, EPC).result).toBe("access_denied");
    expect(f.write(0, "epc", 2, EPC).result).toBe("memory_locked");
    expect(f.read(0, "reserved", 2, 2).result).toBe("memory_locked");
    expect(f.lock(0, "epc", "open").result).toBe("access_denied");
    // The right password can.
    expect(f.write(PWD, "epc", 2, EPC).result).toBe("ok");
    expect([...tagEpc(f.tags[0]!)]).toEqual([...EPC]);
  });

  it("permalocks cannot be undone; TID is read-only; out-of-range words overrun", () => {
    const f = createTagField([blankTag({ serial: 1 })]);
    expect(f.lock(0, "epc", "perma_locked").result).toBe("ok");
    expect(f.write(0, "epc", 2, EPC).result).toBe("memory_locked");
    expect(f.lock(0, "epc", "open").result).toBe("memory_locked");
    expect(f.write(0, "tid", 0, Uint8Array.of(1, 2)).result).toBe("memory_locked");
    expect(f.read(0, "user", 40, 1).result).toBe("memory_overrun");
  });

  it("zero, one, several tags; the strongest answers; faults: weak signal, failed and half writes, no antenna", () => {
    expect(createTagField([]).write(0, "epc", 2, EPC).result).toBe("no_tag");
    const f = createTagField([
      blankTag({ serial: 1, rssi: 0x40 }),
      blankTag({ serial: 2, rssi: 0xc0 }),
    ]);
    expect(f.inventory().map((t) => t.rssi)).toEqual([0xc0, 0x40]);
    f.write(0, "epc", 2, EPC);
    expect([...tagEpc(f.tags[1]!)]).toEqual([...EPC]);
    expect([...tagEpc(f.tags[0]!)]).toEqual(new Array(12).fill(0));

    f.faults.weakSignal = true;
    expect(f.write(0, "user", 0, Uint8Array.of(1, 2)).result).toBe("insufficient_power");
    f.faults.weakSignal = false;
    f.faults.failWrites = 1;
    expect(f.write(0, "user", 0, Uint8Array.of(1, 2)).result).toBe("insufficient_power");
    expect(f.write(0, "user", 0, Uint8Array.of(1, 2)).result).toBe("ok");
    f.faults.halfWrites = 1;
    const other = EPC.map((b) => b ^ 0xff);
    expect(f.write(0, "epc", 2, other).result).toBe("ok"); // the tag says so …
    expect([...tagEpc(f.tags[1]!)].slice(6)).toEqual([...EPC].slice(6)); // … but half is old
    f.faults.antennaMissing = true;
    expect(f.inventory()).toEqual([]);
  });

  it("snapshot: hex memory and locks of every tag", () => {
    const f = createTagField([blankTag({ serial: 7, epc: EPC })]);
    expect(f.snapshot().tags[0]).toMatchObject({
      epc: "303132333435363738393A3B",
      pc: "3000",
      access_password: "00000000",
      tid: "E28011300000000000000007",
      locks: { epc: "open", access_password: "open" },
    });
  });
});
