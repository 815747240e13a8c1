import { describe, expect, it } from "vitest";
import {
  isDelivered,
  normalizeMac,
  parseTagRecord,
  parseTagsMessage,
} from "../../../firmware-protocols/oepl/index.ts";

const rec = (o: Record<string, unknown>) =>
  parseTagRecord({
    mac: "0000021EDE2A3B01",
    hash: "aa",
    updatelast: 100,
    updatecount: 3,
    pending: 0,
    ...o,
  })!;

describe("OEPL tag records (device-protocols.md §6.1)", () => {
  it("parses the WebSocket push and get_db shape; drops records without a valid MAC", () => {
    const r = parseTagsMessage(
      JSON.stringify({
        tags: [
          { mac: "021ede2a3b01", RSSI: -61, LQI: 99, batteryMv: 2900, nextcheckin: 5, pending: 1 },
          { mac: "nope" },
        ],
      }),
    );
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({
      mac: "0000021EDE2A3B01",
      RSSI: -61,
      LQI: 99,
      batteryMv: 2900,
      pending: 1,
    });
    expect(parseTagsMessage('{"sys":{"heap":1}}')).toEqual([]);
    expect(parseTagsMessage("not json")).toEqual([]);
    expect(normalizeMac("0000021ede2a3b01")).toBe("0000021EDE2A3B01");
    expect(normalizeMac("12345")).toBeUndefined();
  });

  it("delivered: pending back at 0 and updatelast, updatecount or hash changed", () => {
    const before = rec({});
    expect(isDelivered(before, rec({ pending: 1, updatelast: 101 }))).toBe(false);
    expect(isDelivered(before, rec({ updatelast: 101 }))).toBe(true);
    expect(isDelivered(before, rec({ hash: "bb" }))).toBe(true);
    expect(isDelivered(before, rec({ updatecount: 4 }))).toBe(true);
    expect(isDelivered(before, rec({}))).toBe(false);
  });

  it("the same content again within the same second: delivered only once its pending was seen", () => {
    const before = rec({});
    expect(isDelivered(before, rec({}), false)).toBe(false);
    expect(isDelivered(before, rec({}), true)).toBe(true);
    expect(isDelivered(before, rec({ pending: 1 }), true)).toBe(false);
  });
});
