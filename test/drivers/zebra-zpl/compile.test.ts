import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Label, LabelElement } from "../../../drivers/label/model.ts";
import { compileZpl, mmToDots } from "../../../drivers/zebra-zpl/compile.ts";
import {
  HOSTILE_FIELDS,
  decodeFields,
  parseAll,
  text,
} from "../../firmware-protocols/zpl/helpers.ts";
import { PROFILE_203, PROFILE_300_CJK, WAYBILL, smallWaybillLabel } from "./fixtures.ts";

const golden = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./golden/${name}`, import.meta.url)));

const label = (...elements: Label["elements"]): Label => ({ widthMm: 100, heightMm: 50, elements });
/** The ZPL, as text, of a 100 × 50 mm label of `elements` at 203 dpi. */
const zpl203 = (...elements: Label["elements"]): string =>
  text(compileZpl(label(...elements), PROFILE_203));
/** A 2-D barcode at the label's origin (no bar height). */
const code2d = (
  symbology: "qrcode" | "datamatrix" | "pdf417",
  moduleMm: number,
  data: string,
): LabelElement => ({ type: "barcode", symbology, xMm: 0, yMm: 0, heightMm: 0, moduleMm, data });

describe("compileZpl golden files", () => {
  it("small waybill at 203 dpi, no resident CJK font (^A0, Chinese text as ^GF)", () => {
    expect(text(compileZpl(smallWaybillLabel(), PROFILE_203))).toBe(
      text(golden("small-waybill-203dpi.zpl")),
    );
    expect(compileZpl(smallWaybillLabel(), PROFILE_203)).toEqual(
      golden("small-waybill-203dpi.zpl"),
    );
  });

  it("small waybill at 300 dpi with a resident CJK font (^A@)", () => {
    expect(compileZpl(smallWaybillLabel(), PROFILE_300_CJK)).toEqual(
      golden("small-waybill-300dpi-cjk-font.zpl"),
    );
  });

  it("is one format whose fields decode to the label's text and data", () => {
    const bytes = compileZpl(smallWaybillLabel(), PROFILE_203);
    const events = parseAll(bytes);
    expect(events).toEqual([{ type: "format", bytes, offset: 0 }]);
    // No resident CJK font: Chinese runs are ^GF graphics; the number-like run stays a field.
    expect(decodeFields(bytes)).toEqual([
      "571-A12-03", // bold: font 0 is bold already, one strike
      "138******78",
      WAYBILL,
      `QA,${WAYBILL}`,
    ]);
    expect(text(bytes).match(/\^GFA,\d+,\d+,\d+,:Z64:/g)).toHaveLength(2);
  });
});

describe("compileZpl units and commands", () => {
  it("converts mm to dots as round(mm × dpi / 25.4)", () => {
    expect(mmToDots(25.4, 203)).toBe(203);
    expect(mmToDots(100, 203)).toBe(799);
    expect(mmToDots(150, 300)).toBe(1772);
    expect(mmToDots(0.125, 203)).toBe(1);
    expect(mmToDots(10, 600)).toBe(236);
  });

  it("starts with ^XA^CI28^PW^LL and ends with ^PQ1^XZ", () => {
    const z = text(compileZpl({ widthMm: 100, heightMm: 150, elements: [] }, PROFILE_203));
    expect(z).toBe("^XA^CI28^PW799^LL1199^LH0,0\n^PQ1^XZ");
  });

  it("maps rotation to N/R/I/B", () => {
    const z = zpl203(
      ...([0, 90, 180, 270] as const).map((rotation) => ({
        type: "text" as const,
        xMm: 1,
        yMm: 1,
        sizeMm: 3,
        text: "x",
        rotation,
      })),
    );
    expect([...z.matchAll(/\^A0([NRIB]),24,24/g)].map((m) => m[1])).toEqual(["N", "R", "I", "B"]);
  });

  it("wraps text in ^FB with width, max lines and alignment; ^FB backslashes are doubled", () => {
    const z = zpl203({
      type: "text",
      xMm: 0,
      yMm: 0,
      sizeMm: 3,
      text: "a\\&b",
      boxWidthMm: 50,
      maxLines: 3,
      align: "right",
    });
    expect(z).toContain("^FB400,3,0,R,0^FDa\\\\&b^FS");
  });

  it("code128: ^BY module,3,height and ^BC mode A with or without the interpretation line", () => {
    const bc = (humanReadable: boolean) =>
      zpl203({
        type: "barcode",
        symbology: "code128",
        xMm: 1,
        yMm: 2,
        heightMm: 10,
        moduleMm: 0.25,
        data: WAYBILL,
        humanReadable,
      });
    expect(bc(true)).toContain(`^FO8,16^BY2,3,80^BCN,80,Y,N,N,A^FD${WAYBILL}^FS`);
    expect(bc(false)).toContain("^BCN,80,N,N,N,A");
  });

  it("qrcode: ^BQN,2,magnification with the QA, prefix", () => {
    const z = zpl203(code2d("qrcode", 0.75, "a^b"));
    expect(z).toContain("^BQN,2,6^FH_^FDQA,a_5Eb^FS");
  });

  it("datamatrix: ^BX ECC 200 with `_` as escape character, underscores doubled", () => {
    const z = zpl203(code2d("datamatrix", 0.5, "A_B"));
    expect(z).toContain("^BXN,4,200,,,,_^FH_^FDA_5F_5FB^FS");
  });

  it("pdf417: ^BY module and ^B7 with row height and security level", () => {
    const z = zpl203(code2d("pdf417", 0.25, WAYBILL));
    expect(z).toContain(`^BY2^B7N,6,5^FD${WAYBILL}^FS`);
  });

  it("clamps module widths to the 1–10 dots the printer accepts", () => {
    const z = zpl203(code2d("qrcode", 5, "x"));
    expect(z).toContain("^BQN,2,10");
  });

  it("lines and boxes are ^GB at least as large as their thickness", () => {
    const z = zpl203(
      { type: "line", xMm: 0, yMm: 10, widthMm: 50, heightMm: 0, thicknessMm: 0.5 },
      { type: "box", xMm: 1, yMm: 1, widthMm: 20, heightMm: 10, thicknessMm: 0.25 },
    );
    expect(z).toContain("^FO0,80^GB400,4,4^FS");
    expect(z).toContain("^FO8,8^GB160,80,2^FS");
  });

  it("names the element field of an invalid length, never its content", () => {
    const bad = label({ type: "text", xMm: Number.NaN, yMm: 0, sizeMm: 3, text: "张* secret" });
    expect(() => compileZpl(bad, PROFILE_203)).toThrow(/label\.elements\[0\]\.xMm/);
    expect(() => compileZpl(bad, PROFILE_203)).not.toThrow(/secret/);
    expect(() => compileZpl({ ...label(), widthMm: -1 }, PROFILE_203)).toThrow(/label\.widthMm/);
  });
});

describe("compileZpl injection: content never escapes its field", () => {
  it.each(HOSTILE_FIELDS)("text and barcode data %j", (hostile) => {
    const bytes = compileZpl(
      label(
        { type: "text", xMm: 1, yMm: 1, sizeMm: 3, text: hostile },
        { type: "text", xMm: 1, yMm: 5, sizeMm: 3, text: hostile, boxWidthMm: 40, maxLines: 2 },
        {
          type: "barcode",
          symbology: "code128",
          xMm: 1,
          yMm: 10,
          heightMm: 10,
          moduleMm: 0.25,
          data: hostile,
        },
        {
          type: "barcode",
          symbology: "qrcode",
          xMm: 1,
          yMm: 25,
          heightMm: 0,
          moduleMm: 0.5,
          data: hostile,
        },
        {
          type: "barcode",
          symbology: "datamatrix",
          xMm: 30,
          yMm: 25,
          heightMm: 0,
          moduleMm: 0.5,
          data: hostile,
        },
        {
          type: "barcode",
          symbology: "pdf417",
          xMm: 60,
          yMm: 25,
          heightMm: 0,
          moduleMm: 0.25,
          data: hostile,
        },
      ),
      PROFILE_300_CJK,
    );
    // Exactly one format, no control command, nothing malformed: the device sees one label.
    expect(parseAll(bytes)).toEqual([{ type: "format", bytes, offset: 0 }]);
    // And nothing was stripped: the fields carry the content (^FB / ^BX escapes undone).
    const fields = decodeFields(bytes);
    expect(fields[0]).toBe(hostile);
    expect(fields[1]?.replaceAll("\\\\", "\\")).toBe(hostile);
    expect(fields[2]).toBe(hostile);
    expect(fields[3]).toBe(`QA,${hostile}`);
    expect(fields[4]?.replaceAll("__", "_")).toBe(hostile);
    expect(fields[5]).toBe(hostile);
  });
});

describe("compileZpl text groups (no resident CJK font)", () => {
  const t = (
    yMm: number,
    s: string,
    sizeMm: number,
    group?: string,
  ): Label["elements"][number] => ({
    type: "text",
    xMm: 3,
    yMm,
    sizeMm,
    text: s,
    ...(group !== undefined && { group }),
  });
  const graphics = (l: Label): string[] =>
    text(compileZpl(l, PROFILE_203)).match(/\^FO\d+,\d+\^GFA,\d+,\d+,\d+,/g) ?? [];

  it("texts of one group are one graphic over their box; other texts stay apart", () => {
    expect(graphics(label(t(3, "收", 3.5), t(20, "签收人:", 3.5)))).toHaveLength(2);
    const [one, ...rest] = graphics(label(t(3, "收", 3.5, "c"), t(20, "签收人:", 3.5, "c")));
    expect(rest).toEqual([]);
    // Placed at the group's top-left, as tall as from the first text to the end of the last.
    const m = /\^FO(\d+),(\d+)\^GFA,(\d+),\d+,(\d+),/.exec(one ?? "");
    const [x, y, total, perRow] = (m?.slice(1) ?? []).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    expect(x).toBeLessThanOrEqual(mmToDots(3, 203) + 4);
    expect(y).toBeLessThanOrEqual(mmToDots(3, 203) + 8);
    expect(total / perRow).toBeGreaterThan(mmToDots(20 - 3, 203));
    // Two groups: two graphics, whatever the order of their members.
    expect(
      graphics(label(t(3, "收", 3.5, "a"), t(10, "寄", 3.5, "b"), t(20, "签收人:", 3.5, "a"))),
    ).toHaveLength(2);
  });

  it("a number-like or masked run of a grouped text stays a font 0 field", () => {
    const z = zpl203(t(3, "广东省****", 3.5, "s"), t(8, "李** 138****5678", 3.5, "s"));
    expect(z.match(/\^GFA/g)).toHaveLength(1);
    expect(decodeFields(compileZpl(label(t(3, "广东省****", 3.5, "s")), PROFILE_203))).toEqual([
      "****",
    ]);
    expect(z).toContain("^FD138****5678^FS");
  });

  it("magnified texts of one group share one magnified graphic", () => {
    // 6 mm at 203 dpi: 48 dots, drawn at 24 and magnified ×2 (^GF is sent scaled up).
    const big = graphics(label(t(3, "收", 6, "c"), t(20, "寄", 6, "c"), t(40, "时间:", 3.5, "c")));
    expect(big).toHaveLength(2); // one ×2 graphic for 收 and 寄, one ×1 for 时间:
  });
});
