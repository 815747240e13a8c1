/**
 * Label → ZPL II for the `zebra-zpl` driver, stateless: one self-contained format.
 *
 * Text: with a resident CJK font in the profile (`cjkFont`), every text is a native field (`^A@`).
 * Without one, text made only of printable ASCII is a native `^A0` field (font 0 is resident in
 * every ZPL printer); other text is split (drivers/label/pieces.ts) into number-like runs sent as
 * `^A0` fields and the rest rasterized and sent as graphics of just their ink — never the whole
 * label. Here the graphics are inline `^GFA,…,:Z64:…`; the per-device session (session.ts) keeps
 * them in printer memory instead.
 */
import type { Label } from "../label/model.ts";
import type { DeviceProfile } from "../types.ts";
import { beginFormat } from "../../firmware-protocols/zpl/format.ts";
import { concatBytes, encodeAscii } from "../../firmware-protocols/zpl/bytes.ts";
import { mergePlaced, type PlacedBitmap } from "../label/pieces.ts";
import { chunkBuilder, compileElement, inlineGraphic, type GraphicPlacer } from "./elements.ts";

/** Millimetres → printer dots at `dpi` (dots per inch): round(mm × dpi / 25.4). */
export function mmToDots(mm: number, dpi: number): number {
  return Math.round((mm * dpi) / 25.4);
}

/**
 * The format's chunks: the header (`^PW…^LL…^LH0,0`) then the elements' chunks (one per element,
 * one per piece of split text), in order. The graphic pieces of texts that share a `group`
 * (drivers/label/model.ts) are merged into one graphic over their bounding box, placed where the
 * group's first element is.
 * Throws RangeError naming the element field when a length is not a finite, non-negative number,
 * or when a field's escaped data exceeds 3072 bytes.
 */
export function compileChunks(
  label: Label,
  profile: DeviceProfile,
  place: GraphicPlacer,
): Uint8Array[] {
  const dots = (mm: number, path: string): number => {
    if (!Number.isFinite(mm) || mm < 0) throw new RangeError(`${path} must be a finite length ≥ 0`);
    return mmToDots(mm, profile.dpi);
  };
  const header = chunkBuilder()
    .command("PW", dots(label.widthMm, "label.widthMm"))
    .command("LL", dots(label.heightMm, "label.heightMm"))
    // ^LH persists across formats on the printer: reset it so positions mean what they say.
    .command("LH", 0, 0)
    .take();
  const perElement: Uint8Array[][] = [];
  // Per group and magnification: the first member's index and the pieces.
  const groups = new Map<string, { at: number; magnification: number; pieces: PlacedBitmap[] }>();
  label.elements.forEach((el, i) => {
    const f = chunkBuilder();
    compileElement(
      f,
      el,
      (mm, key) => dots(mm, `label.elements[${i}].${key}`),
      profile,
      place,
      (group, piece, magnification) => {
        const key = `${magnification}:${group}`;
        const g = groups.get(key) ?? { at: i, magnification, pieces: [] };
        g.pieces.push(piece);
        groups.set(key, g);
      },
    );
    perElement.push(f.take());
  });
  for (const g of groups.values()) {
    const m = g.magnification;
    // A magnified graphic places its dots on a grid of m printer dots: a piece off that grid
    // moves by at most m/2 dots (one dot at magnification 2, 0.125 mm at 203 dpi).
    const x0 = Math.min(...g.pieces.map((p) => p.x));
    const y0 = Math.min(...g.pieces.map((p) => p.y));
    const merged = mergePlaced(
      g.pieces.map((p) => ({
        bitmap: p.bitmap,
        x: Math.round((p.x - x0) / m),
        y: Math.round((p.y - y0) / m),
      })),
    );
    if (merged === undefined) continue;
    const f = chunkBuilder().command("FO", x0 + merged.x * m, y0 + merged.y * m);
    place(merged.bitmap, f, m);
    perElement[g.at]?.push(...f.command("FS").take());
  }
  return [...header, ...perElement.flat()];
}

const NL = encodeAscii("\n");

/**
 * `^XA^CI28`, the prefix, the chunks each followed by LF (ignored by the printer between commands;
 * kept for readable golden files unless `compact`), `^PQ1^XZ`.
 */
export function assembleFormat(
  chunks: readonly Uint8Array[],
  prefix?: Uint8Array,
  compact = false,
): Uint8Array {
  const start = beginFormat().end(); // "^XA^CI28^XZ": reuse the builder's head, drop its tail
  const parts: Uint8Array[] = [start.subarray(0, start.length - 3)];
  if (prefix !== undefined) parts.push(prefix);
  for (const c of chunks) {
    parts.push(c);
    if (!compact) parts.push(NL);
  }
  parts.push(encodeAscii("^PQ1^XZ"));
  return concatBytes(parts);
}

/**
 * Compiles `label` into one ZPL format for a printer described by `profile`:
 * `^XA^CI28^PW…^LL…^LH0,0`, the elements in order, `^PQ1^XZ`. Lengths are converted with
 * {@link mmToDots} at `profile.dpi`.
 */
export function compileZpl(label: Label, profile: DeviceProfile): Uint8Array {
  return assembleFormat(compileChunks(label, profile, inlineGraphic));
}

export { createZplCompiler, type ZplCompilerOptions } from "./session.ts";
