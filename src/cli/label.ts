/**
 * `labelgate preview` and `labelgate compile`: a label from a template and a data file, without a
 * device. Preview renders a PNG — with the label renderer, or, with `--driver`, exactly as that
 * driver's printer would print it (its simulator's interpreter; zpl-renderer-js for ZPL). Compile
 * writes the bytes a driver would send.
 *
 * Exit codes: 0 done, 1 the data does not fit the template, 4 usage or I/O error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { interpretCpcl } from "../../drivers/cpcl/interpret.ts";
import { interpretEscpos } from "../../drivers/escpos/interpret.ts";
import { findDriver } from "../../drivers/index.ts";
import type { Bitmap } from "../../drivers/label/bitmap.ts";
import type { Label } from "../../drivers/label/model.ts";
import { bitmapToPng, renderLabel } from "../../drivers/label/render.ts";
import { interpretTspl } from "../../drivers/tspl/interpret.ts";
import type { DeviceProfile } from "../../drivers/types.ts";
import { isCodedError } from "../errors.ts";
import { createWorkerPreviewRenderer } from "../simulators/preview.ts";
import { registerTemplate, renderTemplate } from "../templates/index.ts";
import { loadSiteTemplates } from "../templates/site.ts";

export interface LabelCliOptions {
  template?: string;
  data: string;
  driver?: string;
  dpi?: string;
  cjkFont?: string;
  templates?: string;
  output?: string;
}

class UsageError extends Error {}

function readLabel(o: LabelCliOptions): Label {
  if (o.templates !== undefined)
    for (const t of loadSiteTemplates(o.templates)) registerTemplate(t);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(o.data, "utf8"));
  } catch {
    throw new UsageError(`${o.data}: cannot read a JSON document`);
  }
  // A job envelope works too: its payload names the template and carries the data.
  const payload = (doc as { payload?: { template?: unknown; data?: unknown } }).payload;
  const template =
    o.template ?? (typeof payload?.template === "string" ? payload.template : undefined);
  if (template === undefined)
    throw new UsageError("--template is required (the data file names none)");
  const data =
    payload?.data !== undefined && o.template === undefined ? payload.data : (payload?.data ?? doc);
  return renderTemplate(template, data).label;
}

function profileOf(o: LabelCliOptions, label: Label): DeviceProfile {
  const dpi = Number(o.dpi ?? 203);
  if (dpi !== 203 && dpi !== 300 && dpi !== 600)
    throw new UsageError("--dpi must be 203, 300 or 600");
  return {
    dpi,
    widthMm: label.widthMm,
    heightMm: label.heightMm,
    ...(o.cjkFont !== undefined && { cjkFont: o.cjkFont }),
  };
}

async function driverPng(
  driverId: string,
  bytes: Uint8Array,
  p: DeviceProfile,
): Promise<Uint8Array> {
  const widthDots = Math.round((p.widthMm * p.dpi) / 25.4);
  let bitmap: Bitmap | undefined;
  switch (driverId) {
    case "zebra-zpl": {
      const r = createWorkerPreviewRenderer();
      try {
        return await r.render(
          new TextDecoder().decode(bytes),
          p.widthMm,
          p.heightMm,
          Math.round(p.dpi / 25.4),
        );
      } finally {
        await r.close();
      }
    }
    case "tsc-tspl":
      bitmap = interpretTspl(bytes, p.dpi).labels[0]?.bitmap;
      break;
    case "escpos":
      bitmap = interpretEscpos(bytes, p.dpi, widthDots).labels[0]?.bitmap;
      break;
    case "zebra-cpcl":
      bitmap = interpretCpcl(bytes, p.dpi, widthDots).labels[0]?.bitmap;
      break;
    default:
      throw new UsageError(`driver ${driverId} has no preview`);
  }
  if (bitmap === undefined) throw new UsageError("the compiled bytes hold no label");
  return bitmapToPng(bitmap);
}

async function run(o: LabelCliOptions, mode: "preview" | "compile"): Promise<number> {
  try {
    const label = readLabel(o);
    const profile = profileOf(o, label);
    const driver = o.driver === undefined ? undefined : findDriver(o.driver);
    if (o.driver !== undefined && driver === undefined)
      throw new UsageError(`unknown driver ${o.driver}`);
    if (mode === "compile") {
      if (driver === undefined) throw new UsageError("--driver is required");
      const bytes = driver.compile(label, profile);
      if (o.output !== undefined) writeFileSync(o.output, bytes);
      else process.stdout.write(bytes);
      return 0;
    }
    if (o.output === undefined) throw new UsageError("-o FILE is required");
    const png =
      driver === undefined
        ? bitmapToPng(renderLabel(label, profile.dpi))
        : await driverPng(driver.id, driver.compile(label, profile), profile);
    writeFileSync(o.output, png);
    return 0;
  } catch (e) {
    if (isCodedError(e)) {
      console.error(`${e.code}: ${e.message}`);
      return e.code === "template_data_invalid" || e.code === "template_unknown" ? 1 : 4;
    }
    console.error(e instanceof UsageError || e instanceof RangeError ? e.message : String(e));
    return 4;
  }
}

export const runPreview = (o: LabelCliOptions): Promise<number> => run(o, "preview");
export const runCompile = (o: LabelCliOptions): Promise<number> => run(o, "compile");
