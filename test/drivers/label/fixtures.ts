/**
 * Synthetic, de-identified waybill data for label tests and benchmarks (masked shapes of
 * DESIGN.md §3; no real parcels). {@link waybillStream} models a sorting line: one sender all day,
 * four destinations in turn, a new waybill number and masked recipient on every label.
 */
import type { WaybillData } from "../../../src/templates/waybill-100x150.ts";

export const EXAMPLE_WAYBILL: WaybillData = {
  waybill_no: "SF1234567890123",
  carrier: "SF",
  sort_code: "571-A12-03",
  destination: "杭州转运中心",
  recipient: { name: "张*", phone: "138******78", address: "浙江省杭州市余杭区****" },
  sender: { name: "李**", phone: "*******5678", address: "广东省深圳市南山区****" },
  item: { category: "日用品", weight_g: 1200, pieces: 1 },
};

/** Synthetic bag-tag data (no personal information on a bag tag). */
export const BAG_TAG = {
  bag_no: "BAG5710012",
  destination: "杭州转运中心",
  sort_code: "571-A12",
  pieces: 48,
  weight_g: 15200,
  origin: "深圳宝安转运中心",
};

const DESTINATIONS = [
  { sort_code: "571-A12-03", destination: "杭州转运中心", address: "浙江省杭州市余杭区****" },
  { sort_code: "021-B07-11", destination: "上海虹桥转运中心", address: "上海市闵行区****" },
  { sort_code: "010-C03-02", destination: "北京顺义转运中心", address: "北京市顺义区****" },
  { sort_code: "755-D21-08", destination: "深圳宝安转运中心", address: "广东省深圳市宝安区****" },
] as const;
const NAMES = ["张*", "王**", "陈*", "刘**", "赵*"] as const;

/** The i-th waybill (i from 0) of a stream cycling through four destinations. */
export function streamWaybill(i: number): WaybillData {
  const d = DESTINATIONS[i % DESTINATIONS.length] ?? DESTINATIONS[0];
  return {
    waybill_no: `SF${String(1234567890123 + i * 7919).padStart(13, "0")}`,
    carrier: "SF",
    sort_code: d.sort_code,
    destination: d.destination,
    recipient: {
      name: NAMES[i % NAMES.length] ?? "张*",
      phone: `13${i % 10}******${String(10 + ((i * 37) % 90))}`,
      address: d.address,
    },
    sender: { name: "李**", phone: "*******5678", address: "广东省深圳市南山区****" },
    item: { category: "日用品", weight_g: 1000 + ((i * 130) % 2000), pieces: 1 },
  };
}

export function waybillStream(n: number): WaybillData[] {
  return Array.from({ length: n }, (_, i) => streamWaybill(i));
}
