#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx compiles each module on load, so there is no build
// step between `npm install` and `npm start`.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/index.ts");
