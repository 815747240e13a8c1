/**
 * The OEPL tag types labelgate knows (reference/device-protocols.md §6.1 "Tag types", from
 * `resources/tagtypes/XX.json` of the AP firmware): size, bits per pixel, the colour of plane 2
 * and whether the type takes zlib-compressed data. Keyed by the hex `hwType`.
 */
export interface TagType {
  hwType: number;
  name: string;
  width: number;
  height: number;
  /** 1 = BW, 2 = BW + colour. */
  bpp: 1 | 2;
  colour: "none" | "red" | "yellow";
  zlib: boolean;
}

/** Only what the reference table states; `zlib` only where it is marked "(zlib)". */
export const TAG_TYPES: Readonly<Record<number, TagType>> = Object.freeze({
  0x00: t(0x00, 'M2 1.54"', 152, 152, 2, "red", false),
  0x01: t(0x01, 'M2 2.9"', 296, 128, 2, "red", false),
  0x02: t(0x02, 'M2 4.2"', 400, 300, 2, "red", false),
  0x05: t(0x05, 'M2 7.4"', 640, 384, 2, "red", true),
  0x26: t(0x26, 'M2 7.5" BW', 640, 384, 1, "none", false),
  0x30: t(0x30, 'M3 1.6"', 200, 200, 2, "red", true),
  0x31: t(0x31, 'M3 2.2"', 296, 160, 2, "red", true),
  0x33: t(0x33, 'M3 2.9"', 384, 168, 2, "red", true),
  0x34: t(0x34, 'M3 4.2"', 400, 300, 2, "red", false),
  0x3c: t(0x3c, 'M3 4.2" BWY', 400, 300, 2, "yellow", false),
  0x40: t(0x40, 'M3 2.9" BW', 384, 168, 1, "none", false),
  0x54: t(0x54, 'HS 2.13" BW', 256, 128, 1, "none", false),
});

function t(
  hwType: number,
  name: string,
  width: number,
  height: number,
  bpp: 1 | 2,
  colour: TagType["colour"],
  zlib: boolean,
): TagType {
  return { hwType, name, width, height, bpp, colour, zlib };
}

/** §6.1 capability bit: the tag takes compressed data. */
export const CAP_COMPRESSION = 0x02;
