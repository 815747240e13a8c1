/**
 * The simulated printers of a benchmark, in their own process: `--devices N` ZPL printer
 * simulators (drivers/zebra-zpl/simulator.ts, answering `~HS` like a ZT410) on N loopback ports.
 * No files are written; each printed format is recorded with its waybill number and the
 * monotonic time of the TCP chunk that completed it (≈ its first byte: a label arrives in one
 * chunk on loopback).
 *
 * IPC requests (replies echo `id`): `reset`; `fault {condition, on}` on every printer;
 * `await {count, timeoutMs}` resolves once `count` formats were printed since the last reset;
 * `report` returns `{formats, unmatched, duplicates, records: [waybill, tMs][]}`.
 */
import { createServer, type AddressInfo, type Socket } from "node:net";
import { createZplSimulator, type ZplSimulator } from "../../../drivers/zebra-zpl/simulator.ts";
import { WAYBILL_IN_LABEL } from "../lib/jobs.ts";
import { monoMs } from "../lib/stats.ts";
import type { IpcMessage } from "../lib/procs.ts";

const devices = Number(process.argv[process.argv.indexOf("--devices") + 1] ?? "1");

let formats = 0;
let unmatched = 0;
/** The start of the first format without a waybill number (diagnosis). */
let unmatchedSample = "";
let duplicates = 0;
let records = new Map<string, number>();
let awaiting: { count: number; id: number | undefined; timer: NodeJS.Timeout } | undefined;

const simulators: ZplSimulator[] = [];
const ports: number[] = [];

function checkAwait() {
  if (awaiting && formats >= awaiting.count) {
    clearTimeout(awaiting.timer);
    process.send?.({ type: "await", id: awaiting.id, formats });
    awaiting = undefined;
  }
}

for (let i = 0; i < devices; i++) {
  let active: Socket | undefined;
  let chunkT = 0;
  const sim = createZplSimulator({
    sink: {
      reply(bytes) {
        if (active && !active.destroyed) active.write(bytes);
      },
      printed({ bytes }) {
        formats++;
        const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
          "latin1",
        );
        const m = WAYBILL_IN_LABEL.exec(text);
        if (m === null) {
          unmatched++;
          if (unmatchedSample === "") unmatchedSample = text.slice(0, 120);
        } else if (records.has(m[0])) duplicates++;
        else records.set(m[0], chunkT);
        checkAwait();
      },
    },
  });
  simulators.push(sim);
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      chunkT = monoMs();
      active = socket;
      sim.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  ports.push((server.address() as AddressInfo).port);
}

process.on("message", (raw) => {
  const m = raw as IpcMessage;
  switch (m.type) {
    case "reset":
      formats = 0;
      unmatched = 0;
      duplicates = 0;
      records = new Map();
      process.send?.({ type: "reset", id: m.id });
      return;
    case "fault":
      for (const s of simulators) s.setFault(m["condition"] as "media_out", m["on"] === true);
      process.send?.({ type: "fault", id: m.id });
      return;
    case "await": {
      const count = Number(m["count"]);
      const timer = setTimeout(
        () => {
          process.send?.({ type: "await", id: m.id, formats, timedOut: true });
          awaiting = undefined;
        },
        Number(m["timeoutMs"] ?? 60_000),
      );
      awaiting = { count, id: m.id, timer };
      checkAwait();
      return;
    }
    case "report":
      process.send?.({
        type: "report",
        id: m.id,
        formats,
        unmatched,
        unmatchedSample,
        duplicates,
        records: [...records.entries()],
      });
      return;
    default:
      return;
  }
});
process.on("disconnect", () => process.exit(0));
process.send?.({ type: "ready", ports });
