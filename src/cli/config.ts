import { configJsonSchema, loadConfigFile } from "../config/load.ts";
import { isCodedError } from "../errors.ts";

export function runConfigCheck(file: string): number {
  try {
    const c = loadConfigFile(file);
    console.log(
      `${file}: valid (site ${c.site}, gateway ${c.gateway}, ${c.devices.length} device(s))`,
    );
    return 0;
  } catch (e) {
    console.error(isCodedError(e) ? e.message : String(e));
    return 1;
  }
}

export function runConfigSchema(): number {
  console.log(JSON.stringify(configJsonSchema(), null, 2));
  return 0;
}
