import { describe, expect, it } from "vitest";
import {
  MODEL_NAME_REQUEST,
  SERIAL_REQUEST,
  createTsplLineDecoder,
  encodeModelNameReply,
  encodeOutReply,
} from "../../../firmware-protocols/tspl/identity.ts";
import { tscTspl } from "../../../drivers/tspl/index.ts";
import { createTsplSimulator } from "../../../drivers/tspl/simulator.ts";
import { withSink } from "../../drivers/status-helpers.ts";

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe("TSPL identity (~!T, OUT GETSETTING$ SERIAL)", () => {
  it("requests are the manual's commands, byte for byte", () => {
    expect([...MODEL_NAME_REQUEST]).toEqual([0x7e, 0x21, 0x54, 0x0d, 0x0a]);
    expect([...SERIAL_REQUEST]).toEqual(
      ascii('OUT GETSETTING$("SYSTEM","INFORMATION","SERIAL")\r\n'),
    );
    expect([...tscTspl.identity!.request]).toEqual([...MODEL_NAME_REQUEST, ...SERIAL_REQUEST]);
  });

  it("replies: model + CR, OUT value + CR LF; non-printable text is refused", () => {
    expect([...encodeModelNameReply("TE210")]).toEqual([...ascii("TE210"), 0x0d]);
    expect([...encodeOutReply("T0SIM0000001")]).toEqual([...ascii("T0SIM0000001"), 0x0d, 0x0a]);
    expect(() => encodeOutReply("A\rB")).toThrow(RangeError);
  });

  it("the line decoder gives the same lines split at every offset and skips a stray status frame", () => {
    const stream = Uint8Array.from([
      0x02,
      0x40,
      0x40,
      0x40,
      0x40,
      0x03,
      0x0d,
      0x0a, // a late ESC ! S reply
      ...encodeModelNameReply("TE210"),
      ...encodeOutReply("T0SIM0000001"),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = createTsplLineDecoder();
      const evs = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(evs.filter((e) => e.type === "line").map((e) => (e as { text: string }).text)).toEqual(
        ["TE210", "T0SIM0000001"],
      );
      expect(evs.filter((e) => e.type === "malformed")).toHaveLength(1);
    }
  });

  it("the simulator answers both queries byte for byte with its configured serial, outside any job", () => {
    const { sim, replies, printed } = withSink((sink) =>
      createTsplSimulator(sink, { model: "TTP-244 Pro", serial: "T0SIM0000099" }),
    );
    const job = new TextEncoder().encode("SIZE 50 mm,30 mm\r\nCLS\r\nPRINT 1,1\r\n");
    sim.receive(Uint8Array.from([...tscTspl.identity!.request, ...job]));
    expect(replies).toEqual([
      ...encodeModelNameReply("TTP-244 Pro"),
      ...encodeOutReply("T0SIM0000099"),
    ]);
    expect(printed.map((b) => [...b])).toEqual([[...job]]);
    const r = tscTspl.identity!.createReader();
    expect(r.push(Uint8Array.from(replies))).toEqual({
      model: "TTP-244 Pro",
      serial: "T0SIM0000099",
    });
  });

  it("the simulator out of paper ignores ~!T and answers OUT only when the paper is back, after the held job", () => {
    const { sim, replies, printed } = withSink((sink) =>
      createTsplSimulator(sink, { model: "TE210", serial: "T0SIM0000007" }),
    );
    sim.setFault("media_out", true);
    const job = new TextEncoder().encode("SIZE 50 mm,30 mm\r\nCLS\r\nPRINT 1,1\r\n");
    sim.receive(Uint8Array.from([...job, ...tscTspl.identity!.request]));
    expect(replies).toEqual([]);
    expect(sim.state().held).toBe(1);
    sim.setFault("media_out", false);
    expect(printed.map((b) => [...b])).toEqual([[...job]]);
    // `~!T` is gone for good; the serial line comes alone.
    expect(replies).toEqual([...encodeOutReply("T0SIM0000007")]);
    const late = replies.length;
    sim.receive(tscTspl.identity!.request);
    expect(tscTspl.identity!.createReader().push(Uint8Array.from(replies.slice(late)))).toEqual({
      model: "TE210",
      serial: "T0SIM0000007",
    });
  });

  it("a printer that answers only ~!T gives the model at the timeout (end), none gives undefined", () => {
    const r = tscTspl.identity!.createReader();
    expect(r.push(encodeModelNameReply("TE210"))).toBeUndefined();
    expect(r.end?.()).toEqual({ model: "TE210" });
    expect(tscTspl.identity!.createReader().end?.()).toBeUndefined();
  });
});
