import { describe, expect, it } from "vitest";
import {
  checkAllowedFields,
  guardPayload,
  WAYBILL_100X150_FIELDS,
  guardText,
  guardWaybillData,
  PRIVACY_RULES,
  type GuardResult,
} from "../../../src/privacy/index.ts";
import { sample, withField } from "./sample.ts";

// Synthetic, de-identified data only (STYLE.md "Tests"). The unmasked numbers below are invented
// examples of the shapes in reference/audit-and-privacy.md §B.6.
const NOW = Date.parse("2026-11-30T08:00:00.000Z");
const VALID_ID = "360426199101010071";
const BAD_CHECK_ID = "360426199101010072";

function guard(data: unknown, phoneMinHidden?: number): GuardResult {
  return guardWaybillData(data, { now: NOW, phoneMinHidden });
}

describe("guardWaybillData: accepts de-identified data", () => {
  it("accepts the DESIGN.md §3 sample", () => {
    expect(guard(sample())).toEqual({ ok: true });
  });

  it.each([
    ["recipient.name", "张*"],
    ["recipient.name", "欧阳**"],
    ["recipient.name", "李女士"],
    ["recipient.phone", "138******78"],
    ["recipient.phone", "*******5678"],
    ["recipient.phone", "17012345678-123"],
    ["recipient.phone", "0571******23转1009"],
    ["recipient.address", "浙江省杭州市余杭区****"],
  ])("accepts the §B.6 vector %s = %s", (path, value) => {
    expect(guard(withField(path, value))).toEqual({ ok: true });
  });

  it.each([
    ["a ZTO waybill number in waybill_no", "waybill_no", "73123456789012"],
    ["an EMS-shaped number starting 86 in waybill_no", "waybill_no", "8613812345678"],
    ["a 13-digit timestamp in a numeric field", "item.created_ms", 1732000000000],
    ["a 13-digit timestamp in a string field", "remarks", "1732000000000"],
    ["the sort code 300-W05-00", "sort_code", "300-W05-00"],
    ["a bad-checksum ID-like number", "item.order_no", BAD_CHECK_ID],
    ["an 11-digit window inside a longer digit string", "item.order_no", "20231381234567899"],
  ])("does not flag %s", (_what, path, value) => {
    expect(guard(withField(path, value))).toEqual({ ok: true });
  });

  it("lets an organization sender's full name and service number through", () => {
    const data = withField("sender", {
      sender_kind: "organization",
      name: "某某官方旗舰店",
      phone: "400-123-4567",
      address: "广东省深圳市南山区****",
    });
    expect(guard(data)).toEqual({ ok: true });
  });

  it("accepts a full virtual number with a declared, unexpired binding", () => {
    const data = withField("recipient", {
      name: "张*",
      phone: "17012345678",
      address: "浙江省杭州市余杭区****",
      phone_kind: "virtual",
      binding_expires_at: "2026-12-07T08:00:00.000Z",
    });
    expect(guard(data)).toEqual({ ok: true });
  });

  it("accepts 138****5678 when phoneMinHidden is 4", () => {
    expect(guard(withField("recipient.phone", "138****5678"), 4)).toEqual({ ok: true });
  });
});

describe("guardWaybillData: rejects with the path and rule", () => {
  it.each([
    ["recipient.name", "张三", "name.unmasked"],
    ["sender.name", "欧阳娜娜", "name.unmasked"],
    ["recipient.phone", "138****5678", "phone.too_few_hidden"],
    ["recipient.phone", "13812345678", "phone.unmasked"],
    ["recipient.phone", "１３８１２３４５６７８", "phone.unmasked"],
    ["recipient.phone", "138-1234-5678", "phone.unmasked"],
    ["recipient.phone", "138 1234 5678", "phone.unmasked"],
    ["recipient.phone", "+86 138 1234 5678", "phone.unmasked"],
    ["sender.phone", "4001234567", "phone.service_number_not_organization"],
    ["recipient.address", "浙江省杭州市余杭区文一西路1号3幢2单元501室", "address.unit_room"],
    ["recipient.address", "浙江省杭州市余杭区****3-2-501", "address.unit_room"],
    ["recipient.address", "浙江省杭州市余杭区文一西路", "address.no_mask"],
    ["recipient.phone", "SF1234567890123", "phone.looks_like_waybill"],
    ["recipient.name", "SF1234567890123", "name.looks_like_waybill"],
    ["sender.address", "SF1234567890123", "address.looks_like_waybill"],
    ["waybill_no", "13812345678", "waybill_no.looks_like_phone"],
    ["destination", "杭州 13812345678", "phone.unmasked"],
    ["item.category", "日用品 138-1234-5678", "phone.unmasked"],
    ["sort_code", "571-13812345678", "phone.unmasked"],
    ["remarks", "联系 138****5678", "phone.too_few_hidden"],
  ])("%s = %s → %s", (path, value, rule) => {
    expect(guard(withField(path, value))).toEqual({ ok: false, path, rule });
  });

  it.each([
    "waybill_no",
    "carrier",
    "sort_code",
    "destination",
    "recipient.name",
    "recipient.phone",
    "recipient.address",
    "sender.name",
    "item.category",
    "remarks.text",
  ])("rejects a resident ID in %s", (path) => {
    expect(guard(withField(path, VALID_ID))).toEqual({
      ok: false,
      path,
      rule: "resident_id.present",
    });
  });

  it("rejects resident IDs written full-width, separated or inside text", () => {
    for (const value of [
      "３６０４２６１９９１０１０１００７１",
      "3604 2619 9101 0100 71",
      "360426-19910101-0071",
      `证件号:${VALID_ID}。`,
    ]) {
      expect(guard(withField("item.category", value))).toEqual({
        ok: false,
        path: "item.category",
        rule: "resident_id.present",
      });
    }
  });

  it("rejects a full virtual number whose binding expired or is missing", () => {
    const recipient = {
      name: "张*",
      phone: "17012345678",
      address: "浙江省杭州市余杭区****",
      phone_kind: "virtual",
    };
    expect(
      guard(withField("recipient", { ...recipient, binding_expires_at: "2026-11-30T07:00:00Z" })),
    ).toEqual({
      ok: false,
      path: "recipient.phone",
      rule: "phone.virtual_binding_expired",
    });
    expect(guard(withField("recipient", recipient))).toEqual({
      ok: false,
      path: "recipient.phone",
      rule: "phone.virtual_binding_missing",
    });
  });

  it("rejects a service number as the recipient's phone even for an organization", () => {
    const data = withField("recipient", {
      sender_kind: "organization",
      name: "某某公司",
      phone: "95338",
      address: "浙江省杭州市余杭区****",
    });
    expect(guard(data)).toEqual({
      ok: false,
      path: "recipient.phone",
      rule: "phone.service_number_not_organization",
    });
  });

  it("does not extend an organization's declaration to a contact person nested in it", () => {
    const data = withField("sender", {
      sender_kind: "organization",
      name: "某某旗舰店",
      contact: { name: "王五" },
    });
    expect(guard(data)).toEqual({ ok: false, path: "sender.contact.name", rule: "name.unmasked" });
  });

  it("checks numbers as text: a numeric phone is a phone", () => {
    expect(guard(withField("recipient.phone", 13812345678))).toEqual({
      ok: false,
      path: "recipient.phone",
      rule: "phone.unmasked",
    });
    expect(guard(withField("item.ref", 13812345678))).toEqual({
      ok: false,
      path: "item.ref",
      rule: "phone.unmasked",
    });
  });

  it("walks arrays and reports the index", () => {
    const data = withField("items", [{ category: "书籍" }, { category: `日用品 ${VALID_ID}` }]);
    expect(guard(data)).toEqual({
      ok: false,
      path: "items[1].category",
      rule: "resident_id.present",
    });
    expect(guard(withField("recipient.phone", ["138******78", "13812345678"]))).toEqual({
      ok: false,
      path: "recipient.phone[1]",
      rule: "phone.unmasked",
    });
  });

  it("checks flattened typed keys by their name", () => {
    expect(guard(withField("recipient_phone", "17012345678-12"))).toEqual({ ok: true });
    expect(guard(withField("recipient_phone", "13812345678"))).toEqual({
      ok: false,
      path: "recipient_phone",
      rule: "phone.unmasked",
    });
    expect(guard(withField("sender_name", "张三"))).toEqual({
      ok: false,
      path: "sender_name",
      rule: "name.unmasked",
    });
  });
});

describe("guardWaybillData: order and paths", () => {
  it("returns the first failure in sorted key order, whatever order the producer wrote", () => {
    const a = {
      ...sample(),
      sender: { name: "李四", phone: "13812345678", address: "广东省" },
      destination: "13912345678",
    };
    const b = Object.fromEntries(Object.entries(a).reverse());
    expect(guard(a)).toEqual({ ok: false, path: "destination", rule: "phone.unmasked" });
    expect(guard(b)).toEqual(guard(a));
    // Within one party: address < name < phone.
    expect(guard({ sender: { phone: "13812345678", name: "李四", address: "广东省" } })).toEqual({
      ok: false,
      path: "sender.address",
      rule: "address.no_mask",
    });
  });

  it("never echoes a key that holds personal data or is not a plain identifier", () => {
    const byPhone = withField("remarks", { "13812345678": "x" });
    expect(guard(byPhone)).toEqual({ ok: false, path: "remarks[key#0]", rule: "phone.unmasked" });
    const hanKey = withField("remarks", { 备注: "13812345678" });
    expect(guard(hanKey)).toEqual({ ok: false, path: "remarks[key#0]", rule: "phone.unmasked" });
  });

  it("fails closed on values that are not JSON data", () => {
    expect(guard("13812345678")).toEqual({ ok: false, path: "$", rule: "data.not_object" });
    expect(guard([])).toEqual({ ok: false, path: "$", rule: "data.not_object" });
    expect(guard(withField("item.when", new Date(0)))).toEqual({
      ok: false,
      path: "item.when",
      rule: "data.unsupported_value",
    });
    expect(guard(withField("item.tags", new Map([["a", "13812345678"]])))).toEqual({
      ok: false,
      path: "item.tags",
      rule: "data.unsupported_value",
    });
    const cyclic = sample();
    cyclic["self"] = cyclic;
    expect(guard(cyclic)).toEqual({ ok: false, path: "self", rule: "data.cycle" });
    let deep: Record<string, unknown> = { leaf: "ok" };
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(guard(deep)).toMatchObject({ ok: false, rule: "data.too_deep" });
  });

  it("accepts the same object twice in different branches (a DAG is not a cycle)", () => {
    const shared = { category: "书籍" };
    expect(guard(withField("items", [shared, shared]))).toEqual({ ok: true });
  });

  it("rejects a phoneMinHidden outside 1–11", () => {
    for (const bad of [0, 12, 5.5, Number.NaN]) {
      expect(() => guard(sample(), bad)).toThrow(RangeError);
    }
  });
});

describe("results never contain the offending value", () => {
  it.each([
    ["recipient.phone", "13812345678"],
    ["recipient.phone", "138****5678"],
    ["recipient.name", "张三"],
    ["recipient.address", "浙江省杭州市余杭区文一西路1号3幢2单元501室"],
    ["destination", `杭州${VALID_ID}`],
    ["item.category", "日用品13812345678"],
    ["remarks.13812345678", "x"],
  ])("%s", (path, value) => {
    const result = guard(withField(path, value));
    expect(result.ok).toBe(false);
    const json = JSON.stringify(result);
    expect(json).not.toContain(value);
    for (const digits of value.match(/\d{4,}/g) ?? []) expect(json).not.toContain(digits);
  });
});

describe("guardText", () => {
  it("accepts a waybill number or an opaque token", () => {
    expect(guardText("SF1234567890123", "qr")).toEqual({ ok: true });
    expect(guardText("tok_9f8e7d6c5b4a", "rfid.epc")).toEqual({ ok: true });
  });

  it("rejects phones and IDs with the given path", () => {
    expect(guardText("https://example.invalid/t?m=13812345678", "qr")).toEqual({
      ok: false,
      path: "qr",
      rule: "phone.unmasked",
    });
    expect(guardText(VALID_ID, "epaper.line2")).toEqual({
      ok: false,
      path: "epaper.line2",
      rule: "resident_id.present",
    });
    expect(guardText("138****5678", "qr", { phoneMinHidden: 4 })).toEqual({ ok: true });
  });
});

describe("PRIVACY_RULES", () => {
  it("every rule id can be produced by the guard (no dead ids)", () => {
    const deep = (): Record<string, unknown> => {
      let d: Record<string, unknown> = {};
      for (let i = 0; i < 40; i++) d = { d };
      return d;
    };
    const cyclic = sample();
    cyclic["self"] = cyclic;
    const inputs: unknown[] = [
      withField("recipient.name", "张三"),
      withField("recipient.name", "John S****"),
      withField("recipient.name", "SF1234567890123"),
      withField("recipient.phone", "13812345678"),
      withField("recipient.phone", "138****5678"),
      withField("recipient", { phone: "17012345678", phone_kind: "virtual" }),
      withField("recipient", {
        phone: "17012345678",
        phone_kind: "virtual",
        binding_expires_at: "2020-01-01T00:00:00Z",
      }),
      withField("recipient.phone", "4001234567"),
      withField("recipient.phone", "unknown"),
      withField("recipient.phone", "SF1234567890123"),
      withField("recipient.address", "浙江省****2单元"),
      withField("recipient.address", "浙江省"),
      withField("recipient.address", "SF1234567890123"),
      withField("remarks", VALID_ID),
      withField("remarks", "360426********0071"),
      withField("remarks", "改寄 JT0013812345678"),
      withField("waybill_no", "13812345678"),
      "not an object",
      withField("item.when", new Date(0)),
      deep(),
      cyclic,
    ];
    const seen = new Set(
      inputs.map((d) => {
        const r = guard(d);
        return r.ok ? "ok" : r.rule;
      }),
    );
    // The two rules of the other entry points: the field allow-list and the tag payload check.
    const unknown = checkAllowedFields(withField("remarks", "x"), WAYBILL_100X150_FIELDS);
    if (!unknown.ok) seen.add(unknown.rule);
    const payload = guardPayload("张*", "qr");
    if (!payload.ok) seen.add(payload.rule);
    expect([...seen].sort()).toEqual(Object.keys(PRIVACY_RULES).sort());
  });
});
