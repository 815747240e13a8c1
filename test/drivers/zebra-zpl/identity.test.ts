import { describe, expect, it } from "vitest";
import {
  MAX_IDENTITY_REPLY_BYTES,
  parseHostIdentification,
  parseSerialNumberReply,
  zplIdentityQuery,
} from "../../../drivers/zebra-zpl/identity.ts";
import { createZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { compareIdentity } from "../../../src/devices/identity.ts";

/** The simulator's reply to the identity request, as a printer sends it. */
function simulatorReply(o: { identity?: string; serialNumber?: string } = {}): Uint8Array {
  const out: number[] = [];
  const sim = createZplSimulator({
    ...o,
    sink: { reply: (b) => out.push(...b), printed: () => undefined },
  });
  sim.receive(zplIdentityQuery.request);
  return Uint8Array.from(out);
}

describe("ZPL identity (~HI, ~HQSN)", () => {
  it("asks with ~HI~HQSN", () => {
    expect(new TextDecoder().decode(zplIdentityQuery.request)).toBe("~HI~HQSN");
  });

  it("reads model, firmware and serial from the reply split at every offset", () => {
    const reply = simulatorReply({ serialNumber: "99J204600042" });
    for (let cut = 0; cut <= reply.byteLength; cut++) {
      const r = zplIdentityQuery.createReader();
      const a = r.push(reply.subarray(0, cut));
      const b = r.push(reply.subarray(cut));
      expect(a ?? b).toEqual({
        model: "ZT410-200dpi",
        firmware: "V75.19.15Z",
        serial: "99J204600042",
      });
    }
  });

  it("parses the real ~HI reply and skips the ~HQSN heading", () => {
    expect(parseHostIdentification("ZT410-200dpi,V75.19.15Z,8,4096KB")).toEqual({
      model: "ZT410-200dpi",
      firmware: "V75.19.15Z",
    });
    expect(parseSerialNumberReply("\r\nSERIAL NUMBER\r\n 99J1 \r\n")).toBe("99J1");
    expect(parseSerialNumberReply("\r\nSERIAL NUMBER\r\n")).toBeUndefined();
  });

  it("gives up on an endless reply without a second frame", () => {
    const r = zplIdentityQuery.createReader();
    expect(r.push(new Uint8Array(MAX_IDENTITY_REPLY_BYTES + 10).fill(0x41))).toBeUndefined();
    expect(r.push(simulatorReply())).toBeUndefined();
  });

  it("compares with the registered unit: serial exact, model and firmware by prefix", () => {
    const reported = { model: "ZT410-200dpi", firmware: "V75.19.15Z", serial: "99J1" };
    expect(compareIdentity({}, undefined)).toBeUndefined();
    expect(compareIdentity({ serial: "99J1", model: "zt410" }, reported)).toBeUndefined();
    expect(compareIdentity({ serial: "99J2" }, reported)).toBe("serial_mismatch");
    expect(compareIdentity({ model: "ZD421" }, reported)).toBe("model_mismatch");
    expect(compareIdentity({ firmware: "V80" }, reported)).toBe("firmware_mismatch");
    expect(compareIdentity({ serial: "99J1" }, undefined)).toBe("identity_unreadable");
  });
});
