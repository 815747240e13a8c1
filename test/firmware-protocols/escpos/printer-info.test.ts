import { describe, expect, it } from "vitest";
import {
  createPrinterInfoDecoder,
  encodePrinterInfoReply,
  encodeTransmitPrinterId,
} from "../../../firmware-protocols/escpos/printer-info.ts";
import { encodeAsb } from "../../../firmware-protocols/escpos/status.ts";
import { escpos } from "../../../drivers/escpos/index.ts";
import { createEscposSimulator } from "../../../drivers/escpos/simulator.ts";
import { withSink } from "../../drivers/status-helpers.ts";

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe("ESC/POS GS I printer information (model, serial, firmware)", () => {
  it("the request is GS I 67, GS I 68, GS I 65 (1D 49 n)", () => {
    expect([...encodeTransmitPrinterId(0x43)]).toEqual([0x1d, 0x49, 0x43]);
    expect([...escpos.identity!.request]).toEqual([
      0x1d, 0x49, 0x43, 0x1d, 0x49, 0x44, 0x1d, 0x49, 0x41,
    ]);
  });

  it("a reply block is 5Fh, the text, 00h; the decoder skips status bytes and ASB blocks", () => {
    expect([...encodePrinterInfoReply("TM-T88VI")]).toEqual([0x5f, ...ascii("TM-T88VI"), 0x00]);
    const asb = encodeAsb({
      offline: false,
      coverOpen: false,
      paperEndStop: false,
      errorOccurred: false,
      autocutterError: false,
      unrecoverableError: false,
      autoRecoverableError: false,
      paperNearEnd: false,
      paperEnd: false,
    });
    const stream = Uint8Array.from([
      0x12, // a DLE EOT reply
      ...encodePrinterInfoReply("TM-T88VI"),
      ...asb,
      ...encodePrinterInfoReply("X5SIM000001"),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = createPrinterInfoDecoder();
      const evs = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(evs).toEqual([
        { type: "info", text: "TM-T88VI" },
        { type: "info", text: "X5SIM000001" },
      ]);
    }
  });

  it("a block with a control byte inside is reported malformed, never thrown", () => {
    const d = createPrinterInfoDecoder();
    expect(d.push(Uint8Array.of(0x5f, 0x41, 0x07, 0x42, 0x00))).toEqual([
      { type: "malformed", code: "non_printable", offset: 0 },
    ]);
  });

  it("the simulator answers with its configured identity, and GS I never lands in a label", () => {
    const { sim, replies, printed } = withSink((sink) =>
      createEscposSimulator(sink, { model: "TM-L100", serial: "X5SIM000042", firmware: "01.02" }),
    );
    const label = Uint8Array.of(0x1b, 0x40, 0x41, 0x0a, 0x1d, 0x56, 0x00);
    sim.receive(Uint8Array.from([...escpos.identity!.request, ...label]));
    expect(replies).toEqual([
      ...encodePrinterInfoReply("TM-L100"),
      ...encodePrinterInfoReply("X5SIM000042"),
      ...encodePrinterInfoReply("01.02"),
    ]);
    expect(printed.map((b) => [...b])).toEqual([[...label]]);
    expect(escpos.identity!.createReader().push(Uint8Array.from(replies))).toEqual({
      model: "TM-L100",
      serial: "X5SIM000042",
      firmware: "01.02",
    });
  });

  it("a printer without GS I 68 still names its model at the timeout (end)", () => {
    const r = escpos.identity!.createReader();
    expect(r.push(encodePrinterInfoReply("TM-T88VI"))).toBeUndefined();
    expect(r.end?.()).toEqual({ model: "TM-T88VI" });
  });
});
