/**
 * Device-side TSPL stream parser: what a printer does with the bytes it receives
 * (TSPL PM; reference/device-protocols.md §2.1, §9). Lines end in CR LF (a lone LF is accepted);
 * `BITMAP x,y,w,h,m,` is followed by exactly w × h raw bytes, and `DOWNLOAD [n,]"NAME",size,` (a
 * data file, TSPL PM "DOWNLOAD") by exactly `size` bytes, both read without interpretation; the
 * immediate commands `ESC ! ?`, `ESC ! S`, `ESC ! R` act at once between commands.
 *
 * Events: `command` (name upper-cased, the raw argument bytes after the first space), `bitmap`,
 * `download` (memory letter or undefined for DRAM, file name, content), `immediate`, `malformed`. A quoted string may contain any byte but CR/LF; commas inside quotes
 * do not split arguments ({@link splitArgs}). Never throws; state is kept across `push` calls.
 */
export type TsplStreamEvent =
  | {
      type: "command";
      name: string;
      args: Uint8Array;
      offset: number;
      /** Stream offset just after the line's LF. */
      end: number;
    }
  | {
      type: "bitmap";
      x: number;
      y: number;
      widthBytes: number;
      height: number;
      mode: number;
      data: Uint8Array;
      offset: number;
    }
  | {
      type: "download";
      /** `F` / `E` … when the command names a memory; undefined: DRAM. */
      memory: string | undefined;
      name: string;
      data: Uint8Array;
      offset: number;
    }
  | { type: "immediate"; code: "?" | "S" | "R"; offset: number }
  | {
      type: "malformed";
      code: "bad_line" | "bad_bitmap" | "bad_download" | "line_too_long" | "bad_escape";
      offset: number;
    };

/** Longest command line kept (bytes); longer lines are reported and skipped. */
const MAX_LINE = 64 * 1024;
/** Largest BITMAP payload accepted (bytes). */
const MAX_BITMAP = 8 * 1024 * 1024;
/** Largest DOWNLOAD payload accepted (bytes). */
const MAX_DOWNLOAD = 8 * 1024 * 1024;

export function createTsplStreamParser(): { push(chunk: Uint8Array): TsplStreamEvent[] } {
  let line: number[] = [];
  let lineStart = 0;
  let pos = 0;
  let esc: 0 | 1 | 2 = 0; // after ESC, after ESC !
  let bitmap:
    | {
        x: number;
        y: number;
        widthBytes: number;
        height: number;
        mode: number;
        data: Uint8Array;
        got: number;
        offset: number;
      }
    | undefined;
  let download:
    | { memory: string | undefined; name: string; data: Uint8Array; got: number; offset: number }
    | undefined;
  let overflow = false;

  const finishLine = (out: TsplStreamEvent[], lineEnd: number): void => {
    const bytes = Uint8Array.from(line);
    line = [];
    if (overflow) {
      overflow = false;
      out.push({ type: "malformed", code: "line_too_long", offset: lineStart });
      return;
    }
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    if (end === 0) return;
    const text = bytes.subarray(0, end);
    let i = 0;
    while (i < text.length && text[i] !== 0x20) i++;
    const name = String.fromCharCode(...text.subarray(0, i)).toUpperCase();
    if (!/^[A-Z~!@#]+[A-Z0-9]*$/.test(name)) {
      out.push({ type: "malformed", code: "bad_line", offset: lineStart });
      return;
    }
    out.push({
      type: "command",
      name,
      args: text.slice(Math.min(text.length, i + 1)),
      offset: lineStart,
      end: lineEnd,
    });
  };

  return {
    push(chunk) {
      const out: TsplStreamEvent[] = [];
      for (let k = 0; k < chunk.length; k++) {
        const b = chunk[k] ?? 0;
        const at = pos++;
        if (download !== undefined) {
          download.data[download.got++] = b;
          if (download.got === download.data.length) {
            const { memory, name, data, offset } = download;
            out.push({ type: "download", memory, name, data, offset });
            download = undefined;
          }
          continue;
        }
        if (bitmap !== undefined) {
          bitmap.data[bitmap.got++] = b;
          if (bitmap.got === bitmap.data.length) {
            const { x, y, widthBytes, height, mode, data, offset } = bitmap;
            out.push({ type: "bitmap", x, y, widthBytes, height, mode, data, offset });
            bitmap = undefined;
          }
          continue;
        }
        if (esc === 1) {
          esc = b === 0x21 ? 2 : 0;
          if (esc === 0) out.push({ type: "malformed", code: "bad_escape", offset: at - 1 });
          continue;
        }
        if (esc === 2) {
          esc = 0;
          if (b === 0x3f || b === 0x53 || b === 0x52)
            out.push({
              type: "immediate",
              code: b === 0x3f ? "?" : b === 0x53 ? "S" : "R",
              offset: at - 2,
            });
          else out.push({ type: "malformed", code: "bad_escape", offset: at - 2 });
          continue;
        }
        if (b === 0x1b && line.length === 0) {
          esc = 1;
          continue;
        }
        if (line.length === 0) lineStart = at;
        if (b === 0x0a) {
          finishLine(out, at + 1);
          continue;
        }
        if (line.length >= MAX_LINE) overflow = true;
        else line.push(b);
        // DOWNLOAD [n,]"NAME",size, — the comma after the size starts the file's bytes.
        if (b === 0x2c && line.length > 12 && !overflow && (line[0] === 0x44 || line[0] === 0x64)) {
          const head = String.fromCharCode(...line);
          const m = /^DOWNLOAD (?:([A-Z]),)?"([^"]{1,64})",(\d{1,9}),$/i.exec(head);
          if (m !== null) {
            const size = Number(m[3]);
            line = [];
            if (size > MAX_DOWNLOAD) {
              out.push({ type: "malformed", code: "bad_download", offset: lineStart });
              continue;
            }
            const memory = m[1]?.toUpperCase();
            const name = m[2] ?? "";
            if (size === 0)
              out.push({
                type: "download",
                memory,
                name,
                data: new Uint8Array(),
                offset: lineStart,
              });
            else download = { memory, name, data: new Uint8Array(size), got: 0, offset: lineStart };
            continue;
          }
        }
        // BITMAP x,y,w,h,m, — the sixth comma starts the binary payload.
        if (b === 0x2c && line.length > 7 && !overflow) {
          const head = String.fromCharCode(...line);
          const m = /^BITMAP (\d+),(\d+),(\d+),(\d+),(\d+),$/i.exec(head);
          if (m !== null) {
            const [x, y, w, h, mode] = m.slice(1).map(Number) as [
              number,
              number,
              number,
              number,
              number,
            ];
            line = [];
            if (w * h === 0 || w * h > MAX_BITMAP) {
              out.push({ type: "malformed", code: "bad_bitmap", offset: lineStart });
              continue;
            }
            bitmap = {
              x,
              y,
              widthBytes: w,
              height: h,
              mode,
              data: new Uint8Array(w * h),
              got: 0,
              offset: lineStart,
            };
          }
        }
      }
      return out;
    },
  };
}

/**
 * Splits a command's argument bytes at commas outside double quotes. Quoted arguments are
 * returned without their quotes, with `\["]` turned back into `"`; `quoted` says which were.
 */
export function splitArgs(args: Uint8Array): Array<{ bytes: Uint8Array; quoted: boolean }> {
  const out: Array<{ bytes: Uint8Array; quoted: boolean }> = [];
  let cur: number[] = [];
  let quoted = false;
  let inQuote = false;
  for (let i = 0; i < args.length; i++) {
    const b = args[i] ?? 0;
    if (inQuote) {
      if (b === 0x5c && args[i + 1] === 0x5b && args[i + 2] === 0x22 && args[i + 3] === 0x5d) {
        cur.push(0x22);
        i += 3;
      } else if (b === 0x22) inQuote = false;
      else cur.push(b);
      continue;
    }
    if (b === 0x22) {
      inQuote = true;
      quoted = true;
    } else if (b === 0x2c) {
      out.push({ bytes: Uint8Array.from(cur), quoted });
      cur = [];
      quoted = false;
    } else if (b !== 0x20 || cur.length > 0) cur.push(b);
  }
  out.push({ bytes: Uint8Array.from(cur), quoted });
  return out;
}
