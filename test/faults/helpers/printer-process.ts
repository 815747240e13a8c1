/**
 * A simulated ZPL printer in a process of its own, as a real printer is: it survives the gateway
 * being killed. Every printed format is appended to `<log>` synchronously (one line, the format's
 * bytes in hex), so the checker counts what really reached the paper even when the gateway dies
 * at any moment.
 *
 * Usage: node bin/run-ts.js test/faults/helpers/printer-process.ts PORT LOGFILE
 * Prints `listening <port>` on stdout once ready. Commands on stdin, one per line:
 *   fault <media_out|head_open|ribbon_out|paused> <on|off>   silent <on|off>   drop   slow <ms>
 */
import { appendFileSync } from "node:fs";
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
const sim = createZplSimulator({
  sink: {
    reply(bytes) {
      active?.write(bytes);
    },
    printed(format) {
      appendFileSync(logFile, `${Buffer.from(format.bytes).toString("hex")}\n`);
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
  else if (cmd === "silent") sim.setSilent(a === "on");
  else if (cmd === "drop") for (const s of sockets) s.destroy();
  else if (cmd === "slow") slowMs = Number(a ?? 0);
  process.stdout.write(`ok ${line.trim()}\n`);
});
