export * from "./planes.ts";
export * from "./tag-types.ts";
