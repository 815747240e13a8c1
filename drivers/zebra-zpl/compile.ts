/**
 * Label → ZPL II for the `zebra-zpl` driver.
 *
 * Every piece of label content goes through the safe field-data encoder
 * (firmware-protocols/zpl/format.ts: `^FH_` hex escapes, UTF-8 under `^CI28`), so no job data can
 * end a field or start a command. Command parameters come from the label geometry and the device
 * profile only.
 */
import type { Label, LabelElement, TextElement, BarcodeElement } from "../label/model.ts";
import type { DeviceProfile } from "../types.ts";
import { beginFormat, type ZplFormatBuilder } from "../../firmware-protocols/zpl/format.ts";

/** Millimetres → printer dots at `dpi` (dots per inch): round(mm × dpi / 25.4). */
export function mmToDots(mm: number, dpi: number): number {
  return Math.round((mm * dpi) / 25.4);
}

/** Field orientation letter for a clockwise rotation (ZPL II PG, `^A`: N, R, I, B). */
function orientation(rotation: 0 | 90 | 180 | 270 | undefined): "N" | "R" | "I" | "B" {
  switch (rotation) {
    case 90:
      return "R";
    case 180:
      return "I";
    case 270:
      return "B";
    case 0:
    case undefined:
      return "N";
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Compiles `label` into one ZPL format for a printer described by `profile`:
 * `^XA^CI28^PW…^LL…^LH0,0`, the elements in order, `^PQ1^XZ`. Lengths are converted with
 * {@link mmToDots} at `profile.dpi`. Throws RangeError naming the element field when a length is
 * not a finite, non-negative number, or when a field's escaped data exceeds 3072 bytes.
 */
export function compileZpl(label: Label, profile: DeviceProfile): Uint8Array {
  const dots = (mm: number, path: string): number => {
    if (!Number.isFinite(mm) || mm < 0) throw new RangeError(`${path} must be a finite length ≥ 0`);
    return mmToDots(mm, profile.dpi);
  };
  const f = beginFormat()
    .command("PW", dots(label.widthMm, "label.widthMm"))
    .command("LL", dots(label.heightMm, "label.heightMm"))
    // ^LH persists across formats on the printer: reset it so positions mean what they say.
    .command("LH", 0, 0)
    .newline();
  label.elements.forEach((el, i) => {
    compileElement(f, el, (mm, key) => dots(mm, `label.elements[${i}].${key}`), profile);
    f.newline();
  });
  return f.command("PQ", 1).end();
}

type Dots = (mm: number, key: string) => number;

function compileElement(
  f: ZplFormatBuilder,
  el: LabelElement,
  dots: Dots,
  profile: DeviceProfile,
): void {
  switch (el.type) {
    case "text":
      compileText(f, el, dots, profile);
      return;
    case "barcode":
      compileBarcode(f, el, dots);
      return;
    case "line":
    case "box": {
      const t = Math.max(1, dots(el.thicknessMm, "thicknessMm"));
      // ^GB draws at least the thickness in each direction (ZPL II PG, ^GB Graphic Box).
      const w = Math.max(t, dots(el.widthMm, "widthMm"));
      const h = Math.max(t, dots(el.heightMm, "heightMm"));
      f.command("FO", dots(el.xMm, "xMm"), dots(el.yMm, "yMm"))
        .command("GB", w, h, t)
        .command("FS");
      return;
    }
  }
}

/**
 * `^FO` + font + optional `^FB` + field. Without `boxWidthMm` the text is one unwrapped line and
 * `maxLines` / `align` have nothing to act on (ZPL justifies only inside a `^FB` block).
 */
function compileText(
  f: ZplFormatBuilder,
  el: TextElement,
  dots: Dots,
  profile: DeviceProfile,
): void {
  const x = dots(el.xMm, "xMm");
  const y = dots(el.yMm, "yMm");
  const h = Math.max(1, dots(el.sizeMm, "sizeMm"));
  const o = orientation(el.rotation);
  const box =
    el.boxWidthMm === undefined ? undefined : Math.max(1, dots(el.boxWidthMm, "boxWidthMm"));
  const maxLines = Math.max(1, Math.floor(el.maxLines ?? 1));
  const just = el.align === "center" ? "C" : el.align === "right" ? "R" : "L";
  // ZPL has no bold attribute; the usual practice is a second strike one dot (at 203 dpi) to the
  // right, which thickens every stroke.
  const strikes = el.bold === true ? [0, Math.max(1, Math.round(profile.dpi / 203))] : [0];
  for (const dx of strikes) {
    f.command("FO", x + dx, y);
    if (profile.cjkFont !== undefined) {
      // ^A@ selects a font by name (ZPL II PG, ^A@ Use Font Name to Call Font).
      f.command("A@", o, h, h, profile.cjkFont);
    } else {
      f.command("A0", o, h, h);
    }
    if (box !== undefined) f.command("FB", box, maxLines, 0, just, 0);
    f.field(el.text, { fieldBlock: box !== undefined });
  }
}

function compileBarcode(f: ZplFormatBuilder, el: BarcodeElement, dots: Dots): void {
  const x = dots(el.xMm, "xMm");
  const y = dots(el.yMm, "yMm");
  // ^BY w and the 2-D magnifications accept 1–10 dots per module.
  const module = clamp(dots(el.moduleMm, "moduleMm"), 1, 10);
  f.command("FO", x, y);
  switch (el.symbology) {
    case "code128": {
      const h = Math.max(1, dots(el.heightMm, "heightMm"));
      f.command("BY", module, 3, h);
      // Mode A (automatic subset selection, ZPL II PG ^BC parameter m): the data is taken as
      // given — no `>` invocation codes — and digit runs are packed in subset C.
      f.command("BC", "N", h, el.humanReadable === true ? "Y" : "N", "N", "N", "A");
      f.field(el.data);
      return;
    }
    case "qrcode":
      // Model 2, magnification = module dots; data "QA," = ECC level Q, automatic input mode
      // (ZPL II PG, ^BQ and its ^FD switches).
      f.command("BQ", "N", 2, module);
      f.field(`QA,${el.data}`);
      return;
    case "datamatrix":
      // ECC 200 with the escape character g set to `_` explicitly: the default differs between
      // firmware versions (`_` or `~`), and `~` cannot be sent as a parameter.
      f.command("BX", "N", module, 200, undefined, undefined, undefined, "_");
      f.field(el.data, { dataMatrixEscape: true });
      return;
    case "pdf417":
      // Row height 3 modules (the PDF417 minimum), security level 5.
      f.command("BY", module);
      f.command("B7", "N", module * 3, 5);
      f.field(el.data);
      return;
  }
}
