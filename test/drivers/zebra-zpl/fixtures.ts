/**
 * Synthetic, de-identified test labels (STYLE.md: golden files hold synthetic data only). The
 * waybill number, names and phones follow the masked shapes of DESIGN.md §3, not real parcels.
 */
import type { Label } from "../../../drivers/label/model.ts";
import type { DeviceProfile } from "../../../drivers/types.ts";

export const WAYBILL = "SF1234567890123";

/** A small 100 × 60 mm label using every element kind. */
export function smallWaybillLabel(): Label {
  return {
    widthMm: 100,
    heightMm: 60,
    elements: [
      { type: "box", xMm: 2, yMm: 2, widthMm: 96, heightMm: 56, thicknessMm: 0.5 },
      { type: "text", xMm: 5, yMm: 5, sizeMm: 5, text: "571-A12-03", bold: true },
      {
        type: "text",
        xMm: 5,
        yMm: 12,
        sizeMm: 3,
        text: "张* 138******78",
        boxWidthMm: 60,
        maxLines: 2,
        align: "left",
      },
      { type: "line", xMm: 2, yMm: 20, widthMm: 96, heightMm: 0.3, thicknessMm: 0.3 },
      {
        type: "barcode",
        symbology: "code128",
        xMm: 8,
        yMm: 23,
        heightMm: 15,
        moduleMm: 0.375,
        data: WAYBILL,
        humanReadable: true,
      },
      {
        type: "barcode",
        symbology: "qrcode",
        xMm: 75,
        yMm: 23,
        heightMm: 0,
        moduleMm: 0.5,
        data: WAYBILL,
      },
      {
        type: "text",
        xMm: 90,
        yMm: 45,
        sizeMm: 2.5,
        text: "杭州",
        rotation: 90,
        align: "center",
        boxWidthMm: 10,
      },
    ],
  };
}

export const PROFILE_203: DeviceProfile = { dpi: 203, widthMm: 104, heightMm: 150 };
export const PROFILE_300_CJK: DeviceProfile = {
  dpi: 300,
  widthMm: 104,
  heightMm: 150,
  cjkFont: "E:SIMSUN.TTF",
};
