/**
 * Label → what an e-paper tag shows: the label drawn at the tag's native resolution (one label
 * millimetre = one tag pixel, so templates for tags are laid out in pixels), thresholded — text
 * and barcodes are never dithered; barcodes come from bwip-js module matrices at integer module
 * sizes — then packed into OEPL planes and compressed (reference/device-protocols.md §6.1).
 */
import { deflateSync } from "node:zlib";
import {
  BLACK,
  COLOUR,
  DATA_TYPE,
  createIndexed,
  packPlanes,
  rawDataType,
  zlibInput,
  type IndexedImage,
  type PackedPlanes,
} from "../../firmware-protocols/oepl/index.ts";
import { createBitmap, getPixel } from "../label/bitmap.ts";
import type { Label } from "../label/model.ts";
import { drawElement } from "../label/render.ts";

/** 25.4 dpi: mmToDots(mm) = round(mm), i.e. label millimetres are tag pixels. */
export const PIXEL_DPI = 25.4;

export interface TagProfile {
  width: number;
  height: number;
  /** 1 = BW, 2 = BW + colour (red or yellow). */
  bpp: 1 | 2;
  /** The tag takes zlib data (tag type `zlib_compression` and capability 0x02). */
  zlib: boolean;
}

/**
 * The tag image: each element thresholded into black, except the elements listed in `accent`,
 * which go to the colour plane on a colour tag. Barcodes are always black (red-light scanners see
 * red as white, §6.1), so an accent index naming a barcode is ignored.
 */
export function rasterizeForTag(
  label: Label,
  tag: TagProfile,
  accent: ReadonlySet<number> = new Set(),
): IndexedImage {
  const img = createIndexed(tag.width, tag.height);
  label.elements.forEach((el, k) => {
    const layer = createBitmap(tag.width, tag.height);
    drawElement(layer, el, PIXEL_DPI);
    const v = accent.has(k) && el.type !== "barcode" && tag.bpp === 2 ? COLOUR : BLACK;
    for (let y = 0; y < tag.height; y++)
      for (let x = 0; x < tag.width; x++) if (getPixel(layer, x, y)) img.px[y * tag.width + x] = v;
  });
  return img;
}

export interface TagPayload {
  /** §6.1 data type: 0x20 / 0x21 raw, 0x30 zlib. */
  dataType: number;
  bytes: Uint8Array;
  /** Size of the raw planes, for the compression figure. */
  rawBytes: number;
  planes: PackedPlanes;
}

/** Deflate with a 4 KB window: zlib emits CMF 0x48 itself (§6.1). */
export function tagDeflate(input: Uint8Array): Uint8Array {
  return new Uint8Array(deflateSync(input, { windowBits: 12, level: 9, memLevel: 9 }));
}

/** Packs and (when the tag takes it) compresses the image, as the AP sends it over the air. */
export function encodeForTag(img: IndexedImage, tag: TagProfile): TagPayload {
  const planes = packPlanes(img, tag.bpp);
  if (!tag.zlib)
    return {
      dataType: rawDataType(planes),
      bytes: planes.data,
      rawBytes: planes.data.length,
      planes,
    };
  return {
    dataType: DATA_TYPE.ZLIB,
    bytes: tagDeflate(zlibInput(planes)),
    rawBytes: planes.data.length,
    planes,
  };
}
