import { deflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { renderLabel } from "../../../drivers/label/render.ts";
import { createZplCompiler } from "../../../drivers/zebra-zpl/compile.ts";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { encodeZ64 } from "../../../firmware-protocols/zpl/graphics.ts";
import { createWorkerPreviewRenderer } from "../../../src/simulators/preview.ts";
import { layoutWaybill100x150 } from "../../../src/templates/waybill-100x150.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";
import { streamWaybill, waybillStream } from "../label/fixtures.ts";
import { text } from "../../firmware-protocols/zpl/helpers.ts";

const PROFILE = { dpi: 203 as const, widthMm: 100, heightMm: 150 };

/** The label as one whole-label `^GF` bitmap, Z64 at zlib level 9: the baseline. */
function wholeLabelBytes(i: number): number {
  const b = renderLabel(layoutWaybill100x150(streamWaybill(i)), 203);
  const gf = encodeZ64(new Uint8Array(deflateSync(b.data, { level: 9, memLevel: 9 })));
  return `^XA^PW${b.width}^LL${b.height}^FO0,0^GFA,${b.data.length},${b.data.length},${b.bytesPerRow},${gf}^FS^XZ`
    .length;
}

function printerWithSession() {
  const printed: Array<{ bytes: Uint8Array; preview?: Uint8Array }> = [];
  const sim = createZplSimulator({
    sink: { reply: () => undefined, printed: (f) => printed.push(f) },
  });
  return { sim, printed, session: createZplCompiler(PROFILE) };
}

const renderer = createWorkerPreviewRenderer();
afterAll(() => renderer.close());

describe("ZPL compiler session: text graphics in printer memory", () => {
  it("downloads a text graphic once (~DG) and recalls it (^XG) after", () => {
    const session = createZplCompiler(PROFILE);
    const label = layoutWaybill100x150(streamWaybill(0));
    const first = text(session.compile(label));
    const second = text(session.compile(label));
    expect(first.match(/~DG/g)?.length).toBeGreaterThan(5);
    expect(second).not.toContain("~DG");
    // The second label recalls the shared chunks as a stored format (^DF once, then ^XF).
    // Short names: ^DF / ^XF fix the extension at .ZPL, ~DG appends .GRF and stores to R:.
    expect(second).toMatch(/\^DFR:S0\^FS/);
    expect(first).toMatch(/^~DGG0,\d+,\d+,:Z64:/);
    expect(first).toContain("^XGR:G0");
    expect(text(session.compile(label))).toMatch(/^\^XA\^CI28\^XFR:S0\^FS/);
    session.reset();
    expect(text(session.compile(label))).toContain("~DG");
  });

  it("20 waybills over 4 destinations: ≤ 1/10 of whole-label Z64 bitmaps, the first ≤ 1/2, every label complete", async () => {
    const { sim, printed, session } = printerWithSession();
    let sent = 0;
    let baseline = 0;
    const perLabel: number[] = [];
    waybillStream(20).forEach((d, i) => {
      const bytes = session.compile(layoutWaybill100x150(d));
      sim.receive(bytes);
      sent += bytes.length;
      perLabel.push(bytes.length);
      baseline += wholeLabelBytes(i);
    });
    expect(printed).toHaveLength(20);
    expect(sim.state()).toMatchObject({ badGraphics: 0, missingGraphics: 0 });
    expect(sent).toBeLessThanOrEqual(baseline / 10);
    // Steady state: the last labels carry only their own fields.
    expect(perLabel[19]).toBeLessThan(perLabel[0]! / 10);
    // The cold first label (empty printer memory, no resident CJK font) is at most half of its
    // whole-label bitmap: captions and the sender zone are one graphic each (text groups),
    // number-like and masked runs go in font 0, short object names, ^FH only where needed.
    expect(perLabel[0]).toBeLessThanOrEqual(wholeLabelBytes(0) / 2);
    // A steady-state label, with printer memory resolved, renders in zpl-renderer-js with the
    // waybill barcode readable.
    const last = printed[19];
    const png = await renderer.render(text(last?.preview ?? new Uint8Array()), 100, 150, 8);
    expect(await decodeCode128(png)).toEqual([streamWaybill(19).waybill_no]);
  });

  it("a printer restart loses the graphics: a label sent without reset() misses them", () => {
    const { sim, session } = printerWithSession();
    sim.receive(session.compile(layoutWaybill100x150(streamWaybill(0))));
    sim.restart();
    sim.receive(session.compile(layoutWaybill100x150(streamWaybill(4))));
    expect(sim.state().missingGraphics).toBeGreaterThan(0);
    // What the runtime does on reconnect: reset, and everything is downloaded again.
    const { sim: sim2, session: s2 } = printerWithSession();
    sim2.receive(s2.compile(layoutWaybill100x150(streamWaybill(0))));
    sim2.restart();
    s2.reset();
    sim2.receive(s2.compile(layoutWaybill100x150(streamWaybill(4))));
    expect(sim2.state().missingGraphics).toBe(0);
  });

  it("refuses a graphic whose CRC is wrong, as a printer does", () => {
    const { sim } = printerWithSession();
    sim.receive(new TextEncoder().encode("~DGR:G0.GRF,4,2,:Z64:eJz7//8/AwAI+wL+:a935\n"));
    sim.receive(new TextEncoder().encode("~DGR:G1.GRF,4,2,:Z64:eJz7//8/AwAI+wL+:a934\n"));
    expect(sim.state()).toMatchObject({ badGraphics: 1, graphics: ["R:G1.GRF"] });
  });
});
