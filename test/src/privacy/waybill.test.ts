import { describe, expect, it } from "vitest";
import {
  createWaybillDetector,
  DEFAULT_WAYBILL_DETECTOR,
  guardWaybillData,
  normalizeText,
} from "../../../src/privacy/index.ts";

/**
 * Waybill numbers in text: the built-in carrier shapes (reference §B.3) and a site's configured
 * formats (`waybills.carriers`). The corpus (corpus.test.ts) covers the built-in shapes through
 * the whole guard; this file covers the site formats and the token boundaries. Numbers are
 * synthetic.
 */
const NOW = Date.parse("2026-11-30T08:00:00.000Z");
const inText = (d: typeof DEFAULT_WAYBILL_DETECTOR, text: string, own?: string) =>
  d.inText(normalizeText(text), own);

describe("site carrier formats", () => {
  const site = createWaybillDetector([
    { pattern: "KY\\d{12}" },
    { ranges: [{ from: "88100000000000", to: "88199999999999" }] },
    { prefixes: ["ZX"] },
    { prefixes: [], ranges: [] }, // declares nothing: ignored
  ]);

  it("finds a number of a configured pattern anywhere, without a keyword", () => {
    expect(inText(site, "转 KY123456789012")).toBe(true);
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "转 KY123456789012")).toBe(false);
    expect(inText(site, "转 KY1234567890")).toBe(false); // too short for the pattern
  });

  it("finds a digit-only number inside a configured range, not outside it", () => {
    expect(inText(site, "区 88150000000000")).toBe(true);
    expect(inText(site, "区 88250000000000")).toBe(false);
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "区 88150000000000")).toBe(false);
  });

  it("takes a bare prefix only with at least 8 digits after it", () => {
    expect(inText(site, "ZX12345678")).toBe(true);
    expect(inText(site, "ZX1234567")).toBe(false);
    expect(inText(site, "ZX快递")).toBe(false);
  });

  it("keeps the built-in shapes when a site configures its own", () => {
    expect(inText(site, "退货 JDX012345678901")).toBe(true);
  });

  it("is what the guard uses when given", () => {
    const data = {
      waybill_no: "KY123456789099",
      destination: "杭州 KY123456789012",
    };
    expect(guardWaybillData(data, { now: NOW })).toEqual({ ok: true });
    expect(guardWaybillData(data, { now: NOW, waybills: site })).toEqual({
      ok: false,
      path: "destination",
      rule: "text.waybill_number",
    });
  });
});

describe("token boundaries", () => {
  it("does not take a shape out of a longer run of letters and digits", () => {
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "XSF1234567890123")).toBe(false);
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "SF12345678901234")).toBe(false);
  });
  it("joins digit groups split by spaces or dashes, and stops at other text", () => {
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "SF 1234 5678 90123 2件")).toBe(true);
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "单号：SF1234567890123。")).toBe(true);
  });
  it("finds the job's own number only as a whole token", () => {
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "A 75138123456789", "75138123456789")).toBe(true);
    expect(inText(DEFAULT_WAYBILL_DETECTOR, "A 751381234567890", "75138123456789")).toBe(false);
  });
});
