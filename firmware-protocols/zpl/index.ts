/** ZPL II codecs: pure, sans-IO, over Uint8Array (DESIGN.md §1). */
export * from "./bytes.ts";
export * from "./format.ts";
export * from "./host-status.ts";
export * from "./stream-parser.ts";
