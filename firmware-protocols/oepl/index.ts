export * from "./planes.ts";
export * from "./tag-types.ts";
export * from "./record.ts";
export * from "./dither.ts";
