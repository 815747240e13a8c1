import { describe, expect, it } from "vitest";
import {
  checkPhone,
  parsePhone,
  parseInstant,
  type PhoneContext,
} from "../../../src/privacy/phone.ts";

const NOW = Date.parse("2026-11-30T08:00:00.000Z");

function ctx(over: Partial<PhoneContext> = {}): PhoneContext {
  return {
    phoneMinHidden: 6,
    now: NOW,
    organization: false,
    recipientSide: true,
    phoneKind: undefined,
    bindingExpiresAt: undefined,
    waybillNo: undefined,
    ...over,
  };
}

describe("checkPhone: masked numbers", () => {
  it.each([
    "138******78",
    "*******5678",
    "1*********8",
    "138 ****** 78",
    "１３８＊＊＊＊＊＊７８",
    "+86 138******78",
    "***********",
    "0571-******34",
    "0571******23",
  ])("accepts %s (≥6 hidden)", (phone) => {
    expect(checkPhone(phone, ctx())).toEqual({ ok: true });
  });

  it("rejects the common 138****5678 by default (4 hidden)", () => {
    expect(checkPhone("138****5678", ctx())).toEqual({ ok: false, rule: "phone.too_few_hidden" });
    expect(checkPhone("138-****-5678", ctx())).toEqual({ ok: false, rule: "phone.too_few_hidden" });
    expect(checkPhone("0571-****1234", ctx())).toEqual({ ok: false, rule: "phone.too_few_hidden" });
  });

  it("honours the phoneMinHidden threshold", () => {
    expect(checkPhone("138****5678", ctx({ phoneMinHidden: 4 }))).toEqual({ ok: true });
    expect(checkPhone("138*****678", ctx({ phoneMinHidden: 4 }))).toEqual({ ok: true });
    expect(checkPhone("138******78", ctx({ phoneMinHidden: 7 }))).toEqual({
      ok: false,
      rule: "phone.too_few_hidden",
    });
    expect(checkPhone("13812345678", ctx({ phoneMinHidden: 4 }))).toEqual({
      ok: false,
      rule: "phone.unmasked",
    });
  });

  it("counts hidden digits exactly (the parse, not a pattern match)", () => {
    expect(parsePhone("138******78")).toEqual({
      shape: { kind: "mobile", hidden: 6 },
      extension: false,
    });
    expect(parsePhone("138*****678")).toEqual({
      shape: { kind: "mobile", hidden: 5 },
      extension: false,
    });
    expect(checkPhone("138*****678", ctx())).toEqual({ ok: false, rule: "phone.too_few_hidden" });
  });
});

describe("checkPhone: unmasked numbers", () => {
  it.each([
    "13812345678",
    "１３８１２３４５６７８",
    "138-1234-5678",
    "138 1234 5678",
    "138—1234—5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "86 13812345678",
    "008613812345678",
    "0571-88881234",
    "(0571) 8888 1234",
    "010-12345678",
    "+86 571 8888 1234",
    "1401234567890",
  ])("rejects %s", (phone) => {
    const verdict = checkPhone(phone, ctx());
    expect(verdict.ok).toBe(false);
  });

  it("names the rule phone.unmasked for complete mobiles and landlines", () => {
    expect(checkPhone("138 1234 5678", ctx())).toEqual({ ok: false, rule: "phone.unmasked" });
    expect(checkPhone("0571-88881234", ctx())).toEqual({ ok: false, rule: "phone.unmasked" });
    expect(checkPhone("+86 571 8888 1234", ctx())).toEqual({ ok: false, rule: "phone.unmasked" });
    expect(checkPhone("1401234567890", ctx())).toEqual({ ok: false, rule: "phone.unmasked" }); // IoT, 13 digits
  });
});

describe("checkPhone: virtual secure numbers", () => {
  it.each([
    "17012345678-123",
    "170 1234 5678 转 123",
    "17012345678转1234",
    "17012345678,12",
    "17012345678，12",
    "17012345678#12",
    "17012345678 ext 12",
    "17012345678ext.9",
    "0571******23转1009",
    "0571-88881234-123",
  ])("accepts %s (main number + extension)", (phone) => {
    expect(checkPhone(phone, ctx())).toEqual({ ok: true });
  });

  it("rejects an extension longer than 4 digits", () => {
    expect(checkPhone("17012345678-12345", ctx()).ok).toBe(false);
  });

  it("accepts a full number only with phone_kind virtual and a binding in the future", () => {
    const future = "2026-12-01T00:00:00Z";
    expect(
      checkPhone("17012345678", ctx({ phoneKind: "virtual", bindingExpiresAt: future })),
    ).toEqual({ ok: true });
    expect(
      checkPhone("17012345678", ctx({ phoneKind: "virtual", bindingExpiresAt: NOW + 1 })),
    ).toEqual({ ok: true });
  });

  it("rejects a declared virtual number whose binding has expired", () => {
    expect(
      checkPhone(
        "17012345678",
        ctx({ phoneKind: "virtual", bindingExpiresAt: "2026-11-30T07:59:59Z" }),
      ),
    ).toEqual({
      ok: false,
      rule: "phone.virtual_binding_expired",
    });
    expect(checkPhone("17012345678", ctx({ phoneKind: "virtual", bindingExpiresAt: NOW }))).toEqual(
      {
        ok: false,
        rule: "phone.virtual_binding_expired",
      },
    );
  });

  it("rejects a declared virtual number without a readable binding", () => {
    for (const bindingExpiresAt of [undefined, "tomorrow", "2026-12-01", Number.NaN]) {
      expect(checkPhone("17012345678", ctx({ phoneKind: "virtual", bindingExpiresAt }))).toEqual({
        ok: false,
        rule: "phone.virtual_binding_missing",
      });
    }
  });

  it("rejects a full number with a binding but no virtual declaration", () => {
    expect(checkPhone("17012345678", ctx({ bindingExpiresAt: "2026-12-01T00:00:00Z" }))).toEqual({
      ok: false,
      rule: "phone.unmasked",
    });
    expect(
      checkPhone(
        "17012345678",
        ctx({ phoneKind: "real", bindingExpiresAt: "2026-12-01T00:00:00Z" }),
      ),
    ).toEqual({
      ok: false,
      rule: "phone.unmasked",
    });
  });

  it("parses binding times strictly", () => {
    expect(parseInstant("2026-12-01T00:00:00.000+08:00")).toBe(Date.parse("2026-11-30T16:00:00Z"));
    expect(parseInstant("Dec 1 2026")).toBeUndefined();
    expect(parseInstant(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe("checkPhone: service numbers", () => {
  it.each(["4001234567", "400-123-4567", "800 123 4567", "95338"])(
    "accepts %s for an organization sender",
    (phone) => {
      expect(checkPhone(phone, ctx({ organization: true, recipientSide: false }))).toEqual({
        ok: true,
      });
    },
  );

  it("rejects a service number for a person or for the recipient", () => {
    const rule = "phone.service_number_not_organization";
    expect(checkPhone("4001234567", ctx({ recipientSide: false }))).toEqual({ ok: false, rule });
    expect(checkPhone("4001234567", ctx({ organization: true, recipientSide: true }))).toEqual({
      ok: false,
      rule,
    });
  });
});

describe("checkPhone: everything else", () => {
  it("rejects a waybill number in the phone field", () => {
    expect(checkPhone("SF1234567890123", ctx())).toEqual({
      ok: false,
      rule: "phone.looks_like_waybill",
    });
    expect(checkPhone("73123456789012", ctx())).toEqual({
      ok: false,
      rule: "phone.looks_like_waybill",
    });
    expect(checkPhone("JT0001234567890", ctx({ waybillNo: "JT0001234567890" }))).toEqual({
      ok: false,
      rule: "phone.looks_like_waybill",
    });
  });

  it("fails closed on values it cannot read", () => {
    for (const phone of ["unknown", "12345", "138xxxx5678", "138××××××78", "+1 415 555 0100"]) {
      expect(checkPhone(phone, ctx())).toEqual({ ok: false, rule: "phone.unrecognized" });
    }
  });

  it("accepts an empty field", () => {
    expect(checkPhone("  ", ctx())).toEqual({ ok: true });
  });
});
