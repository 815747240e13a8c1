import { describe, expect, it } from "vitest";
import { scanFreeText } from "../../../src/privacy/free-text.ts";

const unmasked = { ok: false, rule: "phone.unmasked" };

describe("scanFreeText: phones", () => {
  it.each([
    "13812345678",
    "１３８１２３４５６７８",
    "１３８ 1234 5678",
    "138-1234-5678",
    "138 1234 5678",
    "138 - 1234 - 5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "0086 13812345678",
    "008613812345678",
    "联系13812345678",
    "tel13812345678",
    "_13812345678_",
    "****13812345678",
    "件数5 138-1234-5678",
    "0571-88881234",
    "(0571) 8888 1234",
    "010-12345678",
    "138\u200b1234\u200b5678",
  ])("finds an unmasked phone in %s", (text) => {
    expect(scanFreeText(text, 6)).toEqual(unmasked);
  });

  it("finds a masked mobile that hides too few digits, honouring the threshold", () => {
    expect(scanFreeText("备注 138****5678", 6)).toEqual({
      ok: false,
      rule: "phone.too_few_hidden",
    });
    expect(scanFreeText("备注 138****5678", 4)).toEqual({ ok: true });
    expect(scanFreeText("备注 138******78", 6)).toEqual({ ok: true });
  });

  it.each([
    ["a ZTO waybill number", "73123456789012"],
    ["a 13-digit millisecond timestamp", "1732000000000"],
    ["a sort code", "300-W05-00"],
    ["a sort code", "571-A12-03"],
    ["an 11-digit window inside a longer digit string", "20231381234567899"],
    ["a window at the start of a longer string", "138123456789"],
    ["a window at the end of a longer string", "913812345678"],
    ["an SF waybill number", "SF1381234567890"],
    ["86 glued to a mobile without +", "8613812345678"],
    ["a date and time", "2026-11-30 08:00:00"],
    ["a destination", "杭州转运中心"],
    ["a 12-digit number starting with 1", "138123456780"],
  ])("does not flag %s (%s)", (_what, text) => {
    expect(scanFreeText(text, 6)).toEqual({ ok: true });
  });
});

describe("scanFreeText: resident IDs", () => {
  it("finds an ID before anything else", () => {
    expect(scanFreeText("13812345678 360426199101010071", 6)).toEqual({
      ok: false,
      rule: "resident_id.present",
    });
  });

  it("does not take a bad checksum for an ID", () => {
    expect(scanFreeText("360426199101010072", 6)).toEqual({ ok: true });
  });
});
