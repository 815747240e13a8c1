/**
 * Adapters from the gateway's keys to the small ports other modules declare, so those modules
 * never hold key material themselves (`main.ts` wires them).
 */
import { openKeyed, sealKeyed, type DataKeyring } from "./seal.ts";

/** Seals and opens data at rest under the gateway's data key (same contract as `seal`/`open`). */
export interface Sealer {
  /** See {@link seal}; `aad` binds the value to its context (e.g. `job:<job_id>`). */
  seal(plaintext: Uint8Array, aad: string): Uint8Array;
  /** See {@link open}; throws CodedError `internal` (`details.reason`) on any tampering. */
  open(sealed: Uint8Array, aad: string): Uint8Array;
}

/**
 * A {@link Sealer} over the current data key (AES-256-GCM), naming the key in each value so a
 * rotated key still opens what it sealed (`sealKeyed` / `openKeyed`).
 */
export function createSealer(keys: DataKeyring): Sealer {
  return {
    seal: (plaintext, aad) => sealKeyed(keys, plaintext, aad),
    open: (sealed, aad) => openKeyed(keys, sealed, aad),
  };
}
