/**
 * Adapters from the gateway's keys to the small ports other modules declare, so those modules
 * never hold key material themselves (`main.ts` wires them).
 */
import type { Keys } from "./keys.ts";
import { open, seal } from "./seal.ts";

/** Seals and opens data at rest under the gateway's data key (same contract as `seal`/`open`). */
export interface Sealer {
  /** See {@link seal}; `aad` binds the value to its context (e.g. `job:<job_id>`). */
  seal(plaintext: Uint8Array, aad: string): Uint8Array;
  /** See {@link open}; throws CodedError `internal` (`details.reason`) on any tampering. */
  open(sealed: Uint8Array, aad: string): Uint8Array;
}

/** A {@link Sealer} over `keys.data` (AES-256-GCM). */
export function createSealer(keys: Pick<Keys, "data">): Sealer {
  return {
    seal: (plaintext, aad) => seal(keys.data, plaintext, aad),
    open: (sealed, aad) => open(keys.data, sealed, aad),
  };
}
