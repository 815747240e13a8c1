/**
 * Property (fast-check): whatever a field holds — `^`, `~`, `"`, `\`, control bytes, mixed
 * Chinese — each language's simulator interpreter (not the compiler's code) sees exactly one
 * label, executes only the commands a compiler emits, and prints the text and barcode data as
 * given; text a language cannot carry is rasterized (a graphics command), never dropped or
 * altered.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileCpcl } from "../../../drivers/cpcl/compile.ts";
import { interpretCpcl } from "../../../drivers/cpcl/interpret.ts";
import { compileEscpos } from "../../../drivers/escpos/compile.ts";
import { interpretEscpos } from "../../../drivers/escpos/interpret.ts";
import { encodeGbk } from "../../../drivers/label/gb18030.ts";
import type { Label } from "../../../drivers/label/model.ts";
import { compileTspl } from "../../../drivers/tspl/compile.ts";
import { interpretTspl } from "../../../drivers/tspl/interpret.ts";
import { createTsplCompiler } from "../../../drivers/tspl/session.ts";
import { createTsplSimulator } from "../../../drivers/tspl/simulator.ts";
import type { DeviceProfile } from "../../../drivers/types.ts";
import { compileZpl, createZplCompiler } from "../../../drivers/zebra-zpl/compile.ts";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { decodeFields, parseAll } from "../../firmware-protocols/zpl/helpers.ts";

const PIECES = [
  "^",
  "~",
  '"',
  "\\",
  ",",
  "_",
  "{",
  "!",
  "\r",
  "\n",
  "\u0000",
  "\u001b",
  "\u0010",
  "\u007f",
  "^XZ",
  "~JA",
  "PRINT",
  '\\["]',
  "张",
  "*",
  "杭州",
  "转运",
  "A",
  "7",
  " ",
  "\u00e9",
  "\u{1F600}",
];
const hostile = fc
  .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 12 })
  .map((a) => a.join(""));
const barcodeData = fc
  .array(fc.constantFrom("^", "~", '"', "\\", ",", "{", "!", "A", "7", " ", "_"), {
    minLength: 1,
    maxLength: 16,
  })
  .map((a) => a.join(""));

const label = (text: string, data: string): Label => ({
  widthMm: 100,
  heightMm: 60,
  elements: [
    { type: "text", xMm: 3, yMm: 3, sizeMm: 4, text },
    { type: "barcode", symbology: "code128", xMm: 5, yMm: 20, heightMm: 10, moduleMm: 0.25, data },
  ],
});

/** Text a resident-font path can carry as given: no control bytes, no backslash, in GBK. */
const carriable = (t: string): boolean =>
  !/[\x00-\x1f\x7f\\]/.test(t) && encodeGbk(t) !== undefined;
const RUNS = { numRuns: 60 };
/** Text with nothing to draw (spaces, controls) may leave no graphics at all. */
const blank = (t: string): boolean => /^[\s\x00-\x1f\x7f]*$/.test(t);
/**
 * The fallback for text a language cannot carry: graphics (`gfx`) for what has ink, number-like
 * runs natively — each exactly a piece of the input; never nothing for visible text.
 */
function expectFallback(
  l: { commands: string[]; texts: string[] },
  gfx: string,
  text: string,
): void {
  for (const t of l.texts) expect(text).toContain(t);
  if (!blank(text)) expect(l.commands.includes(gfx) || l.texts.length > 0).toBe(true);
  if (/[^\x00-\x7f]/.test(text)) expect(l.commands).toContain(gfx);
}

describe("no field content acts as a command, in any language", () => {
  it("ZPL: one format, no control command, fields decode to the text and data as given", () => {
    const profile: DeviceProfile = {
      dpi: 203,
      widthMm: 100,
      heightMm: 60,
      cjkFont: "E:SIMSUN.TTF",
    };
    fc.assert(
      fc.property(hostile, barcodeData, (text, data) => {
        const bytes = compileZpl(label(text, data), profile);
        const events = parseAll(bytes);
        expect(events.map((e) => e.type)).toEqual(["format"]);
        expect(decodeFields(bytes)).toEqual([text, data]);
      }),
      RUNS,
    );
  });

  it("ZPL without a CJK font (session): only ~DG downloads besides one format; one label printed", () => {
    const profile: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 60 };
    fc.assert(
      fc.property(hostile, barcodeData, (text, data) => {
        const bytes = createZplCompiler(profile).compile(label(text, data));
        const events = parseAll(bytes);
        expect(events.filter((e) => e.type === "format")).toHaveLength(1);
        for (const e of events) if (e.type === "control") expect(e.command).toBe("DG");
        expect(events.some((e) => e.type === "malformed")).toBe(false);
        let printed = 0;
        const sim = createZplSimulator({
          sink: { reply: () => undefined, printed: () => printed++ },
        });
        sim.receive(bytes);
        expect(printed).toBe(1);
        expect(sim.state()).toMatchObject({ badGraphics: 0, missingGraphics: 0 });
        expect(decodeFields(bytes)).toContain(data);
      }),
      { numRuns: 30 },
    );
  });

  it("TSPL: one label, only compiler commands, text and data as given (or a BITMAP)", () => {
    const profile: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 60, cjkFont: "TSS24.BF2" };
    const allowed = new Set([
      "SIZE",
      "GAP",
      "DIRECTION",
      "CLS",
      "TEXT",
      "BITMAP",
      "BARCODE",
      "PRINT",
    ]);
    fc.assert(
      fc.property(hostile, barcodeData, (text, data) => {
        const r = interpretTspl(compileTspl(label(text, data), profile), 203);
        expect(r.malformed).toBe(0);
        expect(r.labels).toHaveLength(1);
        const l = r.labels[0]!;
        for (const c of l.commands) expect(allowed).toContain(c);
        if (carriable(text)) expect(l.texts).toEqual([text]);
        else expectFallback(l, "BITMAP", text);
        expect(l.barcodes).toEqual(data.includes("\\") ? [] : [data]);
      }),
      RUNS,
    );
  });

  it("TSPL without a CJK font (session): BITMAP first, DOWNLOAD + PUTBMP on a repeat; one label each, printed as given", () => {
    const profile: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 60 };
    const allowed = new Set(["SIZE", "GAP", "DIRECTION", "CLS", "TEXT", "PUTBMP", "BITMAP"]);
    fc.assert(
      fc.property(hostile, barcodeData, (text, data) => {
        const session = createTsplCompiler(profile);
        // The first label carries its graphics inline; the same label again stores and recalls them.
        [session.compile(label(text, data)), session.compile(label(text, data))].forEach(
          (bytes, i) => {
            const jobs: Array<{ bytes: Uint8Array; preview?: Uint8Array }> = [];
            const sim = createTsplSimulator({
              reply: () => undefined,
              printed: (j) => jobs.push(j),
            });
            sim.receive(bytes);
            expect(jobs).toHaveLength(1);
            expect(sim.state()).toMatchObject({ malformed: 0, missingFiles: 0, immediates: [] });
            const r = interpretTspl(jobs[0]?.preview ?? bytes, 203);
            expect(r).toMatchObject({ malformed: 0, missingFiles: 0 });
            expect(r.labels).toHaveLength(1);
            const l = r.labels[0]!;
            for (const c of l.commands) expect([...allowed, "BARCODE", "PRINT"]).toContain(c);
            expectFallback(l, i === 0 ? "BITMAP" : "PUTBMP", text);
            expect(l.barcodes).toEqual(data.includes("\\") ? [] : [data]);
          },
        );
      }),
      { numRuns: 30 },
    );
  });

  it("ESC/POS: one label, only compiler commands, text and data as given (or a raster)", () => {
    const profile: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 60, cjkFont: "GB18030" };
    const allowed = new Set([
      "ESC @",
      "ESC J",
      "ESC 3",
      "GS !",
      "ESC $",
      "FS &",
      "FS .",
      "GS v 0",
      "GS H",
      "GS h",
      "GS w",
      "GS k",
      "GS V",
      // page mode, for a band whose ink is narrower than the label
      "ESC L",
      "ESC W",
      "ESC T",
      "GS $",
      "FF",
    ]);
    fc.assert(
      fc.property(hostile, barcodeData, (text, data) => {
        const r = interpretEscpos(compileEscpos(label(text, data), profile), 203, 799);
        expect(r.malformed).toBe(0);
        expect(r.labels).toHaveLength(1);
        const l = r.labels[0]!;
        for (const c of l.commands) expect(allowed).toContain(c);
        const carried = carriable(text.replace(/\\/g, "/"));
        if (carried && !/[\x00-\x1f\x7f]/.test(text)) expect(l.texts).toEqual([text]);
        else expectFallback(l, "GS v 0", text);
        expect(l.barcodes).toEqual([data]);
      }),
      RUNS,
    );
  });

  it("CPCL: one label, only compiler commands, text and data as given (or EG graphics)", () => {
    const profile: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 60, cjkFont: "55" };
    const allowed = new Set([
      "!",
      "PAGE-WIDTH",
      "SETMAG",
      "TEXT",
      "EG",
      "BARCODE",
      "FORM",
      "PRINT",
    ]);
    fc.assert(
      fc.property(hostile, barcodeData, (text, data) => {
        const r = interpretCpcl(compileCpcl(label(text, data), profile), 203, 799);
        expect(r.malformed).toBe(0);
        expect(r.labels).toHaveLength(1);
        const l = r.labels[0]!;
        for (const c of l.commands) expect(allowed).toContain(c);
        if (!/[\x00-\x1f\x7f]/.test(text) && encodeGbk(text) !== undefined)
          expect(l.texts).toEqual([text]);
        else expectFallback(l, "EG", text);
        expect(l.barcodes).toEqual([data]);
      }),
      RUNS,
    );
  });
});
