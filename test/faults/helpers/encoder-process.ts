/**
 * A simulated R2000 UHF encoder in a process of its own, on loopback TCP (a serial-device server),
 * so that it and the tag in its field outlive a killed gateway. The tag memory after every write
 * or lock is appended to `<log>` as one JSON line.
 *
 * Usage: node bin/run-ts.js test/faults/helpers/encoder-process.ts PORT LOGFILE
 * Prints `listening <port>` once ready. Commands on stdin, one per line (answered `ok <line>`):
 *   mute-before-last-reply  (the next job's last lock is carried out, its reply never sent, and
 *                            the reader answers nothing more: the job completed unseen)
 *   mute-after-write        (the next write is carried out unanswered, then silence: the job
 *                            stops half-way, its EPC not written)
 *   unmute
 * What happened is appended to `<log>.events` (`muted`).
 */
import { appendFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { createTagField, blankTag } from "../../../drivers/rfid/tag-field.ts";
import { createR2000Simulator } from "../../../drivers/uhf-r2000/simulator.ts";
import { CMD, createR2000Decoder } from "../../../firmware-protocols/r2000/index.ts";

const port = Number(process.argv[2] ?? 0);
const logFile = process.argv[3];
if (!logFile) {
  console.error("usage: encoder-process.ts PORT LOGFILE");
  process.exit(4);
}
const eventsFile = `${logFile}.events`;

let active: Socket | undefined;
let muted = false;
/** Locks left before the reply to drop (an encode with lock sends two: EPC, access password). */
let muteAtLock = 0;
let muteAtWrite = false;
const field = createTagField([blankTag({ serial: 1 })]);
const sim = createR2000Simulator({
  field,
  sink: {
    reply(bytes) {
      if (!muted) active?.write(bytes);
    },
    printed(out) {
      appendFileSync(logFile, `${Buffer.from(out.bytes).toString("utf8").replace(/\n/g, "")}\n`);
    },
  },
});
// The host's frames, to see which command is coming (same 0xA0 framing both ways).
const commands = createR2000Decoder();

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("error", () => undefined);
  socket.on("data", (chunk: Buffer) => {
    active = socket;
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let muteAfter = false;
    for (const ev of commands.push(bytes)) {
      if (ev.type !== "frame") continue;
      if (ev.command === CMD.WRITE && muteAtWrite) {
        muteAtWrite = false;
        muteAfter = true;
      }
      if (ev.command !== CMD.LOCK || muteAtLock === 0) continue;
      muteAtLock--;
      if (muteAtLock === 0) muteAfter = true;
    }
    if (muted) return;
    if (muteAfter) {
      // Carried out on the tag, but the reply is lost and the reader goes quiet.
      muted = true;
      sim.receive(bytes);
      appendFileSync(eventsFile, "muted\n");
      return;
    }
    sim.receive(bytes);
  });
});
server.listen(port, "127.0.0.1", () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === "object" && a ? a.port : port}\n`);
});

createInterface({ input: process.stdin }).on("line", (line) => {
  const cmd = line.trim();
  if (cmd === "mute-before-last-reply") muteAtLock = 2;
  else if (cmd === "mute-after-write") muteAtWrite = true;
  else if (cmd === "unmute") muted = false;
  process.stdout.write(`ok ${cmd}\n`);
});
