import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createHostedZplRfid } from "../../../src/simulators/rfid.ts";

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);
const LABEL = ascii("^XA^FO20,20^A0N,30,30^FDSF9000000000001^FS^PQ1^XZ");
const GETVAR = ascii('! U1 getvar "odometer.total_label_count"\r\n');

/**
 * The daemon-hosted ZPL printer keeps its label odometer in `<dir>/odometer`, written before the
 * label's own output, so a new simulator on the same directory (a restarted daemon) answers
 * `odometer.total_label_count` from where the last one stopped.
 */
describe("hosted ZPL printer odometer", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-odometer-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("survives the simulator being created again on the same directory", () => {
    const replies: string[] = [];
    const printed: number[] = [];
    const sink = {
      reply: (b: Uint8Array) => replies.push(text(b)),
      printed: (f: { index: number }) => printed.push(f.index),
    };
    const first = createHostedZplRfid(sink, "ZT410", dir).simulator;
    first.receive(LABEL);
    first.receive(LABEL);
    expect(printed).toEqual([1, 2]);
    expect(readFileSync(join(dir, "odometer"), "utf8")).toBe("2");
    const second = createHostedZplRfid(sink, "ZT410", dir).simulator;
    second.receive(GETVAR);
    expect(replies.at(-1)).toBe('"2"');
    second.receive(LABEL);
    second.receive(GETVAR);
    expect(replies.at(-1)).toBe('"3"');
  });
});
