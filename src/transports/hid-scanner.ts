/**
 * HID barcode scanners as input devices (issue #4 §1): keyboard-wedge scanners send boot
 * keyboard reports, HID POS scanners send barcode reports. Decoders are pure (bytes in, scans
 * out); {@link createHidScanner} opens the device through the injected node-hid slice.
 */
import { openHid, type HidHandleLike, type HidLike, type HidMatch } from "./hid.ts";

/** Longest scan kept; longer input is cut off there (no waybill code is near this). */
export const MAX_SCAN_LENGTH = 128;

/**
 * Boot keyboard reports (HID 1.11 Appendix B.1: byte 0 modifiers, byte 1 reserved, bytes 2–7
 * key codes) decoded with the Keyboard/Keypad usage page (HID Usage Tables 1.12 §10) on a US
 * layout, which is what scanners emit by default. A key counts when it appears in a report and
 * was not down in the previous one; Enter (0x28) ends a scan.
 */
export function createKeyboardWedgeDecoder(): { push(report: Uint8Array): string[] } {
  let down = new Set<number>();
  let text = "";
  const SHIFT = 0x22; // left shift 0x02, right shift 0x20
  const char = (code: number, shift: boolean): string | undefined => {
    if (code >= 0x04 && code <= 0x1d) {
      const c = String.fromCharCode(0x61 + code - 0x04);
      return shift ? c.toUpperCase() : c;
    }
    if (code >= 0x1e && code <= 0x26) return shift ? "!@#$%^&*("[code - 0x1e] : String(code - 0x1d);
    if (code === 0x27) return shift ? ")" : "0";
    const table: Record<number, [string, string]> = {
      0x2c: [" ", " "],
      0x2d: ["-", "_"],
      0x2e: ["=", "+"],
      0x33: [";", ":"], // badge codes of scan stations (`OP:E10293`)
      0x36: [",", "<"],
      0x37: [".", ">"],
      0x38: ["/", "?"],
    };
    return table[code]?.[shift ? 1 : 0];
  };
  return {
    push(report) {
      const scans: string[] = [];
      if (report.byteLength < 3) return scans;
      const shift = ((report[0] ?? 0) & SHIFT) !== 0;
      const now = new Set<number>();
      for (let i = 2; i < Math.min(report.byteLength, 8); i++) {
        const code = report[i] ?? 0;
        if (code === 0) continue;
        now.add(code);
        if (down.has(code)) continue;
        if (code === 0x28 || code === 0x58) {
          if (text !== "") scans.push(text);
          text = "";
        } else {
          const c = char(code, shift);
          if (c !== undefined && text.length < MAX_SCAN_LENGTH) text += c;
        }
      }
      down = now;
      return scans;
    },
  };
}

/**
 * HID POS barcode reports (usage page 0x8C): report ID 2, byte 1 the number of data bytes in
 * this report, then the data; a report that is not full ends the scan [unverified: layout of the
 * common "HID POS" mode as documented by scanner vendors; symbology bytes are ignored].
 */
export function createHidPosDecoder(reportDataSize = 56): { push(report: Uint8Array): string[] } {
  let text = "";
  return {
    push(report) {
      if (report.byteLength < 2 || report[0] !== 0x02) return [];
      const n = Math.min(report[1] ?? 0, report.byteLength - 2);
      for (let i = 0; i < n && text.length < MAX_SCAN_LENGTH; i++)
        text += String.fromCharCode(report[2 + i] ?? 0);
      if (n >= reportDataSize) return [];
      const done = text.replace(/[\r\n]+$/, "");
      text = "";
      return done === "" ? [] : [done];
    },
  };
}

export interface HidScannerOptions extends HidMatch {
  hid: HidLike;
  mode: "keyboard" | "pos";
  onScan: (code: string) => void;
  /** Called when the scanner goes away (unplug); `start()` may be called again. */
  onLost?: () => void;
}

export interface HidScanner {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
}

export function createHidScanner(o: HidScannerOptions): HidScanner {
  let handle: HidHandleLike | undefined;
  return {
    get running() {
      return handle !== undefined;
    },
    async start() {
      if (handle) return;
      const h = await openHid(o.hid, o);
      const decoder = o.mode === "pos" ? createHidPosDecoder() : createKeyboardWedgeDecoder();
      h.on("data", (report: Buffer) => {
        for (const code of decoder.push(
          new Uint8Array(report.buffer, report.byteOffset, report.byteLength),
        ))
          o.onScan(code);
      });
      h.on("error", () => {
        if (handle !== h) return;
        handle = undefined;
        h.removeAllListeners();
        h.close().catch(() => undefined);
        o.onLost?.();
      });
      handle = h;
    },
    async stop() {
      const h = handle;
      handle = undefined;
      if (!h) return;
      h.removeAllListeners();
      await h.close().catch(() => undefined);
    },
  };
}
