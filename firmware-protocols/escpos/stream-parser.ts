/**
 * Device-side ESC/POS stream parser (reference/device-protocols.md §3, §9): an escape-sequence
 * state machine over the commands the `escpos` driver uses, with the exact parameter lengths of
 * the ESC/POS APG (`GS v 0` and `GS ( k` carry their payload length; `GS k` 73 carries n). Bytes
 * 0x20 and above outside a command are text. `DLE EOT n` is reported as `realtime` wherever it
 * occurs between commands; `FF` (0x0C) is reported as the command "FF". Unknown sequences are
 * `malformed` (the ESC/GS/FS byte and the next one are skipped). Never throws; state is kept across `push` calls.
 */
export type EscposEvent =
  | { type: "text"; byte: number }
  | { type: "lf" }
  | { type: "command"; name: string; params: Uint8Array }
  | { type: "realtime"; n: number }
  | { type: "malformed"; offset: number };

/** Fixed-length commands: prefix bytes → name and the number of parameter bytes. */
const FIXED: Record<string, [string, number]> = {
  "1b40": ["ESC @", 0],
  "1b24": ["ESC $", 2],
  "1b4a": ["ESC J", 1],
  "1b33": ["ESC 3", 1],
  "1b45": ["ESC E", 1],
  "1b64": ["ESC d", 1],
  "1d21": ["GS !", 1],
  "1d48": ["GS H", 1],
  "1d68": ["GS h", 1],
  "1d77": ["GS w", 1],
  "1d61": ["GS a", 1],
  "1d49": ["GS I", 1],
  "1c26": ["FS &", 0],
  "1c2e": ["FS .", 0],
  "1004": ["DLE EOT", 1],
  // Page mode (Epson ESC/POS Command Reference, ESC L, ESC W, ESC T, GS $).
  "1b4c": ["ESC L", 0],
  "1b57": ["ESC W", 8],
  "1b54": ["ESC T", 1],
  "1d24": ["GS $", 2],
};

const MAX_PAYLOAD = 8 * 1024 * 1024;

export function createEscposStreamParser(): { push(chunk: Uint8Array): EscposEvent[] } {
  let cmd: number[] = [];
  let need = 0; // bytes still to read for the current command (-1: length not known yet)
  let name = "";
  let pos = 0;
  return {
    push(chunk) {
      const out: EscposEvent[] = [];
      const done = (): void => {
        const params = Uint8Array.from(cmd.slice(2));
        if (name === "DLE EOT") out.push({ type: "realtime", n: params[0] ?? 0 });
        else out.push({ type: "command", name, params });
        cmd = [];
        name = "";
        need = 0;
      };
      for (const b of chunk) {
        const at = pos++;
        if (cmd.length === 0) {
          if (b === 0x1b || b === 0x1d || b === 0x1c || b === 0x10) {
            cmd = [b];
            continue;
          }
          if (b === 0x0a) out.push({ type: "lf" });
          // FF: in page mode, print the area and return to standard mode (reported as a command).
          else if (b === 0x0c) out.push({ type: "command", name: "FF", params: new Uint8Array(0) });
          else if (b >= 0x20) out.push({ type: "text", byte: b });
          // other C0 bytes (CR, NUL …) are ignored, as printers do in standard mode
          continue;
        }
        cmd.push(b);
        if (cmd.length === 2) {
          const key = cmd.map((v) => v.toString(16).padStart(2, "0")).join("");
          const fixed = FIXED[key];
          if (fixed !== undefined) {
            [name, need] = fixed;
            if (need === 0) done();
            continue;
          }
          if (key === "1d56") [name, need] = ["GS V", -1];
          else if (key === "1d76") [name, need] = ["GS v 0", -1];
          else if (key === "1d6b") [name, need] = ["GS k", -1];
          else if (key === "1d28") [name, need] = ["GS ( k", -1];
          else {
            out.push({ type: "malformed", offset: at - 1 });
            cmd = [];
          }
          continue;
        }
        const p = cmd.length - 2; // parameter bytes read so far
        if (need === -1) {
          // Work out the total length once enough header bytes are in.
          if (name === "GS V") need = cmd[2] === 65 || cmd[2] === 66 ? 2 - p : 1 - p;
          else if (name === "GS v 0" && p === 6) {
            const w = (cmd[4] ?? 0) | ((cmd[5] ?? 0) << 8);
            const h = (cmd[6] ?? 0) | ((cmd[7] ?? 0) << 8);
            need = w * h > MAX_PAYLOAD ? 0 : w * h;
            if (w * h > MAX_PAYLOAD) {
              out.push({ type: "malformed", offset: at - 7 });
              cmd = [];
              continue;
            }
          } else if (name === "GS k" && p === 2 && (cmd[2] ?? 0) >= 65) need = cmd[3] ?? 0;
          else if (name === "GS k" && p >= 2 && (cmd[2] ?? 0) < 65 && b === 0) need = 0;
          else if (name === "GS ( k" && p === 3) need = (cmd[3] ?? 0) | ((cmd[4] ?? 0) << 8);
          if (need === -1) continue;
          if (need <= 0) {
            done();
            continue;
          }
          continue;
        }
        need--;
        if (need === 0) done();
      }
      return out;
    },
  };
}
