/**
 * @napi-rs/canvas (Skia), loaded on first use rather than at start-up: loading it maps Skia and
 * starts its threads, about 30 MB resident, and most gateways never draw (text graphics come from
 * the cache, the printer's resident font or the interpreter; README "Performance"). Every module
 * that draws takes the canvas from here; the library is CommonJS, so a synchronous `require` on
 * first call keeps the drawing code synchronous.
 */
import { createRequire } from "node:module";
import type { Canvas } from "@napi-rs/canvas";

type CanvasModule = typeof import("@napi-rs/canvas");

let mod: CanvasModule | undefined;

/** The library, loaded by the first call. */
export function loadCanvas(): CanvasModule {
  mod ??= createRequire(import.meta.url)("@napi-rs/canvas") as CanvasModule;
  return mod;
}

/** `createCanvas` of @napi-rs/canvas (raster canvas). */
export function createCanvas(width: number, height: number): Canvas {
  return loadCanvas().createCanvas(width, height);
}
