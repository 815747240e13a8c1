import { describe, expect, it } from "vitest";
import {
  checkAllowedFields,
  guardPayload,
  guardWaybillData,
  remaskPhones,
  residentIdCheckChar,
  WAYBILL_100X150_FIELDS,
} from "../../../src/privacy/index.ts";
import { withFields } from "./sample.ts";

/**
 * The corpus of issue #8: de-identified forms that must pass, and personal data in many disguises
 * that must be refused, through the same checks the intake runs (allow-list, then the guard).
 * All numbers are synthetic. The count is asserted, so the corpus cannot shrink unnoticed.
 */
const NOW = Date.parse("2026-11-30T08:00:00.000Z");
const FUTURE = "2026-12-07T08:00:00.000Z";
const PAST = "2026-11-01T08:00:00.000Z";

/** A valid resident ID number from its first 17 characters (GB 11643-1999 MOD 11-2). */
function residentId(first17: string): string {
  return first17 + residentIdCheckChar(first17)!;
}
/** IDs whose check character is X (found by walking the sequence code). */
function residentIdsWithX(count: number): string[] {
  const out: string[] = [];
  for (let seq = 100; out.length < count && seq < 999; seq++) {
    const id = residentId(`33010619880215${seq}`);
    if (id.endsWith("X")) out.push(id);
  }
  return out;
}

const ID1 = residentId("11010519491231002");
const ID2 = residentId("44030420000229123");
const [IDX1, IDX2] = residentIdsWithX(2) as [string, string];
const toFullWidth = (s: string) =>
  s.replace(/[0-9A-Za-z*+\-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

type Case = { name: string; data: Record<string, unknown>; path?: string };

const valid: Case[] = [];
const personal: Case[] = [];
const ok = (name: string, fields: Record<string, unknown>) =>
  valid.push({ name, data: withFields(fields) });
const bad = (name: string, fields: Record<string, unknown>, path: string) =>
  personal.push({ name, data: withFields(fields), path });

// ---- valid de-identified forms ---------------------------------------------------------------
ok("the sample", {});
for (const name of [
  "张*",
  "李**",
  "欧阳**",
  "*明",
  "王*华",
  "司马**",
  "张先生",
  "李女士",
  "**",
  "*",
])
  ok(`name ${name}`, { "recipient.name": name });
for (const name of ["J*** S****", "M*****", "A** B*****", "Zh*** S**"])
  ok(`non-Han name ${name}`, { "recipient.name": name });
ok("organization sender", {
  "sender.name": "杭州某某贸易有限公司",
  "sender.sender_kind": "organization",
});
for (const phone of [
  "138******78",
  "*******5678",
  "1**********",
  "***********",
  "138*******8",
  "13*******78",
  "138 **** **78",
  "138-****-**78",
  "+86 138******78",
  "0086-138******78",
  "１３８＊＊＊＊＊＊７８",
  "138＊＊＊＊＊＊78",
  "1*********8",
  "159******01",
  "199******99",
])
  ok(`masked mobile ${phone}`, { "recipient.phone": phone });
for (const phone of [
  "17012345678-123",
  "17012345678转1009",
  "17012345678,12",
  "17012345678#12",
  "17012345678 ext 12",
  "0571******23转1009",
])
  ok(`virtual number with extension ${phone}`, { "recipient.phone": phone });
ok("virtual number with a future binding", {
  "recipient.phone": "17012345678",
  "recipient.phone_kind": "virtual",
  "recipient.binding_expires_at": FUTURE,
});
for (const phone of ["0571-******78", "010-******78", "(0571)******78", "0755 ******34"])
  ok(`masked landline ${phone}`, { "sender.phone": phone });
for (const phone of ["400-123-4567", "95338", "800-810-8888"])
  ok(`service number of an organization sender ${phone}`, {
    "sender.phone": phone,
    "sender.sender_kind": "organization",
  });
for (const address of [
  "浙江省杭州市余杭区****",
  "广东省深圳市南山区**路**号",
  "北京市朝阳区****小区",
  "上海市浦东新区**镇****",
  "四川省成都市武侯区***",
  "江苏省南京市鼓楼区**街道**",
  "湖北省武汉市洪山区＊＊＊＊",
  "重庆市渝中区**",
])
  ok(`masked address ${address}`, { "recipient.address": address });
for (const waybill of [
  "SF1234567890123",
  "JDX012345678901",
  "YT1234567890123",
  "75138123456789",
  "73100000000000",
  "431381234567812",
  "9813812345678",
  "JT0013812345678",
  "DPK123456789012",
  "621381234567890",
  "sf1234567890123",
  "SF 1234 5678 90123",
])
  ok(`waybill number with phone-like digits ${waybill}`, { waybill_no: waybill });
for (const sort of ["571-A12-03", "755W-012", "021-B-17", "13-8-12", "010 A 23"])
  ok(`sort code ${sort}`, { sort_code: sort });
for (const dest of ["杭州转运中心", "深圳南山集散点", "Hub 12 / Gate 3", "上海浦东分拨中心-2"])
  ok(`destination ${dest}`, { destination: dest });
for (const category of ["日用品", "文件", "电子产品 2件", "服装 x3", "食品（冷链）"])
  ok(`category ${category}`, { "item.category": category });
for (const weight of [0, 1, 1200, 999999, 13812345])
  ok(`weight ${weight}`, { "item.weight_g": weight });

// Numbers in text fields that are not waybill numbers: digit-only carrier shapes count in free
// text only next to a waybill keyword (reference §B.5 pitfall 1, §B.6).
ok("a millisecond timestamp in a numeric field", { "item.weight_g": 1732000000000 });
ok("an ISBN-13 in the item category", { "item.category": "图书 9787111111111" });
ok("an order number in the item category", { "item.category": "订单 202611300001234" });
ok("a 13-digit number in the destination", { destination: "Hub 1732000000000" });
ok("a carrier's name in the destination", { destination: "SF 顺丰中转场 A12" });
ok("a keyword with a short number", { "item.category": "快递 5件" });
ok("a long sort code", { sort_code: "571-A12-03-0001" });
ok("a ZTO-like number glued into a longer digit run", {
  "item.category": "运单 7513812345678901",
});

// ---- personal data in disguises --------------------------------------------------------------
const mobiles = [
  "13812345678",
  "138-1234-5678",
  "138 1234 5678",
  "138.1234.5678",
  "(138)12345678",
  "+86 138 1234 5678",
  "+8613812345678",
  "0086-138-1234-5678",
  "8613812345678",
  "１３８１２３４５６７８",
  "１３８－１２３４－５６７８",
  "+８６ １３８ １２３４ ５６７８",
  "138****5678",
  "138*****678",
  "１３８＊＊＊＊５６７８",
  "+86 138****5678",
  "1381234****",
  "****1234567",
  "15900001111",
  "19912345678",
];
for (const m of mobiles)
  bad(`mobile ${m} as recipient phone`, { "recipient.phone": m }, "payload.data.recipient.phone");
for (const m of mobiles.slice(0, 12))
  bad(`mobile ${m} as sender phone`, { "sender.phone": m }, "payload.data.sender.phone");
for (const m of ["13812345678", "138 1234 5678", "+86 138-1234-5678", "１３８１２３４５６７８"]) {
  bad(`mobile ${m} in destination`, { destination: `杭州 ${m}` }, "payload.data.destination");
  bad(`mobile ${m} in category`, { "item.category": `电话${m}` }, "payload.data.item.category");
  bad(`mobile ${m} in sort code`, { sort_code: `A1 ${m}` }, "payload.data.sort_code");
  bad(
    `mobile ${m} in the address`,
    { "recipient.address": `浙江省杭州市****，${m}` },
    "payload.data.recipient.address",
  );
  bad(`mobile ${m} in the name`, { "recipient.name": `张* ${m}` }, "payload.data.recipient.name");
}
for (const l of [
  "0571-87654321",
  "057187654321",
  "(0571)87654321",
  "010-12345678",
  "0571-****4321",
])
  bad(`landline ${l}`, { "sender.phone": l }, "payload.data.sender.phone");
bad(
  "virtual number without a binding",
  { "recipient.phone": "17012345678", "recipient.phone_kind": "virtual" },
  "payload.data.recipient.phone",
);
bad(
  "virtual number with an expired binding",
  {
    "recipient.phone": "17012345678",
    "recipient.phone_kind": "virtual",
    "recipient.binding_expires_at": PAST,
  },
  "payload.data.recipient.phone",
);
bad(
  "service number as recipient phone",
  { "recipient.phone": "400-123-4567" },
  "payload.data.recipient.phone",
);
bad(
  "waybill number in the phone field",
  { "recipient.phone": "SF1234567890123" },
  "payload.data.recipient.phone",
);
bad("mobile in the waybill field", { waybill_no: "13812345678" }, "payload.data.waybill_no");
bad(
  "mobile with +86 in the waybill field",
  { waybill_no: "+8613812345678" },
  "payload.data.waybill_no",
);
for (const name of [
  "张三",
  "欧阳娜娜",
  "王小明",
  "李",
  "Zhang San",
  "John Smith",
  "张 三",
  "ZHANG",
  "司马光",
])
  bad(`unmasked name ${name}`, { "recipient.name": name }, "payload.data.recipient.name");
for (const name of ["张三", "Li Lei"])
  bad(`unmasked sender name ${name}`, { "sender.name": name }, "payload.data.sender.name");
bad(
  "waybill number in the name",
  { "recipient.name": "SF1234567890123" },
  "payload.data.recipient.name",
);
for (const address of [
  "浙江省杭州市余杭区**路1单元302室",
  "浙江省杭州市余杭区**小区3栋2单元501",
  "广东省深圳市南山区**大厦501室",
  "北京市朝阳区**小区1号楼2单元301",
  "上海市浦东新区**路**号1203室",
  "浙江省杭州市余杭区**苑3幢1单元",
  "浙江省杭州市余杭区**公寓B座1502室",
  "江苏省南京市鼓楼区**村5组12户",
  "浙江省杭州市余杭区文一西路969号",
  "广东省深圳市南山区科技园",
  "浙江省杭州市余杭区**路１单元３０２室",
  "Room 1203, Building 5, ****",
])
  bad(`address ${address}`, { "recipient.address": address }, "payload.data.recipient.address");
const ids = [
  ID1,
  ID2,
  IDX1,
  IDX2,
  IDX1.toLowerCase(),
  `${ID1.slice(0, 6)} ${ID1.slice(6, 14)} ${ID1.slice(14)}`,
  `${ID2.slice(0, 6)}-${ID2.slice(6, 14)}-${ID2.slice(14)}`,
  toFullWidth(IDX1),
  toFullWidth(ID1),
];
for (const id of ids) {
  bad(
    `resident ID ${id} in destination`,
    { destination: `身份证${id}` },
    "payload.data.destination",
  );
  bad(`resident ID ${id} in category`, { "item.category": id }, "payload.data.item.category");
  bad(`resident ID ${id} in the sort code`, { sort_code: id }, "payload.data.sort_code");
  bad(
    `resident ID ${id} in the address`,
    { "recipient.address": `浙江省****${id}` },
    "payload.data.recipient.address",
  );
}
for (const id of [ID1, IDX1]) {
  bad(`resident ID ${id} in the name`, { "sender.name": id }, "payload.data.sender.name");
  bad(`resident ID ${id} in the phone`, { "recipient.phone": id }, "payload.data.recipient.phone");
  bad(`resident ID ${id} in the carrier`, { carrier: id }, "payload.data.carrier");
}
bad(
  "masked resident ID",
  { destination: `${ID1.slice(0, 6)}********${ID1.slice(14)}` },
  "payload.data.destination",
);
for (const [key, value] of [
  ["recipient.id_number", ID1],
  ["recipient.mobile_full", "13812345678"],
  ["recipient.email", "z*@example.com"],
  ["remark", "请放门口"],
  ["recipient.real_name", "张三"],
] as const)
  bad(`unknown field ${key}`, { [key]: value }, `payload.data.${key}`);

// Waybill numbers outside `waybill_no` (Art. 3: personal information; issue #8: own field only).
for (const [name, fields, path] of [
  ["its own number in the destination", { destination: "单号SF1234567890123" }, "destination"],
  [
    "another SF number in the category",
    { "item.category": "补寄 SF1000000000001" },
    "item.category",
  ],
  ["a JD number in the category", { "item.category": "退货 JDX012345678901" }, "item.category"],
  ["a YTO number as the sort code", { sort_code: "YT1234567890123" }, "sort_code"],
  ["a J&T number with spaces", { destination: "转 JT 0013 8123 4567 8" }, "destination"],
  ["an SF number with dashes", { destination: "SF-1234-5678-90124" }, "destination"],
  [
    "a full-width SF number",
    { "item.category": "ＳＦ１２３４５６７８９０１２５" },
    "item.category",
  ],
  ["a lower-case SF number", { "item.category": "sf1234567890126" }, "item.category"],
  ["a Deppon number as the carrier", { carrier: "DPK123456789012" }, "carrier"],
  ["an EMS lettered number", { destination: "邮件 PA12345678901" }, "destination"],
  ["a ZTO number next to 运单", { "item.category": "运单75138123456789" }, "item.category"],
  ["an STO number next to 快递单号", { destination: "快递单号:431381234567812" }, "destination"],
  ["an EMS number next to waybill", { "item.category": "waybill 9813812345678" }, "item.category"],
  ["a Cainiao number next to 物流", { destination: "物流 621381234567890" }, "destination"],
  ["a Yunda number next to tracking", { sort_code: "tracking 5123456789012" }, "sort_code"],
  [
    "its own digit-only number, no keyword",
    { waybill_no: "75138123456789", destination: "杭州 75138123456789" },
    "destination",
  ],
  [
    "another number inside the address",
    { "recipient.address": "浙江省杭州市****（SF1234567890127）" },
    "recipient.address",
  ],
  [
    "a ZTO number with its keyword inside the address",
    { "sender.address": "广东省深圳市****运单75138123456780" },
    "sender.address",
  ],
  [
    "a YTO number after a masked name",
    { "recipient.name": "张* YT1234567890123" },
    "recipient.name",
  ],
] as const)
  bad(`waybill number in free text: ${name}`, fields, `payload.data.${path}`);

/** The intake's order: allow-list first, then the guard. */
function check(data: Record<string, unknown>) {
  const allow = checkAllowedFields(data, WAYBILL_100X150_FIELDS);
  if (!allow.ok) return allow;
  return guardWaybillData(data, { phoneMinHidden: 6, now: NOW });
}

describe("privacy corpus (issue #8)", () => {
  it("has at least 200 cases", () => {
    console.info(`privacy corpus: ${valid.length} de-identified, ${personal.length} personal`);
    expect(valid.length + personal.length).toBeGreaterThanOrEqual(200);
    expect(valid.length).toBeGreaterThanOrEqual(80);
  });

  it("refuses no de-identified form", () => {
    const refused = valid.map((c) => ({ name: c.name, r: check(c.data) })).filter((x) => !x.r.ok);
    expect(refused).toEqual([]);
  });

  it("misses no personal data, and names the field that holds it", () => {
    const results = personal.map((c) => {
      const r = check(c.data);
      return { name: c.name, path: r.ok ? "(accepted)" : `payload.data.${r.path}`, want: c.path };
    });
    expect(results.filter((x) => x.path === "(accepted)")).toEqual([]);
    expect(results.filter((x) => x.path !== x.want)).toEqual([]);
  });

  it("never echoes the value in the result", () => {
    for (const c of personal) {
      const text = JSON.stringify(check(c.data));
      for (const v of [ID1, IDX1, "13812345678", "张三"]) expect(text).not.toContain(v);
    }
  });
});

describe("QR / RFID / e-paper payloads", () => {
  const W = "SF1234567890123";
  it.each([
    W,
    "sf 1234 5678 90123",
    "01JD3K6W9Q2S7T5V8X0Y1Z2A3B",
    "9fQ2xk3LmN8pR4tV7wY1zA5b",
    "q83vEjRWeJq83vEjRWeJq8+/3vEjRW8=",
    `https://t.example.cn/w/${W}`,
    "https://t.example.cn/w/9fQ2xk3LmN8pR4tV7wY1zA5b?v=2",
  ])("accepts %s", (p) => {
    expect(guardPayload(p, "payload.rfid.user", { waybillNo: W })).toEqual({ ok: true });
  });
  it.each([
    ["a mobile", "13812345678"],
    ["a masked-4 mobile", "138****5678"],
    ["a resident ID", ID1],
    ["a name and a phone", "张三 138****5678"],
    ["a name", "张*"],
    ["JSON", '{"name":"张*","phone":"138******78"}'],
    ["an address", "浙江省杭州市余杭区****"],
    ["an all-digit string", "20261130123456789012"],
    ["a URL carrying a phone", "https://t.example.cn/w?tel=13812345678"],
    ["a URL carrying a name", "https://t.example.cn/w?n=张三"],
    ["empty", ""],
  ])("refuses %s", (_what, p) => {
    const r = guardPayload(p, "payload.rfid.user", { waybillNo: W });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(p === "" ? "\u0000" : p);
  });
  it("accepts opaque bytes and refuses bytes that spell a phone number", () => {
    expect(guardPayload(Uint8Array.of(0x30, 0x14, 0xfa, 0x00, 0x9c), "epc")).toEqual({ ok: true });
    expect(guardPayload(new TextEncoder().encode("tel:13812345678"), "epc").ok).toBe(false);
  });
});

describe("re-mask mode (privacy.remask_phones)", () => {
  it.each([
    ["138****5678", "138******78"],
    ["138*****678", "138******78"],
    ["+86 138****5678", "138******78"],
    ["１３８＊＊＊＊５６７８", "138******78"],
    ["138-****-5678", "138******78"],
  ])("masks %s further to %s", (given, want) => {
    const data = withFields({ "recipient.phone": given });
    expect(remaskPhones(data, 6)).toEqual(["recipient.phone"]);
    expect((data["recipient"] as Record<string, unknown>)["phone"]).toBe(want);
    expect(guardWaybillData(data, { phoneMinHidden: 6, now: NOW })).toEqual({ ok: true });
  });
  it.each(["13812345678", "138******78", "17012345678-123", "0571-****5678", "***********"])(
    "leaves %s alone (unmasked stays refused; enough hidden; not a mobile)",
    (given) => {
      const data = withFields({ "recipient.phone": given });
      expect(remaskPhones(data, 6)).toEqual([]);
      expect((data["recipient"] as Record<string, unknown>)["phone"]).toBe(given);
    },
  );
});
