/**
 * Synthetic, de-identified load for the end-to-end cases: job envelopes shaped like
 * examples/jobs/label-print.json, each with its own `job_id` and its own waybill number, so the
 * printer sink can tell which job a label belongs to. Also the 5-field ZPL the baseline relays
 * build (the same text for the bare relay and the Node-RED function node).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const EXAMPLE = fileURLToPath(new URL("../../../examples/jobs/label-print.json", import.meta.url));

export const BASE = "labelgate";
export const SITE = "demo";
export const REPLY_PREFIX = `${BASE}/${SITE}/reply/bench`;

export const deviceId = (i: number): string => `zpl-${i + 1}`;
export const jobTopic = (device: string): string => `${BASE}/${SITE}/device/${device}/job`;

/** A waybill number unique within a run: `SF` + 13 digits (run tag + sequence). */
export function waybillNo(runTag: number, seq: number): string {
  return `SF${String(runTag % 1_000_000).padStart(6, "0")}${String(seq).padStart(7, "0")}`;
}

/** Finds the waybill number of a printed format (the first `SF` + 13 digits in its bytes). */
export const WAYBILL_IN_LABEL = /SF[0-9]{13}/;

export interface PreparedJob {
  seq: number;
  jobId: string;
  waybill: string;
  device: string;
  topic: string;
  payload: Buffer;
}

/**
 * `count` job envelopes round-robin over `devices` devices, serialized up front so the producer
 * spends no time building them while it is being measured.
 */
export function prepareJobs(count: number, devices: number, runTag: number): PreparedJob[] {
  const example = JSON.parse(readFileSync(EXAMPLE, "utf8")) as Record<string, unknown> & {
    payload: { data: Record<string, unknown> };
  };
  // No `operator`: a named operator must be registered on the gateway (access control, #8), and
  // the benchmark runs on a fresh data dir without operators.
  const template = { ...example };
  delete template["operator"];
  const created = new Date().toISOString();
  const jobs: PreparedJob[] = [];
  for (let seq = 0; seq < count; seq++) {
    const device = deviceId(seq % devices);
    const jobId = `BENCH-${runTag.toString(36)}-${seq.toString(36).padStart(5, "0")}`.toUpperCase();
    const waybill = waybillNo(runTag, seq);
    const env = {
      ...template,
      job_id: jobId,
      device,
      created_at: created,
      reply_to: `${REPLY_PREFIX}/${device}`,
      transaction: `bench:${seq}`,
      payload: { ...template.payload, data: { ...template.payload.data, waybill_no: waybill } },
    };
    jobs.push({
      seq,
      jobId,
      waybill,
      device,
      topic: jobTopic(device),
      payload: Buffer.from(JSON.stringify(env)),
    });
  }
  return jobs;
}

/**
 * The baselines' label: five fields into a fixed ZPL format (about 300 bytes), the way a site
 * script or a Node-RED function would do it — no escaping, no validation. Kept as source text so
 * the Node-RED function node runs exactly the same code.
 */
export const RELAY_ZPL_FUNCTION_BODY = `
const d = job.payload.data;
return "^XA^CI28^PW799^LL1199" +
  "^FO24,24^A0N,40,40^FD" + d.carrier + "^FS" +
  "^FO96,32^BY3,3,120^BCN,120,Y,N,N,A^FD" + d.waybill_no + "^FS" +
  "^FO24,232^A0N,96,96^FB751,1,0,C,0^FD" + d.sort_code + "^FS" +
  "^FO24,344^A0N,48,48^FB751,1,0,C,0^FD" + d.destination + "^FS" +
  "^FO96,488^A0N,28,28^FB679,2,0,L,0^FD" + d.recipient.address + "^FS" +
  "^PQ1^XZ\\n";
`;
