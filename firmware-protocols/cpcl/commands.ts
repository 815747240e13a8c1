/**
 * CPCL (Zebra mobile printers) host commands (Zebra CPCL Programming Guide; reference/
 * device-protocols.md §4). A label is a session `! offset hres vres height qty` … `PRINT`, one
 * command per CR LF line. A command's data runs to the end of its line and CPCL has no escape, so
 * content may contain neither CR nor LF nor any other control byte: {@link isCarriableText} is
 * the check, and text that fails it is sent as `EG` graphics instead.
 */
import { encodePrintableAscii } from "../bytes.ts";

export const ESC = 0x1b;
/** `ESC h` status byte (CPCL PG, "Status"): only outside a `! … PRINT` session. */
export const STATUS_REQUEST = Uint8Array.of(ESC, 0x68);
/** `ESC i` extended status byte. */
export const EXTENDED_STATUS_REQUEST = Uint8Array.of(ESC, 0x69);
/** `ESC N` acknowledges the "printer was reset" bit. */
export const ACK_RESET = Uint8Array.of(ESC, 0x4e);

/** A line of program-controlled ASCII (command words, numbers) + CR LF. */
export function encodeCpclLine(text: string): Uint8Array {
  return encodePrintableAscii(text, [0x0d, 0x0a]);
}

/** True when content bytes (ASCII or GB 18030) hold no control byte: safe as line data. */
export function isCarriableText(bytes: Uint8Array): boolean {
  return bytes.every((b) => b >= 0x20 && b !== 0x7f);
}

/** `<prefix><content>` CR LF, content checked with {@link isCarriableText}. */
export function encodeCpclDataLine(prefix: string, content: Uint8Array): Uint8Array {
  if (!isCarriableText(content)) throw new RangeError("content has a control byte");
  const head = encodeCpclLine(prefix);
  const out = new Uint8Array(head.length + content.length);
  out.set(head.subarray(0, head.length - 2));
  out.set(content, head.length - 2);
  out.set([0x0d, 0x0a], head.length - 2 + content.length);
  return out;
}

/** `EG widthBytes height x y <hex>` (CPCL PG, EXPANDED-GRAPHICS): 1 = black, MSB leftmost. */
export function encodeExpandedGraphics(
  widthBytes: number,
  height: number,
  x: number,
  y: number,
  data: Uint8Array,
): Uint8Array {
  if (data.length !== widthBytes * height) throw new RangeError("graphics data size mismatch");
  let hex = "";
  for (const b of data) hex += b.toString(16).toUpperCase().padStart(2, "0");
  return encodeCpclLine(`EG ${widthBytes} ${height} ${x} ${y} ${hex}`);
}

/** The `ESC h` status byte (CPCL PG; reference §4). Bits 5–7 are reserved and always 0. */
export interface CpclStatus {
  busy: boolean;
  paperOut: boolean;
  latchOpen: boolean;
  batteryLow: boolean;
  wasReset: boolean;
}

export const isValidStatusByte = (b: number): boolean => (b & 0xe0) === 0;

export function decodeCpclStatus(b: number): CpclStatus {
  return {
    busy: (b & 0x01) !== 0,
    paperOut: (b & 0x02) !== 0,
    latchOpen: (b & 0x04) !== 0,
    batteryLow: (b & 0x08) !== 0,
    wasReset: (b & 0x10) !== 0,
  };
}

export function encodeCpclStatus(s: CpclStatus): number {
  return (
    (s.busy ? 1 : 0) |
    (s.paperOut ? 2 : 0) |
    (s.latchOpen ? 4 : 0) |
    (s.batteryLow ? 8 : 0) |
    (s.wasReset ? 16 : 0)
  );
}

/**
 * Device-side CPCL stream parser: `line` events for each CR LF line (CR stripped), `immediate`
 * for `ESC x` two-byte commands at the start of a line. Never throws.
 */
export type CpclEvent =
  | { type: "line"; bytes: Uint8Array }
  | { type: "immediate"; code: string }
  | { type: "malformed"; code: "line_too_long" };

export function createCpclStreamParser(): { push(chunk: Uint8Array): CpclEvent[] } {
  let line: number[] = [];
  let esc = false;
  let overflow = false;
  return {
    push(chunk) {
      const out: CpclEvent[] = [];
      for (const b of chunk) {
        if (esc) {
          esc = false;
          out.push({ type: "immediate", code: String.fromCharCode(b) });
          continue;
        }
        if (b === ESC && line.length === 0) {
          esc = true;
          continue;
        }
        if (b === 0x0a) {
          if (overflow) out.push({ type: "malformed", code: "line_too_long" });
          else {
            if (line[line.length - 1] === 0x0d) line.pop();
            out.push({ type: "line", bytes: Uint8Array.from(line) });
          }
          line = [];
          overflow = false;
          continue;
        }
        if (line.length >= 1 << 20) overflow = true;
        else line.push(b);
      }
      return out;
    },
  };
}
