/**
 * The TSPL compiler session against the TSPL simulator: a text graphic is sent inline (BITMAP) the
 * first time, goes to the printer's DRAM when it recurs (DOWNLOAD of a 1-bit BMP) and is printed
 * from there after (PUTBMP); a restarted printer has lost them, and reset() — what the runtime
 * does on reconnect — sends them again.
 */
import { describe, expect, it } from "vitest";
import { bitmapsEqual } from "../../../drivers/label/bitmap.ts";
import { compileTspl } from "../../../drivers/tspl/compile.ts";
import { interpretTspl } from "../../../drivers/tspl/interpret.ts";
import { createTsplCompiler } from "../../../drivers/tspl/session.ts";
import { createTsplSimulator } from "../../../drivers/tspl/simulator.ts";
import type { DeviceProfile } from "../../../drivers/types.ts";
import { encodeBmp1 } from "../../../firmware-protocols/tspl/bmp.ts";
import { layoutWaybill100x150 } from "../../../src/templates/waybill-100x150.ts";
import { streamWaybill, waybillStream } from "../label/fixtures.ts";

const P: DeviceProfile = { dpi: 203, widthMm: 100, heightMm: 150 };
const latin1 = (b: Uint8Array): string => new TextDecoder("latin1").decode(b);
const count = (b: Uint8Array, what: RegExp): number => latin1(b).match(what)?.length ?? 0;

function printer() {
  const jobs: Array<{ bytes: Uint8Array; preview?: Uint8Array }> = [];
  const sim = createTsplSimulator({ reply: () => undefined, printed: (j) => jobs.push(j) });
  return { sim, jobs };
}

describe("TSPL compiler session: text graphics in printer memory", () => {
  it("inline the first time, downloaded when it recurs, from memory after; labels print as without", () => {
    const { sim, jobs } = printer();
    const session = createTsplCompiler(P);
    const labels = waybillStream(12).map(layoutWaybill100x150);
    const sent = labels.map((l) => session.compile(l));
    for (const b of sent) sim.receive(b);
    // The cold label is the stateless one byte for byte: nothing is stored yet.
    expect(latin1(sent[0]!)).toBe(latin1(compileTspl(labels[0]!, P)));
    expect(count(sent[0]!, /^DOWNLOAD /gm)).toBe(0);
    expect(count(sent[0]!, /^BITMAP /gm)).toBeGreaterThan(5);
    // Label 2 (another destination) repeats the captions and the sender: those are downloaded,
    // the new destination's graphics go inline.
    expect(count(sent[1]!, /^DOWNLOAD "G[0-9A-Z]+\.BMP",\d+,/gm)).toBeGreaterThan(3);
    expect(count(sent[1]!, /^BITMAP /gm)).toBeGreaterThan(0);
    // Label 5 repeats label 1's destination: its graphics are downloaded now, label 9 repeats it
    // again and downloads nothing but what is new (the recipient's name at most).
    expect(count(sent[4]!, /^DOWNLOAD /gm)).toBeGreaterThan(0);
    expect(count(sent[8]!, /^DOWNLOAD /gm)).toBeLessThanOrEqual(1);
    expect(count(sent[8]!, /^PUTBMP \d+,\d+,"G[0-9A-Z]+\.BMP"\r$/gm)).toBeGreaterThan(5);
    expect(sent[9]!.length).toBeLessThan(compileTspl(labels[9]!, P).length / 5);
    // No graphic is ever downloaded twice while the printer keeps it.
    const names = sent.flatMap((b) => latin1(b).match(/^DOWNLOAD "G[0-9A-Z]+\.BMP"/gm) ?? []);
    expect(new Set(names).size).toBe(names.length);
    expect(sim.state()).toMatchObject({ printed: 12, missingFiles: 0, malformed: 0 });
    // Every label, drawn from the simulator's preview (memory resolved), is dot for dot the
    // stateless label with inline BITMAPs.
    labels.forEach((l, i) => {
      const got = interpretTspl(jobs[i]!.preview ?? jobs[i]!.bytes, 203).labels[0]?.bitmap;
      const want = interpretTspl(compileTspl(l, P), 203).labels[0]?.bitmap;
      expect(got && want && bitmapsEqual(got, want)).toBe(true);
    });
  });

  it("a graphic seen once is never stored; maxSeen bounds what is remembered", () => {
    const session = createTsplCompiler(P, { maxSeen: 1 });
    const l = layoutWaybill100x150(streamWaybill(0));
    // With one fingerprint remembered, each graphic pushes out the one before it ere it recurs:
    // the label is sent inline again, nothing is stored.
    session.compile(l);
    const second = session.compile(l);
    expect(count(second, /^DOWNLOAD /gm)).toBe(0);
    expect(latin1(second)).toBe(latin1(compileTspl(l, P)));
    const roomy = createTsplCompiler(P);
    roomy.compile(l);
    expect(count(roomy.compile(l), /^DOWNLOAD /gm)).toBe(count(compileTspl(l, P), /^BITMAP /gm));
  });

  it("a restarted printer has lost its DRAM: without reset() the graphics are missing", () => {
    const { sim } = printer();
    const session = createTsplCompiler(P);
    sim.receive(session.compile(layoutWaybill100x150(streamWaybill(0))));
    sim.receive(session.compile(layoutWaybill100x150(streamWaybill(4))));
    expect(sim.state().files.length).toBeGreaterThan(5);
    sim.restart();
    expect(sim.state().files).toEqual([]);
    sim.receive(session.compile(layoutWaybill100x150(streamWaybill(4))));
    expect(sim.state().missingFiles).toBeGreaterThan(0);

    const { sim: sim2 } = printer();
    const s2 = createTsplCompiler(P);
    sim2.receive(s2.compile(layoutWaybill100x150(streamWaybill(0))));
    sim2.receive(s2.compile(layoutWaybill100x150(streamWaybill(4))));
    sim2.restart();
    s2.reset();
    // After reset() the stored graphics are downloaded again at once (not first sent inline).
    const again = s2.compile(layoutWaybill100x150(streamWaybill(8)));
    sim2.receive(again);
    expect(count(again, /^DOWNLOAD /gm)).toBeGreaterThan(5);
    expect(sim2.state()).toMatchObject({ printed: 3, missingFiles: 0 });
  });

  it("keeps at most maxFiles files: the least recently used are KILLed", () => {
    const { sim } = printer();
    const session = createTsplCompiler(P, { maxFiles: 12 });
    for (const d of waybillStream(6)) {
      const b = session.compile(layoutWaybill100x150(d));
      sim.receive(b);
      expect(sim.state().files.length).toBeLessThanOrEqual(12 + 11);
    }
    const last = session.compile(layoutWaybill100x150(streamWaybill(6)));
    sim.receive(last);
    expect(count(last, /^KILL "G[0-9A-Z]+\.BMP"\r$/gm)).toBeGreaterThan(0);
    expect(sim.state().missingFiles).toBe(0);
  });

  it("simulator memory: any 8.3 name; KILL deletes; flash files survive a restart, DRAM ones not", () => {
    const { sim, jobs } = printer();
    const bmp = encodeBmp1({ width: 8, height: 2, bytesPerRow: 1, data: Uint8Array.of(0xff, 0) });
    const send = (s: string, data?: Uint8Array): void =>
      sim.receive(
        Uint8Array.from([...Uint8Array.from(s, (c) => c.charCodeAt(0)), ...(data ?? []), 13, 10]),
      );
    send(`DOWNLOAD "logo.bmp",${bmp.length},`, bmp);
    send(`DOWNLOAD F,"KEEP.BMP",${bmp.length},`, bmp);
    send('SIZE 10 mm,10 mm\r\nCLS\r\nPUTBMP 0,0,"logo.bmp"\r\nPUTBMP 0,4,"KEEP.BMP"\r\nPRINT 1,1');
    expect(sim.state()).toMatchObject({ files: ["KEEP.BMP", "logo.bmp"], missingFiles: 0 });
    const page = interpretTspl(jobs[0]!.preview!, 203).labels[0]!.bitmap;
    expect([0, 4].map((y) => page.data[y * page.bytesPerRow])).toEqual([0xff, 0xff]);
    send('KILL "logo.bmp"');
    expect(sim.state().files).toEqual(["KEEP.BMP"]);
    send(`DOWNLOAD "TMP.BMP",${bmp.length},`, bmp);
    sim.restart();
    expect(sim.state().files).toEqual(["KEEP.BMP"]);
    send('CLS\r\nPUTBMP 0,0,"TMP.BMP"\r\nPRINT 1,1');
    expect(sim.state().missingFiles).toBe(1);
  });
});
