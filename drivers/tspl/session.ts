/**
 * The per-device TSPL compiler (a {@link CompilerSession}): text graphics — what a printer without
 * a resident CJK font gets as dots, and text a resident font cannot carry — are stored in the
 * printer's DRAM once and printed from there after, so the labels of a sorting line (the same
 * destinations, captions and sender all day) carry only what is new.
 *
 * - A text graphic seen for the first time is sent inline as a `BITMAP` (TSPL PM, "BITMAP"), as the
 *   stateless compiler sends it, and only remembered (its fingerprint) as seen. When it recurs it
 *   is sent as a 1-bit BMP file with `DOWNLOAD "G<n>.BMP",size,…` ahead of the label (TSPL/TSPL2
 *   PM, "DOWNLOAD"; without a memory letter the file goes to DRAM) and placed with
 *   `PUTBMP x,y,"G<n>.BMP"` (PM, "PUTBMP"); after that only the `PUTBMP` line is sent. A BMP file
 *   costs its 62-byte header and rows padded to 4 bytes more than an inline `BITMAP`, so a graphic
 *   used once (the recipient's name, the waybill number) never pays that, and the cold first label
 *   is byte for byte the inline one; a graphic used twice costs one inline copy plus one file, and
 *   every use after that saves its whole size. At most `maxSeen` fingerprints of graphics seen once
 *   are kept (least recently seen forgotten first).
 * - Beyond `maxFiles` files the least recently used are deleted with `KILL "G<n>.BMP"` (PM,
 *   "KILL"); TSPL printers hold 256 files in DRAM at most.
 *
 * `reset()` forgets the files (they count as seen, so their next use downloads them again); the
 * runtime calls it when the connection drops or a write fails, since the printer may have
 * restarted and lost its DRAM. A name that may still exist is simply
 * downloaded again (a DOWNLOAD of an existing name replaces the file).
 */
import { bitmapsEqual, type Bitmap } from "../label/bitmap.ts";
import type { CompilerSession, DeviceProfile } from "../types.ts";
import { encodeBmp1 } from "../../firmware-protocols/tspl/bmp.ts";
import {
  concat,
  encodeTsplDownload,
  encodeTsplKill,
  encodeTsplPutBmp,
} from "../../firmware-protocols/tspl/commands.ts";
import { compileTspl, inlineBitmap, type TsplGraphicPlacer } from "./compile.ts";

export interface TsplCompilerOptions {
  /** Text graphics kept in printer memory before the least recently used is deleted (default 200). */
  maxFiles?: number;
  /** Graphics seen once (inline) whose fingerprints are kept to spot a repeat (default 2000). */
  maxSeen?: number;
}

function fingerprint(b: Bitmap): string {
  let h = 0x811c9dc5;
  for (const byte of b.data) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return `${b.width}x${b.height}:${h.toString(16)}`;
}

export function createTsplCompiler(
  profile: DeviceProfile,
  options: TsplCompilerOptions = {},
): CompilerSession {
  const maxFiles = Math.max(1, Math.min(256, options.maxFiles ?? 200));
  // fingerprint → {name, dots}; Map order is the LRU order (oldest first).
  let files = new Map<string, { name: string; dots: Bitmap }>();
  const maxSeen = Math.max(1, options.maxSeen ?? 2000);
  // Fingerprints of graphics sent inline once (Map order: least recently seen first).
  let seen = new Map<string, true>();
  let next = 0;
  return {
    compile(label) {
      const before = { files: new Map(files), seen: new Map(seen), next };
      try {
        const downloads: Uint8Array[] = [];
        const used = new Set<string>();
        const place: TsplGraphicPlacer = (b, x, y) => {
          const key = fingerprint(b);
          let entry = files.get(key);
          if (entry !== undefined && !bitmapsEqual(entry.dots, b)) entry = undefined;
          if (entry === undefined && !seen.has(key)) {
            // First sight: inline, as without a session; a repeat will be downloaded.
            seen.set(key, true);
            if (seen.size > maxSeen) for (const k of seen.keys()) if (seen.delete(k)) break;
            return inlineBitmap(b, x, y);
          }
          if (entry === undefined) {
            seen.delete(key);
            entry = { name: `G${(next++).toString(36).toUpperCase()}.BMP`, dots: b };
            downloads.push(encodeTsplDownload(entry.name, encodeBmp1(b)));
          }
          files.delete(key);
          files.set(key, entry);
          used.add(entry.name);
          return encodeTsplPutBmp(x, y, entry.name);
        };
        const job = compileTspl(label, profile, place);
        const kills: Uint8Array[] = [];
        for (const [k, f] of files) {
          if (files.size <= maxFiles) break;
          if (used.has(f.name)) continue;
          files.delete(k);
          kills.push(encodeTsplKill(f.name));
        }
        return concat([...kills, ...downloads, job]);
      } catch (e) {
        // Nothing is sent: the session goes back to what the printer really holds.
        files = before.files;
        seen = before.seen;
        next = before.next;
        throw e;
      }
    },
    reset() {
      // What the printer held may be gone; graphics that were files have recurred before, so
      // they count as seen and are downloaded again at their next use.
      for (const k of files.keys()) seen.set(k, true);
      files = new Map();
    },
  };
}
