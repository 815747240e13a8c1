import type { DeviceIdentity } from "../../drivers/types.ts";

/** What the configuration registered for a unit (`devices[].identity`); absent keys are not checked. */
export interface ExpectedIdentity {
  model?: string | undefined;
  serial?: string | undefined;
  firmware?: string | undefined;
}

export type IdentityMismatch =
  "identity_unreadable" | "serial_mismatch" | "model_mismatch" | "firmware_mismatch";

/**
 * Compares what a device reported with what was registered (Art. 17 access review). The serial
 * must be equal; the model and firmware reported must start with the registered text
 * (case-insensitive), since `~HI` reports e.g. `ZT410-200dpi` for a registered `ZT410`.
 * Returns the first mismatch, or undefined when the unit is the registered one.
 */
export function compareIdentity(
  expected: ExpectedIdentity,
  actual: DeviceIdentity | undefined,
): IdentityMismatch | undefined {
  const checks = Object.values(expected).some((v) => v !== undefined);
  if (!checks) return undefined;
  if (actual === undefined) return "identity_unreadable";
  if (expected.serial !== undefined && actual.serial !== expected.serial) return "serial_mismatch";
  const prefix = (want: string | undefined, got: string | undefined) =>
    want === undefined || (got ?? "").toUpperCase().startsWith(want.toUpperCase());
  if (!prefix(expected.model, actual.model)) return "model_mismatch";
  if (!prefix(expected.firmware, actual.firmware)) return "firmware_mismatch";
  return undefined;
}
