/** R2000 `0xA0` serial protocol codecs: pure, sans-IO (DESIGN.md §1). */
export * from "./frame.ts";
export * from "./commands.ts";
export * from "./result-codes.ts";
