import { describe, expect, it } from "vitest";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { snapshotFromHqes } from "../../../drivers/zebra-zpl/status.ts";
import { createHqesDecoder, encodeHqesReply } from "../../../firmware-protocols/zpl/hqes.ts";
import { ascii } from "./helpers.ts";

/** Real captures (reference §1.3): ZT410 media out + ribbon out + paused; ZE500 head open. */
const frame = (errors: string): Uint8Array =>
  ascii(
    `\x02\r\n  PRINTER STATUS\r\n   ERRORS:         ${errors}\r\n   WARNINGS:       0 00000000 00000000\r\n\x03`,
  );
const ZT410 = frame("1 00000000 00010003");
const ZE500 = frame("1 00000000 00000004");

describe("~HQES (reference §1.3 captures)", () => {
  it("decodes the ZT410 and ZE500 captures at every split, after stray bytes", () => {
    for (const [bytes, conditions] of [
      [ZT410, ["media_out", "paused", "ribbon_out"]],
      [ZE500, ["head_open"]],
    ] as const) {
      for (let at = 0; at <= bytes.length; at++) {
        const d = createHqesDecoder();
        const evs = [
          ...d.push(Uint8Array.of(0x41, 0x0d, ...bytes.subarray(0, at))),
          ...d.push(bytes.subarray(at)),
        ];
        expect(evs).toHaveLength(1);
        const ev = evs[0];
        if (ev?.type !== "hqes") throw new Error("not decoded");
        expect(snapshotFromHqes(ev, "", 0)).toMatchObject({ state: "error", conditions });
      }
    }
  });

  it("reads A–F hex digits and reports a frame without the lines as malformed", () => {
    const [ev] = createHqesDecoder().push(frame("1 00000000 0000000A"));
    expect(ev).toMatchObject({ type: "hqes", errors1: 0x0a });
    expect(createHqesDecoder().push(ascii("\x02PRINTER STATUS\x03"))).toEqual([
      { type: "malformed", code: "bad_frame", offset: 0 },
    ]);
  });

  it("the simulator answers ~HQES with its faults, in the captured layout", () => {
    const replies: number[] = [];
    const sim = createZplSimulator({
      sink: { reply: (b) => replies.push(...b), printed: () => undefined },
    });
    sim.setFault("media_out", true);
    sim.setFault("ribbon_out", true);
    sim.setFault("paused", true);
    sim.receive(ascii("~HQES"));
    expect(Uint8Array.from(replies)).toEqual(ZT410);
    expect(encodeHqesReply(0x4, 0)).toEqual(ZE500);
  });
});
