/**
 * Printer memory in the ZPL simulator: stored graphics (`~DG`, `^XG`) and formats (`^DF`, `^XF`)
 * under the short names the session compiler sends — device and extension left to the command's
 * defaults (ZPL II PG: `~DG` and `^DF` store to R:, `~DG` appends .GRF, `^XG` / `^XF` fix the
 * extension and search R:, E:, B:, A:) — and their loss when the printer restarts.
 */
import { describe, expect, it } from "vitest";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { deflateZ64 } from "../../../drivers/zebra-zpl/elements.ts";
import { objectNames } from "../../../firmware-protocols/zpl/graphics.ts";
import { ascii, text } from "../../firmware-protocols/zpl/helpers.ts";

/** A 16 × 2 graphic: one black row, one white row. */
const DOTS = Uint8Array.of(0xff, 0xff, 0, 0);
const Z64 = deflateZ64(DOTS);
const INLINE = `^GFA,4,4,2,${Z64}`;

function printer() {
  const printed: string[] = [];
  const sim = createZplSimulator({
    sink: { reply: () => undefined, printed: (f) => printed.push(text(f.preview ?? f.bytes)) },
  });
  return { sim, printed, send: (s: string) => sim.receive(ascii(s)) };
}

describe("ZPL printer memory with short object names", () => {
  it("objectNames: defaults and search order", () => {
    expect(objectNames("G0", "GRF")).toEqual(["R:G0.GRF", "E:G0.GRF", "B:G0.GRF", "A:G0.GRF"]);
    expect(objectNames("R:G0", "GRF")).toEqual(["R:G0.GRF"]);
    expect(objectNames("e:s1.zpl", "ZPL")).toEqual(["E:S1.ZPL"]);
    expect(objectNames("R:LOGO.PCX", "GRF")).toEqual([]);
    expect(objectNames("R:TOOLONGNAME", "GRF")).toEqual([]);
  });

  it("~DG without device or extension stores R:NAME.GRF; every form of ^XG recalls it", () => {
    const { sim, printed, send } = printer();
    // A download's data ends where the next command starts (here the format).
    send(`~DGG0,4,2,${Z64}^XA^FO1,1^XGR:G0^FS^FO2,2^XGG0^FS^FO3,3^XGR:G0.GRF,1,1^FS^XZ`);
    expect(sim.state()).toMatchObject({ graphics: ["R:G0.GRF"], badGraphics: 0 });
    expect(printed[0]).toBe(`^XA^FO1,1${INLINE}^FS^FO2,2${INLINE}^FS^FO3,3${INLINE}^FS^XZ`);
    // Another device is another object: nothing there, as on a printer.
    send("^XA^FO1,1^XGE:G0^FS^XZ");
    expect(printed[1]).toBe("^XA^FO1,1^FS^XZ");
    expect(sim.state().missingGraphics).toBe(1);
  });

  it("^XG magnifies the stored dots", () => {
    const { printed, send } = printer();
    send(`~DGR:G1,4,2,${Z64}`);
    send("^XA^FO0,0^XGR:G1,2,2^FS^XZ");
    // 32 × 4 dots: two black rows, two white rows, 4 bytes each.
    const m = /\^GFA,(\d+),\d+,(\d+),/.exec(printed[0] ?? "");
    expect(m?.slice(1)).toEqual(["16", "4"]);
  });

  it("refuses a ~DG of another extension (a .GRF download only)", () => {
    const { sim, send } = printer();
    send(`~DGR:LOGO.PCX,4,2,${Z64}~HS`);
    expect(sim.state()).toMatchObject({ graphics: [], badGraphics: 1 });
  });

  it("^DF without extension stores a format (not printed); ^XF recalls it by any form", () => {
    const { printed, send } = printer();
    send("^XA^DFR:S0^FS^FO5,5^GB10,10,1^FS^XZ");
    expect(printed).toEqual([]);
    send("^XA^XFR:S0^FS^FO1,1^A0N,20,20^FDa^FS^XZ");
    send("^XA^XFS0^FS^XZ");
    send("^XA^XFR:S0.ZPL^FS^XZ");
    expect(printed).toEqual([
      "^XA^FO5,5^GB10,10,1^FS^FO1,1^A0N,20,20^FDa^FS^XZ",
      "^XA^FO5,5^GB10,10,1^FS^XZ",
      "^XA^FO5,5^GB10,10,1^FS^XZ",
    ]);
  });

  it("a restart (power cycle or ~JR) clears stored graphics and formats", () => {
    for (const restart of ["power", "~JR"] as const) {
      const { sim, printed, send } = printer();
      send(`~DGG0,4,2,${Z64}`);
      send("^XA^DFR:S0^FS^FO5,5^GB10,10,1^FS^XZ");
      if (restart === "power") sim.restart();
      else send("~JR");
      expect(sim.state().graphics).toEqual([]);
      send("^XA^XFR:S0^FS^FO1,1^XGR:G0^FS^XZ");
      expect(printed).toEqual(["^XA^FO1,1^FS^XZ"]);
      expect(sim.state().missingGraphics).toBe(2);
    }
  });
});
