/**
 * A simulated ZPL printer in a process of its own, as a real printer is: it survives the gateway
 * being killed. Every printed format is appended to `<log>` synchronously (one line, the format's
 * bytes in hex), so the checker counts what really reached the paper even when the gateway dies
 * at any moment.
 *
 * Its label odometer (`odometer.total_label_count`) is kept in `<log>.odometer`, written on every
 * print, so it survives this process being stopped and started again, as a printer's
 * non-volatile counter survives a power cycle.
 *
 * Usage: node bin/run-ts.js test/faults/helpers/printer-process.ts PORT LOGFILE
 * Prints `listening <port>` on stdout once ready. Commands on stdin, one per line:
 *   fault <media_out|head_open|ribbon_out|paused> <on|off>   silent <on|off>   drop   slow <ms>
 *   mute-after-print   (the next label prints, then the printer answers nothing: `silent on`)
 *   lose-next          (the bytes of the next label are lost and the printer answers nothing)
 *   extra-label        (the printer prints a label of its own, e.g. a test label: odometer + 1)
 * `silent off` ends both. What happened is appended to `<log>.events` (`printed-muted`, `lost`).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";
import {
  createZplSimulator,
  type ZplSimulatorFault,
} from "../../../drivers/zebra-zpl/simulator.ts";

const port = Number(process.argv[2] ?? 0);
const logFile = process.argv[3];
if (!logFile) {
  console.error("usage: printer-process.ts PORT LOGFILE");
  process.exit(4);
}

const sockets = new Set<Socket>();
let active: Socket | undefined;
let slowMs = 0;
let muteAfterPrint = false;
let loseNext = false;
/** Everything received is lost (after `lose-next` met a label) until `silent off`. */
let losing = false;
const odometerFile = `${logFile}.odometer`;
const eventsFile = `${logFile}.events`;
const sim = createZplSimulator({
  labelCount: existsSync(odometerFile) ? Number(readFileSync(odometerFile, "utf8")) : 0,
  sink: {
    reply(bytes) {
      active?.write(bytes);
    },
    printed(format) {
      appendFileSync(logFile, `${Buffer.from(format.bytes).toString("hex")}\n`);
      writeFileSync(odometerFile, String(format.labelCount ?? 0));
      if (muteAfterPrint) {
        muteAfterPrint = false;
        sim.setSilent(true);
        appendFileSync(eventsFile, "printed-muted\n");
      }
    },
  },
});

const server = createServer((socket) => {
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  socket.on("error", () => undefined);
  socket.on("data", (chunk: Buffer) => {
    active = socket;
    if (loseNext && chunk.includes("^XA")) {
      loseNext = false;
      losing = true;
      sim.setSilent(true);
      appendFileSync(eventsFile, "lost\n");
    }
    if (losing) return;
    const feed = () =>
      sim.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (slowMs > 0) setTimeout(feed, slowMs);
    else feed();
  });
});
server.listen(port, "127.0.0.1", () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === "object" && a ? a.port : port}\n`);
});

createInterface({ input: process.stdin }).on("line", (line) => {
  const [cmd, a, b] = line.trim().split(/\s+/);
  if (cmd === "fault" && a) sim.setFault(a as ZplSimulatorFault, b === "on");
  else if (cmd === "silent") {
    sim.setSilent(a === "on");
    if (a !== "on") losing = false;
  } else if (cmd === "mute-after-print") muteAfterPrint = true;
  else if (cmd === "lose-next") loseNext = true;
  else if (cmd === "extra-label")
    sim.receive(Buffer.from("^XA^FO20,20^A0N,30,30^FDTEST LABEL^FS^XZ", "latin1"));
  else if (cmd === "drop") for (const s of sockets) s.destroy();
  else if (cmd === "slow") slowMs = Number(a ?? 0);
  process.stdout.write(`ok ${line.trim()}\n`);
});
