/**
 * ESC/POS status bytes (ESC/POS APG, DLE EOT and GS a; reference/device-protocols.md §3.2, §3.3).
 *
 * A `DLE EOT n` reply is one byte with bits 1 and 4 set and bits 0 and 7 clear (`0xx1xx10`); an
 * automatic status back (ASB) block is 4 bytes whose first byte is `0xx1xx00`. A reader tells them
 * apart by `byte & 0x93`: 0x12 is a reply, 0x10 starts an ASB block.
 */
export interface EscposRealtimeStatus {
  /** n = 1, bit 3. */
  offline: boolean;
  /** n = 2, bit 2. */
  coverOpen: boolean;
  /** n = 2, bit 5: printing stopped because of paper end. */
  paperEndStop: boolean;
  /** n = 2, bit 6. */
  errorOccurred: boolean;
  /** n = 3, bit 3. */
  autocutterError: boolean;
  /** n = 3, bit 5. */
  unrecoverableError: boolean;
  /** n = 3, bit 6 (e.g. head temperature). */
  autoRecoverableError: boolean;
  /** n = 4, bits 2+3. */
  paperNearEnd: boolean;
  /** n = 4, bits 5+6. */
  paperEnd: boolean;
}

export const isRealtimeReply = (b: number): boolean => (b & 0x93) === 0x12;
export const isAsbFirstByte = (b: number): boolean => (b & 0x93) === 0x10;

/** The four reply bytes of `DLE EOT 1`, `2`, `3`, `4` for a status (simulators). */
export function encodeRealtimeReplies(s: EscposRealtimeStatus): [number, number, number, number] {
  return [
    0x12 | (s.offline ? 0x08 : 0),
    0x12 | (s.coverOpen ? 0x04 : 0) | (s.paperEndStop ? 0x20 : 0) | (s.errorOccurred ? 0x40 : 0),
    0x12 |
      (s.autocutterError ? 0x08 : 0) |
      (s.unrecoverableError ? 0x20 : 0) |
      (s.autoRecoverableError ? 0x40 : 0),
    0x12 | (s.paperNearEnd ? 0x0c : 0) | (s.paperEnd ? 0x60 : 0),
  ];
}

/** Reads the replies to `DLE EOT 1, 2, 3, 4` (in that order). */
export function decodeRealtimeReplies(
  r1: number,
  r2: number,
  r3: number,
  r4: number,
): EscposRealtimeStatus {
  return {
    offline: (r1 & 0x08) !== 0,
    coverOpen: (r2 & 0x04) !== 0,
    paperEndStop: (r2 & 0x20) !== 0,
    errorOccurred: (r2 & 0x40) !== 0,
    autocutterError: (r3 & 0x08) !== 0,
    unrecoverableError: (r3 & 0x20) !== 0,
    autoRecoverableError: (r3 & 0x40) !== 0,
    paperNearEnd: (r4 & 0x0c) !== 0,
    paperEnd: (r4 & 0x60) !== 0,
  };
}

/** The 4-byte ASB block for a status (ESC/POS APG, GS a; reference §3.3). */
export function encodeAsb(s: EscposRealtimeStatus): Uint8Array {
  return Uint8Array.of(
    0x10 | (s.offline ? 0x08 : 0) | (s.coverOpen ? 0x20 : 0),
    (s.autocutterError ? 0x08 : 0) |
      (s.unrecoverableError ? 0x20 : 0) |
      (s.autoRecoverableError ? 0x40 : 0),
    (s.paperNearEnd ? 0x03 : 0) | (s.paperEnd ? 0x0c : 0),
    0x00,
  );
}
