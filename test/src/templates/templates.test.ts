import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bitmapToPng, renderLabel } from "../../../drivers/label/render.ts";
import { isCodedError } from "../../../src/errors.ts";
import { registerTemplate, renderTemplate, templateNames } from "../../../src/templates/index.ts";
import { loadSiteTemplates, parseSiteTemplate } from "../../../src/templates/site.ts";
import { BAG_TAG, EXAMPLE_WAYBILL } from "../../drivers/label/fixtures.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";

describe("built-in templates", () => {
  it("has the three templates", () => {
    expect(templateNames()).toEqual(
      expect.arrayContaining(["waybill-100x150", "waybill-76x130", "bag-tag-100x70"]),
    );
  });

  it.each([
    ["waybill-76x130", EXAMPLE_WAYBILL, EXAMPLE_WAYBILL.waybill_no, 76, 130],
    ["bag-tag-100x70", BAG_TAG, "BAG5710012", 100, 70],
  ] as const)("%s lays out a label whose barcode decodes", async (name, data, code, w, h) => {
    const { label, waybillNo } = renderTemplate(name, data);
    expect([label.widthMm, label.heightMm]).toEqual([w, h]);
    expect(waybillNo).toBe(name === "bag-tag-100x70" ? undefined : code);
    expect(await decodeCode128(bitmapToPng(renderLabel(label, 203)))).toEqual([code]);
  });

  it("refuses bad bag-tag data with the path, never the value", () => {
    try {
      renderTemplate("bag-tag-100x70", { ...BAG_TAG, bag_no: "bag 1 ^XZ" });
      expect.unreachable();
    } catch (e) {
      expect(isCodedError(e) && e.code).toBe("template_data_invalid");
      expect((e as Error).message).toContain("payload.data.bag_no");
      expect((e as Error).message).not.toContain("^XZ");
    }
  });
});

describe("site templates from files", () => {
  it("loads examples/templates, validates data against its fields, substitutes values as text", () => {
    const [t] = loadSiteTemplates(
      new URL("../../../examples/templates/", import.meta.url).pathname,
    );
    if (t === undefined) throw new Error("example template not found");
    registerTemplate(t);
    const { label } = renderTemplate("shelf-60x40", { shelf: "A-12-03", zone: "二区" });
    expect(
      label.elements.map((e) =>
        e.type === "text" ? e.text : e.type === "barcode" ? e.data : e.type,
      ),
    ).toEqual(["box", "A-12-03", "区域 二区", "A-12-03"]);
    // A value is text: "{shelf}" inside another value is not substituted again.
    expect(() => renderTemplate("shelf-60x40", { shelf: "A-1", zone: "x", extra: 1 })).toThrow(
      /unknown key/,
    );
    expect(() => renderTemplate("shelf-60x40", { shelf: "a b", zone: "x" })).toThrow(
      /payload\.data\.shelf/,
    );
  });

  it("a bad template file is config_invalid and names the path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lg-tpl-"));
    try {
      await writeFile(
        join(dir, "bad.yaml"),
        "name: Bad Name\nwidth_mm: 50\nheight_mm: 30\nfields: {}\nelements: []\n",
      );
      expect(() => loadSiteTemplates(dir)).toThrow(/name|elements/);
      // A valid site template named like a built-in one: it parses, but cannot be registered.
      const shadow = {
        name: "waybill-100x150",
        width_mm: 10,
        height_mm: 10,
        fields: {},
        elements: [{ type: "line", x_mm: 0, y_mm: 0, width_mm: 1, height_mm: 1, thickness_mm: 1 }],
      };
      expect(() => parseSiteTemplate(shadow, "x.yaml")).not.toThrow();
      expect(() => registerTemplate(parseSiteTemplate(shadow, "x.yaml"))).toThrow(/built in/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a text's group (one graphic on printers without a CJK font) passes to the label", () => {
    const doc = (group: string) => ({
      name: "caption-test",
      width_mm: 50,
      height_mm: 30,
      fields: {},
      elements: [{ type: "text", x_mm: 1, y_mm: 1, size_mm: 3, text: "收", group }],
    });
    const t = parseSiteTemplate(doc("caption"), "c.yaml");
    expect(t.layout({}).elements[0]).toMatchObject({ type: "text", group: "caption" });
    expect(() => parseSiteTemplate(doc("Not A Group"), "c.yaml")).toThrow(/elements\[0\]\.group/);
  });
});
