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

export const TAG_TYPES: Readonly<Record<number, TagType>> = Object.freeze({
  0x01: {
    hwType: 0x01,
    name: 'M2 2.9"',
    width: 296,
    height: 128,
    bpp: 2,
    colour: "red",
    zlib: false,
  },
  0x02: {
    hwType: 0x02,
    name: 'M2 4.2"',
    width: 400,
    height: 300,
    bpp: 2,
    colour: "red",
    zlib: false,
  },
  0x26: {
    hwType: 0x26,
    name: 'M2 7.5" BW',
    width: 640,
    height: 384,
    bpp: 1,
    colour: "none",
    zlib: false,
  },
  0x33: {
    hwType: 0x33,
    name: 'M3 2.9"',
    width: 384,
    height: 168,
    bpp: 2,
    colour: "red",
    zlib: true,
  },
  0x34: {
    hwType: 0x34,
    name: 'M3 4.2"',
    width: 400,
    height: 300,
    bpp: 2,
    colour: "red",
    zlib: true,
  },
  0x3c: {
    hwType: 0x3c,
    name: 'M3 4.2" BWY',
    width: 400,
    height: 300,
    bpp: 2,
    colour: "yellow",
    zlib: true,
  },
  0x40: {
    hwType: 0x40,
    name: 'M3 2.9" BW',
    width: 384,
    height: 168,
    bpp: 1,
    colour: "none",
    zlib: true,
  },
  0x54: {
    hwType: 0x54,
    name: 'HS 2.13" BW',
    width: 256,
    height: 128,
    bpp: 1,
    colour: "none",
    zlib: true,
  },
});

/** §6.1 capability bit: the tag takes compressed data. */
export const CAP_COMPRESSION = 0x02;
