/**
 * OpenEPaperLink image data as the access point sends it to a tag (reference/device-protocols.md
 * §6.1 "Image format sent to tags", from the AP firmware source). Pure data, no I/O.
 *
 * - A logical image holds one palette index per pixel: 0 white, 1 black, 2 the tag's colour (red
 *   or yellow, from the tag type's `colortable`).
 * - Plane 1 (black) comes first; plane 2 (colour) follows only when the tag type is 2 bpp **and**
 *   the colour is used. Each plane is row-major, 8 px per byte, MSB = leftmost, 1 = ink.
 * - Data types: `0x20` RAW_1BPP, `0x21` RAW_2BPP, `0x30` ZLIB: a zlib stream with a 4 KB window
 *   (CMF `0x48`) over a 6-byte header `[06, width LE16, height LE16, planes]` and the planes.
 */

export const WHITE = 0;
export const BLACK = 1;
export const COLOUR = 2;

/** §6.1 data types. */
export const DATA_TYPE = { RAW_1BPP: 0x20, RAW_2BPP: 0x21, ZLIB: 0x30 } as const;

/** One palette index per pixel, row-major. */
export interface IndexedImage {
  width: number;
  height: number;
  px: Uint8Array;
}

export interface PackedPlanes {
  width: number;
  height: number;
  /** 1 (black only) or 2 (black, then colour). */
  planes: 1 | 2;
  /** planes × ceil(width / 8) × height bytes. */
  data: Uint8Array;
}

export function createIndexed(width: number, height: number): IndexedImage {
  return { width, height, px: new Uint8Array(width * height) };
}

function planeBytes(width: number, height: number): number {
  return Math.ceil(width / 8) * height;
}

/**
 * Packs `img` for a tag of `bpp` bits per pixel (1 = BW, 2 = BW + colour). On a 1 bpp tag the
 * colour index is drawn black, so nothing on the image is lost. Throws RangeError for another bpp
 * or a palette index above 2.
 */
export function packPlanes(img: IndexedImage, bpp: number): PackedPlanes {
  if (bpp !== 1 && bpp !== 2) throw new RangeError(`unsupported bpp ${bpp}`);
  const { width, height, px } = img;
  const stride = Math.ceil(width / 8);
  let usesColour = false;
  for (const v of px) {
    if (v > COLOUR) throw new RangeError("palette index out of range");
    if (v === COLOUR) usesColour = true;
  }
  const planes: 1 | 2 = bpp === 2 && usesColour ? 2 : 1;
  const n = planeBytes(width, height);
  const data = new Uint8Array(n * planes);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = px[y * width + x] ?? WHITE;
      if (v === WHITE) continue;
      const i = y * stride + (x >> 3);
      const bit = 0x80 >> (x & 7);
      if (v === BLACK || planes === 1) data[i] = (data[i] ?? 0) | bit;
      else data[n + i] = (data[n + i] ?? 0) | bit;
    }
  }
  return { width, height, planes, data };
}

/** The logical image of packed planes (ink in both planes counts as colour). */
export function unpackPlanes(p: PackedPlanes): IndexedImage {
  const n = planeBytes(p.width, p.height);
  if (p.data.length !== n * p.planes) throw new RangeError("plane data has the wrong length");
  const stride = Math.ceil(p.width / 8);
  const img = createIndexed(p.width, p.height);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const i = y * stride + (x >> 3);
      const bit = 0x80 >> (x & 7);
      const colour = p.planes === 2 && ((p.data[n + i] ?? 0) & bit) !== 0;
      const black = ((p.data[i] ?? 0) & bit) !== 0;
      img.px[y * p.width + x] = colour ? COLOUR : black ? BLACK : WHITE;
    }
  }
  return img;
}

/** The bytes that go into the zlib stream of data type 0x30: the 6-byte header, then the planes. */
export function zlibInput(p: PackedPlanes): Uint8Array {
  if (p.width > 0xffff || p.height > 0xffff) throw new RangeError("image too large");
  const out = new Uint8Array(6 + p.data.length);
  // [06, width LE16, height LE16, planes] (§6.1; width/height swap when rotatebuffer is odd,
  // which the caller does by packing the rotated image).
  out.set([6, p.width & 0xff, p.width >> 8, p.height & 0xff, p.height >> 8, p.planes], 0);
  out.set(p.data, 6);
  return out;
}

/** Parses what {@link zlibInput} produced (after inflating); RangeError on a malformed header. */
export function parseZlibInput(bytes: Uint8Array): PackedPlanes {
  if (bytes.length < 6 || bytes[0] !== 6) throw new RangeError("bad image header");
  const width = (bytes[1] ?? 0) | ((bytes[2] ?? 0) << 8);
  const height = (bytes[3] ?? 0) | ((bytes[4] ?? 0) << 8);
  const planes = bytes[5];
  if (planes !== 1 && planes !== 2) throw new RangeError("bad plane count");
  const data = bytes.subarray(6);
  if (data.length !== planeBytes(width, height) * planes)
    throw new RangeError("plane data has the wrong length");
  return { width, height, planes, data };
}

/**
 * True when `stream` starts with the zlib header the tags expect: CMF `0x48` (deflate, 4 KB
 * window) and a valid FCHECK ((CMF × 256 + FLG) mod 31 = 0, RFC 1950 §2.2), no preset dictionary.
 */
export function hasTagZlibHeader(stream: Uint8Array): boolean {
  const cmf = stream[0];
  const flg = stream[1];
  if (cmf !== 0x48 || flg === undefined) return false;
  return (cmf * 256 + flg) % 31 === 0 && (flg & 0x20) === 0;
}

/** The raw (uncompressed) data type for a plane count. */
export function rawDataType(p: PackedPlanes): number {
  return p.planes === 2 ? DATA_TYPE.RAW_2BPP : DATA_TYPE.RAW_1BPP;
}
