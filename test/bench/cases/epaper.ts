/**
 * E-paper updates (issue #6): bytes over the air per bag-tag update, compressed (OEPL data type
 * 0x30, zlib with a 4 KB window over the header and planes) next to the raw planes (0x20 / 0x21)
 * of the same image, for 20 bag tags on three tag types; and the time to render + pack + compress
 * one update next to rendering alone. Smaller is better; `ratio` is figure / baseline.
 */
import { layoutBagTagForTag } from "../../../drivers/epaper/layout.ts";
import { encodeForTag, rasterizeForTag, type TagProfile } from "../../../drivers/epaper/raster.ts";
import { tagProfile } from "../../../drivers/oepl-ap/index.ts";
import { CAP_COMPRESSION } from "../../../firmware-protocols/oepl/index.ts";
import { compileWaveshare, PANEL } from "../../../drivers/waveshare-epaper/compile.ts";
import { layoutBagTag100x70 } from "../../../src/templates/bag-tag-100x70.ts";
import { median, monoMs, round } from "../lib/stats.ts";
import type { BenchCase, BenchResult } from "../types.ts";

const DESTS = ["杭州转运中心", "深圳宝安转运中心", "北京顺义分拨中心", "成都双流转运中心"];

function bags(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    bag_no: `BAG${String(5710012 + i * 37).padStart(7, "0")}`,
    destination: DESTS[i % DESTS.length]!,
    sort_code: `571-A${String(10 + (i % 7)).padStart(2, "0")}`,
    pieces: 10 + ((i * 13) % 90),
    weight_g: 5000 + i * 311,
  }));
}

export const benchCase: BenchCase = {
  id: "epaper",
  async run(ctx) {
    const results: BenchResult[] = [];
    const data = bags(ctx.quick ? 5 : 20);
    const types: Array<[string, TagProfile]> = [
      [
        '2.9" BWR 296×128 (0x01 size; that type sends raw, zlib shown for comparison)',
        { ...tagProfile(0x01)!, zlib: true },
      ],
      ['M3 2.9" BWR 384×168 (0x33)', tagProfile(0x33, CAP_COMPRESSION)!],
      ['M2 7.4" BWR 640×384 (0x05)', tagProfile(0x05, CAP_COMPRESSION)!],
    ];
    for (const [name, tag] of types) {
      const sent: number[] = [];
      const raw: number[] = [];
      const encodeMs: number[] = [];
      const renderMs: number[] = [];
      for (const d of data) {
        const l = layoutBagTagForTag(d, tag);
        let t = monoMs();
        const img = rasterizeForTag(l.label, tag, l.accent);
        renderMs.push(monoMs() - t);
        t = monoMs();
        const p = encodeForTag(img, tag);
        encodeMs.push(monoMs() - t);
        sent.push(p.bytes.length);
        raw.push(p.rawBytes);
      }
      const b = median(raw);
      results.push({
        name: `epaper bytes per update, ${name}`,
        unit: "bytes/update",
        median: median(sent),
        baseline: { name: "raw planes (0x20/0x21)", median: b },
        ratio: round(median(sent) / b, 4),
        note: "zlib 4 KB window; smaller is better",
      });
      results.push({
        name: `epaper pack + compress, ${name}`,
        unit: "ms",
        median: round(median(encodeMs), 3),
        baseline: { name: "render at tag resolution", median: round(median(renderMs), 3) },
        ratio: round(median(encodeMs) / Math.max(1e-6, median(renderMs)), 4),
      });
    }
    // The Waveshare UART panel draws with its own commands: frames per update vs the panel's
    // 2-bit framebuffer (what a bitmap upload would be, had the module one).
    const frames = data.map((d) => compileWaveshare(layoutBagTag100x70(d)).length);
    const fbBytes = (PANEL.width * PANEL.height) / 4;
    results.push({
      name: 'epaper bytes per update, Waveshare 4.3" UART frames',
      unit: "bytes/update",
      median: median(frames),
      baseline: { name: "800×600 2-bit framebuffer", median: fbBytes },
      ratio: round(median(frames) / fbBytes, 4),
      note: "text in on-board fonts, barcode bar by bar; smaller is better",
    });
    ctx.log(`epaper: ${data.length} bag tags on ${types.length} tag types and the UART panel`);
    return results;
  },
};
