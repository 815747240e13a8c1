/**
 * TSPL status replies (TSPL PM "<ESC>!?" and "<ESC>!S"; reference/device-protocols.md §2.2).
 *
 * `ESC ! ?` → one byte: bit 0 head opened, 1 paper jam, 2 out of paper, 3 out of ribbon, 4 pause,
 * 5 printing, 6 cover opened (option), 7 environment temperature over range (option). 00 = ready.
 *
 * `ESC ! S` → `STX b1 b2 b3 b4 ETX CR LF`, every status byte 0x40-based: b1 message (`@` normal,
 * `` ` `` pause, `E` error, `P` printing …), b2 warning (`H` receive buffer full), b3 error (`A`
 * head overheat, `B` motor overheat, `H` cutter jam, `P` insufficient memory), b4 error (`A` paper
 * empty, `B` paper jam, `D` ribbon empty).
 */
export interface TsplStatusFlags {
  headOpen: boolean;
  paperJam: boolean;
  paperOut: boolean;
  ribbonOut: boolean;
  paused: boolean;
  printing: boolean;
  coverOpen: boolean;
  overTemperature: boolean;
}

export function decodeTsplStatusByte(b: number): TsplStatusFlags {
  return {
    headOpen: (b & 0x01) !== 0,
    paperJam: (b & 0x02) !== 0,
    paperOut: (b & 0x04) !== 0,
    ribbonOut: (b & 0x08) !== 0,
    paused: (b & 0x10) !== 0,
    printing: (b & 0x20) !== 0,
    coverOpen: (b & 0x40) !== 0,
    overTemperature: (b & 0x80) !== 0,
  };
}

export function encodeTsplStatusByte(f: TsplStatusFlags): number {
  return (
    (f.headOpen ? 0x01 : 0) |
    (f.paperJam ? 0x02 : 0) |
    (f.paperOut ? 0x04 : 0) |
    (f.ribbonOut ? 0x08 : 0) |
    (f.paused ? 0x10 : 0) |
    (f.printing ? 0x20 : 0) |
    (f.coverOpen ? 0x40 : 0) |
    (f.overTemperature ? 0x80 : 0)
  );
}

export interface TsplExtendedStatus {
  message: string;
  warning: string;
  error1: string;
  error2: string;
  bufferFull: boolean;
  headOverheat: boolean;
  motorOverheat: boolean;
  cutterJam: boolean;
  paperEmpty: boolean;
  paperJam: boolean;
  ribbonEmpty: boolean;
  paused: boolean;
}

const STX = 0x02;
const ETX = 0x03;

export type TsplExtendedEvent =
  | ({ type: "status" } & TsplExtendedStatus)
  | { type: "malformed"; code: "bad_frame"; offset: number };

/**
 * Decoder for `ESC ! S` replies in any chunking. Bytes before an STX are skipped; a frame whose
 * bytes are not 0x40-based or that does not end `ETX CR LF` is `malformed` and the decoder
 * resynchronizes on the next STX. Never throws.
 */
export function createTsplExtendedStatusDecoder(): {
  push(chunk: Uint8Array): TsplExtendedEvent[];
} {
  let frame: number[] | undefined;
  let pos = 0;
  let start = 0;
  return {
    push(chunk) {
      const out: TsplExtendedEvent[] = [];
      for (const b of chunk) {
        pos++;
        if (frame === undefined) {
          if (b === STX) {
            frame = [];
            start = pos - 1;
          }
          continue;
        }
        frame.push(b);
        if (frame.length < 7) continue;
        const [b1 = 0, b2 = 0, b3 = 0, b4 = 0, etx, cr, lf] = frame;
        frame = undefined;
        const ok =
          etx === ETX &&
          cr === 0x0d &&
          lf === 0x0a &&
          [b1, b2, b3, b4].every((v) => v >= 0x40 && v < 0x80);
        if (!ok) {
          out.push({ type: "malformed", code: "bad_frame", offset: start });
          continue;
        }
        const c = (v: number): string => String.fromCharCode(v);
        out.push({
          type: "status",
          message: c(b1),
          warning: c(b2),
          error1: c(b3),
          error2: c(b4),
          paused: b1 === 0x60,
          bufferFull: b2 === 0x48,
          headOverheat: b3 === 0x41,
          motorOverheat: b3 === 0x42,
          cutterJam: b3 === 0x48,
          paperEmpty: b4 === 0x41,
          paperJam: b4 === 0x42,
          ribbonEmpty: b4 === 0x44,
        });
      }
      return out;
    },
  };
}

/** `STX b1 b2 b3 b4 ETX CR LF` from the four status characters (simulators). */
export function encodeTsplExtendedStatus(
  b1: string,
  b2: string,
  b3: string,
  b4: string,
): Uint8Array {
  const code = (s: string): number => s.charCodeAt(0) & 0x7f;
  return Uint8Array.of(STX, code(b1), code(b2), code(b3), code(b4), ETX, 0x0d, 0x0a);
}
