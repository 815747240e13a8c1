/**
 * `~JX` Cancel Current Partially Input Format (ZPL II Programming Guide, ~JX) in the device-side
 * parser and the simulator: the format being received is thrown away; complete formats, held
 * ones and what follows are untouched.
 */
import { describe, expect, it } from "vitest";
import { createZplStreamParser } from "../../../firmware-protocols/zpl/stream-parser.ts";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import { text, utf8 } from "./helpers.ts";

const PART = "^XA^FO10,10^A0N,30,30^FDTEST-0";
const REST = "70809^FS^XZ";
const FULL = "^XA^FO20,20^GB100,2,2^FS^XZ";

const run = (chunks: string[]) => {
  const printed: string[] = [];
  const sim = createZplSimulator({
    sink: { reply: () => undefined, printed: (f) => printed.push(text(f.bytes)) },
  });
  for (const c of chunks) sim.receive(utf8(c));
  return { printed, state: sim.state() };
};

describe("~JX cancels the partially received format", () => {
  it("the driver's cancel command is ~JX", () => {
    expect(text(zebraZpl.cancelPartialFormat!)).toBe("~JX");
  });

  it("parser: the partial format is dropped, the control event says it was inside one", () => {
    const p = createZplStreamParser();
    expect(p.push(utf8(PART))).toEqual([]);
    expect(p.inFormat).toBe(true);
    const evs = p.push(utf8("~JX"));
    expect(evs).toEqual([
      { type: "control", command: "JX", params: "", offset: PART.length, inFormat: true },
    ]);
    expect(p.inFormat).toBe(false);
    // The next format is parsed on its own: no `unterminated_format`, nothing of PART in it.
    const next = p.push(utf8(FULL));
    expect(next.map((e) => e.type)).toEqual(["format"]);
    expect(text((next[0] as { bytes: Uint8Array }).bytes)).toBe(FULL);
  });

  it("simulator: without ~JX the rest of a cut label would join the partial one; with it, nothing prints", () => {
    // A host that resends the tail of a label (or any bytes not starting with ^XA) after a cut:
    const joined = run([PART, REST]);
    expect(joined.printed).toEqual([PART + REST]);
    const cancelled = run([PART, "~JX", REST, FULL]);
    expect(cancelled.printed).toEqual([FULL]);
    expect(cancelled.state.partialFormat).toBe(false);
    expect(cancelled.state.controls).toContain("JX");
  });

  it("~JX outside a format, or after a complete one, changes nothing; held formats stay held", () => {
    expect(run(["~JX", FULL]).printed).toEqual([FULL]);
    const printed: string[] = [];
    const sim = createZplSimulator({
      sink: { reply: () => undefined, printed: (f) => printed.push(text(f.bytes)) },
    });
    sim.setFault("media_out", true);
    sim.receive(utf8(FULL));
    sim.receive(utf8(PART + "~JX"));
    expect(sim.state().held).toBe(1);
    sim.setFault("media_out", false);
    expect(printed).toEqual([FULL]);
  });
});
