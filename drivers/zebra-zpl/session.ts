/**
 * The per-device ZPL compiler (a {@link CompilerSession}): it remembers what the printer holds in
 * its DRAM (`R:`, cleared at power-up) so that repeated sorting labels carry only what is new.
 *
 * - **Text graphics** (drivers/label/pieces.ts) are downloaded once with `~DG` (ZPL II PG, `~DG`
 *   Download Graphics) and recalled with `^XG` (Recall Graphic). The least recently used are
 *   deleted with `^ID` (Object Delete) beyond `maxGraphics`.
 * - **Stored formats**: when two consecutive labels share chunks (the header, rules, captions,
 *   the sender zone …) worth `minSkeletonBytes`, the shared chunks are stored once as a format
 *   with `^DF` (Download Format; a format holding `^DF` is stored, not printed) and later labels
 *   recall them with `^XF` (Recall Format) and send only their own chunks. Chunks draw black on
 *   white and never overlap in meaning, so their order inside a label does not matter.
 *
 * `reset()` forgets everything; the runtime calls it when the connection drops or a write fails,
 * since the printer may have restarted. A name that may still exist is simply downloaded again
 * (`~DG` / `^DF` overwrite).
 */
import type { Bitmap } from "../label/bitmap.ts";
import type { CompilerSession, DeviceProfile } from "../types.ts";
import { concatBytes, decodeLatin1, encodeAscii } from "../../firmware-protocols/zpl/bytes.ts";
import { encodeFormatCommand } from "../../firmware-protocols/zpl/format.ts";
import { encodeDownloadGraphic } from "../../firmware-protocols/zpl/graphics.ts";
import { assembleFormat, compileChunks } from "./compile.ts";
import { deflateZ64, type GraphicPlacer } from "./elements.ts";

export interface ZplCompilerOptions {
  /** Text graphics kept in printer memory before the least recently used is deleted (default 512). */
  maxGraphics?: number;
  /** Shared chunks smaller than this are not worth a stored format (default 100 bytes). */
  minSkeletonBytes?: number;
  /** Stored formats kept (default 32). */
  maxSkeletons?: number;
}

interface Skeleton {
  name: string;
  /** Chunk texts (latin1 view of the bytes) with their multiplicity. */
  chunks: Map<string, number>;
  bytes: number;
  graphics: Set<string>;
}

const sameDots = (a: Bitmap, b: Bitmap): boolean =>
  a.width === b.width && a.height === b.height && a.data.every((v, i) => v === b.data[i]);

function fingerprint(b: Bitmap): string {
  let h = 0x811c9dc5;
  for (const byte of b.data) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return `${b.width}x${b.height}:${h.toString(16)}`;
}

function multiset(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** True when every chunk of `sub` occurs in `of` at least as often. */
function contains(of: Map<string, number>, sub: Map<string, number>): boolean {
  for (const [k, n] of sub) if ((of.get(k) ?? 0) < n) return false;
  return true;
}

function subtract(from: Map<string, number>, sub: Map<string, number>): void {
  for (const [k, n] of sub) from.set(k, (from.get(k) ?? 0) - n);
}

/** Chunks in both, with their byte count. */
function intersect(
  a: Map<string, number>,
  b: Map<string, number>,
): { shared: Map<string, number>; bytes: number } {
  const shared = new Map<string, number>();
  let bytes = 0;
  for (const [k, n] of a) {
    const m = Math.min(n, b.get(k) ?? 0);
    if (m > 0) {
      shared.set(k, m);
      bytes += k.length * m;
    }
  }
  return { shared, bytes };
}

/** Recent labels compared with each new one for shared chunks. */
const HISTORY = 8;

const GRAPHIC_REF = /\^XG(R:[A-Z0-9]{1,8})/g;

export function createZplCompiler(
  profile: DeviceProfile,
  options: ZplCompilerOptions = {},
): CompilerSession {
  const maxGraphics = Math.max(1, options.maxGraphics ?? 512);
  const minSkeletonBytes = options.minSkeletonBytes ?? 100;
  const maxSkeletons = Math.max(1, options.maxSkeletons ?? 32);
  // fingerprint → {name, dots}; Map order is the LRU order (oldest first).
  let graphics = new Map<string, { name: string; dots: Bitmap }>();
  let skeletons: Skeleton[] = [];
  let history: Array<Map<string, number>> = [];
  let nextGraphic = 0;
  let nextSkeleton = 0;

  const pinned = (): Set<string> => new Set(skeletons.flatMap((s) => [...s.graphics]));

  return {
    compile(label) {
      const snapshot = {
        graphics: new Map(graphics),
        skeletons: [...skeletons],
        history: [...history],
        nextGraphic,
        nextSkeleton,
      };
      try {
        const downloads: Uint8Array[] = [];
        const deletions: string[] = [];
        const place: GraphicPlacer = (b, f, magnification) => {
          const key = fingerprint(b);
          let entry = graphics.get(key);
          if (entry !== undefined && !sameDots(entry.dots, b)) entry = undefined;
          if (entry === undefined) {
            // Short name: `~DG` appends .GRF, `^XG` assumes it (firmware-protocols/zpl/graphics.ts).
            entry = { name: `R:G${(nextGraphic++).toString(36).toUpperCase()}`, dots: b };
            const total = b.bytesPerRow * b.height;
            const data = deflateZ64(b.data);
            // `~DG` stores to R: by default: the device letter is left out of the download.
            downloads.push(encodeDownloadGraphic(entry.name.slice(2), total, b.bytesPerRow, data));
          }
          graphics.delete(key);
          graphics.set(key, entry);
          // ^XGd:o.x,mx,my (ZPL II PG, ^XG Recall Graphic); magnification 1 is the default.
          if (magnification > 1) f.command("XG", entry.name, magnification, magnification);
          else f.command("XG", entry.name);
        };
        const chunks = compileChunks(label, profile, place);
        const keys = chunks.map((c) => decodeLatin1(c));
        const mine = multiset(keys);

        // Evict least recently used graphics beyond the limit (never one this label or a stored
        // format uses).
        const used = new Set(
          keys.flatMap((k) => [...k.matchAll(GRAPHIC_REF)].map((m) => m[1] ?? "")),
        );
        const keep = pinned();
        for (const [k, g] of graphics) {
          if (graphics.size <= maxGraphics) break;
          if (used.has(g.name) || keep.has(g.name)) continue;
          graphics.delete(k);
          // ^ID takes the full name (ZPL II PG, ^ID Object Delete).
          deletions.push(`${g.name}.GRF`);
        }

        // Recall stored formats that fit (largest first), then store the chunks this label shares
        // with a recent one as a new stored format.
        const remaining = new Map(mine);
        const applied: Skeleton[] = [];
        for (const sk of [...skeletons].sort((x, y) => y.bytes - x.bytes)) {
          if (!contains(remaining, sk.chunks)) continue;
          subtract(remaining, sk.chunks);
          applied.push(sk);
        }
        const parts: Uint8Array[] = [...downloads];
        let best: { shared: Map<string, number>; bytes: number } | undefined;
        for (const h of history) {
          const shared = intersect(remaining, h);
          if (shared.bytes >= minSkeletonBytes && shared.bytes > (best?.bytes ?? 0)) best = shared;
        }
        if (best !== undefined) {
          const sk: Skeleton = {
            // Short name: ^DF and ^XF fix the extension at .ZPL (ZPL II PG, ^DF, ^XF).
            name: `R:S${(nextSkeleton++).toString(36).toUpperCase()}`,
            chunks: best.shared,
            bytes: best.bytes,
            graphics: new Set(
              [...best.shared.keys()].flatMap((k) =>
                [...k.matchAll(GRAPHIC_REF)].map((m) => m[1] ?? ""),
              ),
            ),
          };
          const body: Uint8Array[] = [];
          for (const [k, n] of sk.chunks) for (let i = 0; i < n; i++) body.push(encodeAscii8(k));
          // A format holding ^DF is stored under the name, not printed (ZPL II PG, ^DF Download
          // Format). Its ^PQ is dropped: the quantity comes from the format that recalls it.
          const stored = assembleFormat(
            body,
            concatBytes([encodeFormatCommand("DF", sk.name), encodeAscii("^FS")]),
            true,
          );
          parts.push(stripQuantity(stored));
          subtract(remaining, sk.chunks);
          applied.push(sk);
          skeletons.push(sk);
        }
        // Least recently used stored formats beyond the limit are deleted (never one in use now).
        skeletons = [...skeletons.filter((x) => !applied.includes(x)), ...applied];
        while (skeletons.length > maxSkeletons) {
          const old = skeletons.shift();
          if (old !== undefined) deletions.push(`${old.name}.ZPL`);
        }
        const rest: Uint8Array[] = [];
        chunks.forEach((c, i) => {
          const k = keys[i] ?? "";
          const n = remaining.get(k) ?? 0;
          if (n > 0) {
            remaining.set(k, n - 1);
            rest.push(c);
          }
        });
        const prefix: Uint8Array[] = deletions.map((name) => encodeFormatCommand("ID", name));
        for (const sk of applied)
          prefix.push(encodeFormatCommand("XF", sk.name), encodeAscii("^FS"));
        parts.push(assembleFormat(rest, concatBytes(prefix), true));
        history.push(mine);
        if (history.length > HISTORY) history.shift();
        return concatBytes(parts);
      } catch (e) {
        // Nothing is sent: the session goes back to what the printer really holds.
        graphics = snapshot.graphics;
        skeletons = snapshot.skeletons;
        history = snapshot.history;
        nextGraphic = snapshot.nextGraphic;
        nextSkeleton = snapshot.nextSkeleton;
        throw e;
      }
    },
    reset() {
      graphics = new Map();
      skeletons = [];
      history = [];
    },
  };
}

/** Latin1 text (one char per byte, from {@link decodeLatin1}) back to its bytes. */
function encodeAscii8(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** The format without its trailing `^PQ1` (a stored format takes its quantity from the recall). */
function stripQuantity(format: Uint8Array): Uint8Array {
  const tail = encodeAscii("^PQ1^XZ");
  const at = format.length - tail.length;
  return concatBytes([format.subarray(0, at), encodeAscii("^XZ")]);
}
