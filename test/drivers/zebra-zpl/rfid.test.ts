import { describe, expect, it } from "vitest";
import { encodeEpc, toHex } from "../../../firmware-protocols/epc/index.ts";
import {
  createZplRfidReader,
  encodeRfidFormatCommands,
  insertIntoFormat,
} from "../../../firmware-protocols/zpl/rfid.ts";
import {
  blankTag,
  createTagField,
  tagEpc,
  type TagField,
} from "../../../drivers/rfid/tag-field.ts";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import { createZplRfidSimulator, VOID_FORMAT } from "../../../drivers/zebra-zpl/rfid-simulator.ts";
import { createDeviceIo } from "../../../src/devices/io.ts";
import { createMemoryTransport } from "../../../src/simulators/memory.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const SSCC = (() => {
  const r = encodeEpc({
    scheme: "sscc-96",
    filter: 2,
    companyPrefix: "0614141",
    serialReference: "1234567890",
  });
  if (!r.ok) throw new Error(r.code);
  return r.value;
})();
const LABEL = enc("^XA^FO40,40^A0N,40,40^FDSF1234567890123^FS^XZ");

async function printEncode(field: TagField) {
  const printed: string[] = [];
  let deliver: (b: Uint8Array) => void = () => undefined;
  const sim = createZplRfidSimulator({
    field,
    sink: { reply: (b) => deliver(b), printed: (f) => printed.push(dec(f.bytes)) },
  });
  const mem = createMemoryTransport(sim, { maxChunkBytes: 4 });
  deliver = (b) => mem.deliver(b);
  await mem.transport.open();
  const io = createDeviceIo(mem.transport);
  try {
    const result = await zebraZpl.execute!(
      {
        kind: "label.print",
        format: LABEL,
        rfid: { epc: SSCC, accessPassword: 0x5a17c0de, lock: true },
      },
      io,
      { stepTimeoutMs: 200, confirmTimeoutMs: 300 },
    );
    return { result, printed, sim };
  } finally {
    io.close();
  }
}

describe("ZPL RFID codec", () => {
  it("puts ^RS/^RFW/^RFR/^HV/^RLM before the format's ^XZ", () => {
    const cmds = encodeRfidFormatCommands({
      epcHex: toHex(SSCC),
      accessPasswordHex: "5A17C0DE",
      lock: true,
      tries: 3,
    });
    expect(dec(insertIntoFormat(LABEL, cmds)!)).toBe(
      "^XA^FO40,40^A0N,40,40^FDSF1234567890123^FS" +
        `^RS8,,,3,N^RFW,H,2,4,0^FD5A17C0DE^FS^RFW,H,,,A^FD${toHex(SSCC)}^FS` +
        "^FN1^RFR,H,0,12,E^FS^FH_^HV1,24,EPC=,_0D_0A,L^FS^RLM,U,L,L,U^XZ",
    );
    expect(insertIntoFormat(enc("^XA^FS"), cmds)).toBeUndefined();
    expect(() =>
      encodeRfidFormatCommands({
        epcHex: "AB",
        accessPasswordHex: "00000000",
        lock: false,
        tries: 1,
      }),
    ).toThrow(RangeError);
  });

  it("reads ^HV, ~RV and SGD replies out of a stream split anywhere, skipping status frames", () => {
    const stream =
      '\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\nEPC=3174257BF4499602D2000000\r\n_+,2_"NO TAG FOUND"';
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = createZplRfidReader();
      const ev = [...r.push(enc(stream.slice(0, cut))), ...r.push(enc(stream.slice(cut)))];
      expect(ev).toEqual([
        { type: "epc", hex: "3174257BF4499602D2000000" },
        { type: "result", ok: true, tries: 2 },
        { type: "sgd", value: "NO TAG FOUND" },
      ]);
    }
  });
});

describe("zebra-zpl print and encode against the RFID printer simulator", () => {
  it("prints the label once and encodes the SSCC-96: verified, locked, no voids", async () => {
    const field = createTagField([blankTag({ serial: 1 })]);
    const { result, printed } = await printEncode(field);
    expect(result).toMatchObject({
      outcome: "ok",
      epc: toHex(SSCC),
      verified: true,
      locked: true,
      voided: 0,
    });
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(`^RFW,H,,,A^FD${toHex(SSCC)}^FS`);
    // The inlay that left with the label was encoded; the next label's inlay is blank.
    expect(toHex(tagEpc(field.tags[0]!))).toBe("000000000000000000000000");
  });

  it("no tag: three VOID labels, error rfid_no_tag with voided 3, never success", async () => {
    const { result, printed, sim } = await printEncode(createTagField([]));
    expect(result).toMatchObject({
      outcome: "failed",
      code: "rfid_no_tag",
      verified: false,
      voided: 3,
    });
    expect(printed).toEqual([VOID_FORMAT, VOID_FORMAT, VOID_FORMAT]);
    expect(sim.voided).toBe(3);
  });

  it("a first inlay that will not take the write is voided, the next label succeeds", async () => {
    const field = createTagField([blankTag({ serial: 1 })]);
    field.faults.failWrites = 1;
    const { result, printed } = await printEncode(field);
    expect(result).toMatchObject({ outcome: "ok", verified: true, voided: 1 });
    expect(printed[0]).toBe(VOID_FORMAT);
    expect(printed).toHaveLength(2);
  });

  it("a printer that never reports a result leaves the job in doubt", async () => {
    const field = createTagField([blankTag({ serial: 1 })]);
    const printed: string[] = [];
    const mem = createMemoryTransport({ receive: (c) => printed.push(dec(c)) });
    await mem.transport.open();
    const io = createDeviceIo(mem.transport);
    const result = await zebraZpl.execute!(
      { kind: "label.print", format: LABEL, rfid: { epc: SSCC, accessPassword: 1, lock: false } },
      io,
      { stepTimeoutMs: 50, confirmTimeoutMs: 100 },
    );
    io.close();
    expect(result).toMatchObject({
      outcome: "in_doubt",
      code: "device_no_response",
      verified: false,
    });
    expect(field.tags).toHaveLength(1);
  });
});
