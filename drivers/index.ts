/**
 * The driver registry: one line per device family (DESIGN.md §1 rule 4). Keys are the stable
 * driver ids that appear in configuration and audit records.
 */
import type { DriverDefinition } from "./types.ts";
import { zebraZpl } from "./zebra-zpl/index.ts";
import { tscTspl } from "./tspl/index.ts";
import { escpos } from "./escpos/index.ts";
import { zebraCpcl } from "./cpcl/index.ts";
import { uhfR2000 } from "./uhf-r2000/index.ts";
import { oeplAp } from "./oepl-ap/index.ts";
import { waveshareEpaper } from "./waveshare-epaper/index.ts";

export const DRIVERS: Record<string, DriverDefinition> = Object.freeze({
  [zebraZpl.id]: zebraZpl,
  [tscTspl.id]: tscTspl,
  [escpos.id]: escpos,
  [zebraCpcl.id]: zebraCpcl,
  [uhfR2000.id]: uhfR2000,
  [oeplAp.id]: oeplAp,
  [waveshareEpaper.id]: waveshareEpaper,
});

/** The driver registered under `id`, or undefined for an unknown id. */
export function findDriver(id: string): DriverDefinition | undefined {
  return Object.hasOwn(DRIVERS, id) ? DRIVERS[id] : undefined;
}

/**
 * The driver registered under `id`. Throws RangeError for an unknown id: configuration
 * validation should have rejected it, so reaching here is a programming error.
 */
export function getDriver(id: string): DriverDefinition {
  const d = findDriver(id);
  if (d === undefined) throw new RangeError(`unknown driver id ${JSON.stringify(id)}`);
  return d;
}
