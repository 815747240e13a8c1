/** PNG of what an e-paper tag shows: white, black and the tag's colour (red or yellow). */
import { createCanvas } from "../../drivers/label/canvas.ts";
import type { IndexedImage } from "../../firmware-protocols/oepl/index.ts";

const RGB: Record<"red" | "yellow", [number, number, number]> = {
  red: [0xcc, 0, 0],
  yellow: [0xff, 0xd0, 0],
};

export function indexedToPng(img: IndexedImage, colour: "none" | "red" | "yellow"): Uint8Array {
  const canvas = createCanvas(Math.max(1, img.width), Math.max(1, img.height));
  const ctx = canvas.getContext("2d");
  const data = ctx.createImageData(canvas.width, canvas.height);
  const c = colour === "none" ? ([0, 0, 0] as const) : RGB[colour];
  for (let i = 0; i < img.width * img.height; i++) {
    const v = img.px[i] ?? 0;
    const [r, g, b] = v === 0 ? [255, 255, 255] : v === 1 ? [0, 0, 0] : c;
    data.data[i * 4] = r;
    data.data[i * 4 + 1] = g;
    data.data[i * 4 + 2] = b;
    data.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
  return new Uint8Array(canvas.toBuffer("image/png"));
}
