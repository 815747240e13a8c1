export * from "./frame.ts";
