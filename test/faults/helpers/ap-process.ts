/**
 * A simulated OpenEPaperLink access point with one tag (`epaper-1`) in a process of its own, so
 * that the AP and what its tag shows outlive a killed gateway. Images the tag showed are written
 * as `<dir>/epaper-1/<n>.png`.
 *
 * Usage: node bin/run-ts.js test/faults/helpers/ap-process.ts PORT DIR
 * Prints `listening <port>` once ready. Commands on stdin, one per line (answered `ok <line>`):
 *   out-of-range <on|off>   (the tag stops / resumes checking in)
 *   reachable <on|off>      (the AP stops / resumes answering HTTP and WebSocket; the tag goes on)
 */
import { createInterface } from "node:readline";
import { startOeplApSimulator } from "../../../src/simulators/oepl-ap.ts";

const port = Number(process.argv[2] ?? 0);
const dir = process.argv[3];
if (!dir) {
  console.error("usage: ap-process.ts PORT DIR");
  process.exit(4);
}
const ap = await startOeplApSimulator({
  outputDir: dir,
  port,
  tags: [{ id: "epaper-1", mac: "0000021EDE2A3B01", hwType: 0x01, checkinMs: 300 }],
});
process.stdout.write(`listening ${ap.port}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  const [cmd, a] = line.trim().split(/\s+/);
  const done = () => process.stdout.write(`ok ${line.trim()}\n`);
  if (cmd === "out-of-range") {
    ap.setOutOfRange("epaper-1", a === "on");
    done();
  } else if (cmd === "reachable") void ap.setReachable(a === "on").then(done);
  else done();
});
