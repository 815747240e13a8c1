/**
 * Golden files per language and template (synthetic data only). Regenerate deliberately with
 * `UPDATE_GOLDEN=1 npx vitest run test/drivers/golden.test.ts` and review the diff; CI never does.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findDriver } from "../../drivers/index.ts";
import type { DeviceProfile } from "../../drivers/types.ts";
import { renderTemplate } from "../../src/templates/index.ts";
import { BAG_TAG, EXAMPLE_WAYBILL } from "./label/fixtures.ts";

const TEMPLATES = [
  ["waybill-100x150", EXAMPLE_WAYBILL],
  ["waybill-76x130", EXAMPLE_WAYBILL],
  ["bag-tag-100x70", BAG_TAG],
] as const;
const LANGUAGES: Array<[string, string, Omit<DeviceProfile, "widthMm" | "heightMm">]> = [
  ["zebra-zpl", "zpl", { dpi: 203 }],
  ["tsc-tspl", "tspl", { dpi: 203, cjkFont: "TSS24.BF2" }],
  ["escpos", "escpos", { dpi: 203, cjkFont: "GB18030" }],
  ["zebra-cpcl", "cpcl", { dpi: 203 }],
];

describe.each(LANGUAGES)("%s golden files", (driverId, ext, p) => {
  it.each(TEMPLATES)("%s", (name, data) => {
    const driver = findDriver(driverId);
    if (driver === undefined) throw new Error("driver missing");
    const { label } = renderTemplate(name, data);
    const bytes = driver.compile(label, { ...p, widthMm: label.widthMm, heightMm: label.heightMm });
    const file = new URL(`./golden/${name}.${ext}`, import.meta.url);
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, bytes);
    expect(bytes).toEqual(new Uint8Array(readFileSync(file)));
  });
});
