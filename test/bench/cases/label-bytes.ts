/**
 * Label compilers (issue #3), each figure next to a baseline from the same run:
 * - compile time per label per language (the stream of 20 waybills over 4 destinations), next to
 *   rendering the same label to a 1-bit bitmap with the label renderer (what every language would
 *   pay for a whole-label bitmap);
 * - ZPL bytes per label, cold (first label) and steady (labels 11–20), and the 20-label total,
 *   next to the same labels sent as whole-label `^GF` Z64 bitmaps (zlib level 9);
 * - the same for TSPL without a resident CJK font (text graphics inline when first seen, kept in
 *   DRAM as BMP files when they recur), next to the labels with inline `BITMAP`s;
 * - transfer time at 115,200 baud (8N1: 10 bits per byte) per steady-state label, next to the
 *   whole-label bitmap's.
 * Smaller is better everywhere; `ratio` is figure / baseline.
 */
import { deflateSync } from "node:zlib";
import { compileCpcl } from "../../../drivers/cpcl/compile.ts";
import { compileEscpos } from "../../../drivers/escpos/compile.ts";
import { renderLabel } from "../../../drivers/label/render.ts";
import type { Label } from "../../../drivers/label/model.ts";
import { compileTspl } from "../../../drivers/tspl/compile.ts";
import { createTsplCompiler } from "../../../drivers/tspl/session.ts";
import type { DeviceProfile } from "../../../drivers/types.ts";
import { createZplCompiler } from "../../../drivers/zebra-zpl/compile.ts";
import { encodeZ64 } from "../../../firmware-protocols/zpl/graphics.ts";
import { layoutWaybill100x150 } from "../../../src/templates/waybill-100x150.ts";
import { waybillStream } from "../../drivers/label/fixtures.ts";
import { median, monoMs, round } from "../lib/stats.ts";
import type { BenchCase, BenchResult } from "../types.ts";

const P: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 150 };

function wholeLabelZpl(label: Label): number {
  const b = renderLabel(label, 203);
  const z = encodeZ64(new Uint8Array(deflateSync(b.data, { level: 9, memLevel: 9 })));
  return `^XA^PW${b.width}^LL${b.height}^FO0,0^GFA,${b.data.length},${b.data.length},${b.bytesPerRow},${z}^FS^XZ`
    .length;
}

const ratio = (a: number, b: number): number => round(a / b, 4);
/** Seconds on a 115,200 baud 8N1 line. */
const serialMs = (bytes: number): number => round((bytes * 10 * 1000) / 115_200, 1);

export const benchCase: BenchCase = {
  id: "label-bytes",
  async run(ctx) {
    const labels = waybillStream(20).map(layoutWaybill100x150);
    const reps = ctx.quick ? 1 : 3;
    const results: BenchResult[] = [];

    // Baseline: the label renderer (whole-label bitmap) per label.
    const renderMs: number[] = [];
    for (let r = 0; r < reps; r++)
      for (const l of labels) {
        const t = monoMs();
        renderLabel(l, 203);
        renderMs.push(monoMs() - t);
      }
    const baseline = {
      name: "render whole label to 1-bit bitmap",
      median: round(median(renderMs), 2),
    };
    const languages: Array<[string, (l: Label) => Uint8Array, DeviceProfile]> = [
      [
        "ZPL (session, no CJK font)",
        (() => {
          let s = createZplCompiler(P);
          return (l: Label) => {
            if (l === labels[0]) s = createZplCompiler(P);
            return s.compile(l);
          };
        })(),
        P,
      ],
      ["TSPL (TSS24.BF2)", (l) => compileTspl(l, { ...P, cjkFont: "TSS24.BF2" }), P],
      ["TSPL (no CJK font)", (l) => compileTspl(l, P), P],
      ["ESC/POS (GB 18030)", (l) => compileEscpos(l, { ...P, cjkFont: "GB18030" }), P],
      ["ESC/POS (no CJK font)", (l) => compileEscpos(l, P), P],
      ["CPCL (no CJK font)", (l) => compileCpcl(l, P), P],
    ];
    for (const [name, compile] of languages) {
      const ms: number[] = [];
      for (let r = 0; r < reps; r++)
        for (const l of labels) {
          const t = monoMs();
          compile(l);
          ms.push(monoMs() - t);
        }
      const m = round(median(ms), 2);
      results.push({
        name: `compile ${name}`,
        unit: "ms/label",
        median: m,
        baseline,
        ratio: ratio(m, baseline.median),
        note: "smaller is better",
      });
    }

    // ZPL bytes: one session over the stream, against whole-label Z64 bitmaps.
    const session = createZplCompiler(P);
    const sent = labels.map((l) => session.compile(l).length);
    const whole = labels.map(wholeLabelZpl);
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
    const steady = median(sent.slice(10));
    const steadyWhole = median(whole.slice(10));
    results.push(
      {
        name: "ZPL bytes, first label (cold)",
        unit: "bytes/label",
        median: sent[0] ?? 0,
        baseline: { name: "whole-label Z64 bitmap", median: whole[0] ?? 0 },
        ratio: ratio(sent[0] ?? 0, whole[0] ?? 1),
        target: { text: "≤ 0.5 of the bitmap", met: (sent[0] ?? 0) <= (whole[0] ?? 0) / 2 },
      },
      {
        name: "ZPL bytes, steady state (labels 11–20)",
        unit: "bytes/label",
        median: steady,
        baseline: { name: "whole-label Z64 bitmap", median: steadyWhole },
        ratio: ratio(steady, steadyWhole),
      },
      {
        name: "ZPL bytes, 20 waybills over 4 destinations",
        unit: "bytes",
        median: sum(sent),
        baseline: { name: "20 whole-label Z64 bitmaps", median: sum(whole) },
        ratio: ratio(sum(sent), sum(whole)),
        target: { text: "≤ 0.1 of the bitmaps", met: sum(sent) <= sum(whole) / 10 },
      },
      {
        name: "ZPL transfer at 115,200 baud, steady-state label",
        unit: "ms/label",
        median: serialMs(steady),
        baseline: { name: "whole-label Z64 bitmap", median: serialMs(steadyWhole) },
        ratio: ratio(steady, steadyWhole),
      },
    );
    // TSPL without a resident CJK font: text graphics kept in DRAM (DOWNLOAD once, PUTBMP after)
    // against the same labels with inline BITMAPs.
    const tspl = createTsplCompiler(P);
    const tsplSent = labels.map((l) => tspl.compile(l).length);
    const tsplInline = labels.map((l) => compileTspl(l, P).length);
    results.push(
      {
        name: "TSPL bytes (session, no CJK font), first label (cold)",
        unit: "bytes/label",
        median: tsplSent[0] ?? 0,
        baseline: { name: "the same label, inline BITMAP", median: tsplInline[0] ?? 0 },
        ratio: ratio(tsplSent[0] ?? 0, tsplInline[0] ?? 1),
        note: "a graphic goes inline (BITMAP) when first seen, to DRAM (DOWNLOAD) when it recurs",
      },
      {
        name: "TSPL bytes (session, no CJK font), steady state (labels 11–20)",
        unit: "bytes/label",
        median: median(tsplSent.slice(10)),
        baseline: { name: "the same labels, inline BITMAP", median: median(tsplInline.slice(10)) },
        ratio: ratio(median(tsplSent.slice(10)), median(tsplInline.slice(10))),
      },
      {
        name: "TSPL bytes (session, no CJK font), 20 waybills over 4 destinations",
        unit: "bytes",
        median: sum(tsplSent),
        baseline: { name: "20 whole-label Z64 bitmaps (ZPL)", median: sum(whole) },
        ratio: ratio(sum(tsplSent), sum(whole)),
      },
    );
    for (const [name, compile] of languages.slice(1)) {
      const b = compile(labels[0] as Label).length;
      results.push({
        name: `${name} bytes, first label`,
        unit: "bytes/label",
        median: b,
        baseline: { name: "whole-label Z64 bitmap (ZPL)", median: whole[0] ?? 0 },
        ratio: ratio(b, whole[0] ?? 1),
        note: "no printer memory used: every label is like the first",
      });
    }
    ctx.log(`ZPL bytes per label: ${sent.join(" ")}`);
    return results;
  },
};
