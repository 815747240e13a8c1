/**
 * One measured end-to-end run: publish prepared jobs through a relay and count a job when its
 * label reached the simulated printer and, for relays that answer, its `ok` reply arrived.
 */
import { prepareJobs, type PreparedJob } from "./jobs.ts";
import { cpuMs } from "./procs.ts";
import type { LoadProducer, LoadRun } from "./producer.ts";
import type { Relay, Sink } from "./relays.ts";

let runTag = Math.floor(Math.random() * 500_000);
/** Fresh, run-unique jobs (labelgate's inbox keeps every `job_id` it has seen). */
export function freshJobs(count: number, devices: number): PreparedJob[] {
  return prepareJobs(count, devices, ++runTag);
}

export interface SinkReport {
  formats: number;
  unmatched: number;
  duplicates: number;
  /** waybill → monotonic ms of the chunk that completed the label. */
  arrived: Map<string, number>;
}

export async function sinkReport(sink: Sink): Promise<SinkReport> {
  const r = await sink.child.call({ type: "report" });
  return {
    formats: Number(r["formats"]),
    unmatched: Number(r["unmatched"]),
    duplicates: Number(r["duplicates"]),
    arrived: new Map(r["records"] as Array<[string, number]>),
  };
}

/**
 * Waits until the relay passes jobs end to end: publishes one probe job at a time until one
 * reaches the printer (a relay that subscribed late simply misses the earlier probes), then a
 * warm-up batch so the JIT and the caches are warm before anything is measured.
 */
export async function warmUp(
  producer: LoadProducer,
  sink: Sink,
  relay: Relay,
  devices: number,
  batch: number,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await sink.child.call({ type: "reset" });
    const probe = freshJobs(1, devices);
    await producer.windowed(probe, 1);
    const r = await sink.child.call({ type: "await", count: 1, timeoutMs: 500 });
    if (r["timedOut"] !== true) break;
    if (attempt > 120) throw new Error(`${relay.name} never passed a job through`);
  }
  await measure(producer, sink, relay, freshJobs(batch, devices), 100);
}

export interface Measured {
  jobs: number;
  /** Jobs whose label reached the printer (and whose `ok` arrived, for relays that answer). */
  delivered: number;
  duplicates: number;
  /** First publish → last counted job, ms. */
  elapsedMs: number;
  jobsPerS: number;
  /** CPU time of the relay and broker processes per job, µs. */
  relayCpuUs: number;
  brokerCpuUs: number;
  run: LoadRun;
  sink: SinkReport;
  jobList: PreparedJob[];
}

export async function measure(
  producer: LoadProducer,
  sink: Sink,
  relay: Relay,
  jobs: PreparedJob[],
  window: number,
  brokerPid?: number,
  timeoutMs = 120_000,
): Promise<Measured> {
  await sink.child.call({ type: "reset" });
  const cpu0 = cpuMs(relay.child.pid);
  const bcpu0 = brokerPid === undefined ? 0 : cpuMs(brokerPid);
  const run = await producer.windowed(jobs, window);
  const arrived = sink.child.call(
    { type: "await", count: jobs.length, timeoutMs },
    timeoutMs + 5000,
  );
  if (relay.replies) await producer.waitOk(jobs.length, timeoutMs).catch(() => undefined);
  await arrived;
  const cpu1 = cpuMs(relay.child.pid);
  const bcpu1 = brokerPid === undefined ? 0 : cpuMs(brokerPid);
  const report = await sinkReport(sink);
  let delivered = 0;
  let first = Infinity;
  let last = 0;
  for (const j of jobs) {
    first = Math.min(first, run.published[j.seq]!);
    const at = report.arrived.get(j.waybill);
    if (at === undefined) continue;
    const ok = run.ok[j.seq]!;
    if (relay.replies && Number.isNaN(ok)) continue;
    delivered++;
    last = Math.max(last, at, relay.replies ? ok : 0);
  }
  const elapsedMs = last - first;
  return {
    jobs: jobs.length,
    delivered,
    duplicates: report.duplicates,
    elapsedMs,
    jobsPerS: delivered === 0 ? 0 : (delivered * 1000) / elapsedMs,
    relayCpuUs: ((cpu1 - cpu0) * 1000) / jobs.length,
    brokerCpuUs: ((bcpu1 - bcpu0) * 1000) / jobs.length,
    run,
    sink: report,
    jobList: jobs,
  };
}

export interface LatencyRun {
  /** Publish call → the label's chunk at the printer, ms, per delivered job. */
  toPrinter: number[];
  /** Publish call → `ok` reply at the producer, ms (relays that answer). */
  toOk: number[];
  jobs: number;
  delivered: number;
}

/** Publishes `jobs` at `perSecond` and collects per-job latencies once everything arrived. */
export async function measureLatency(
  producer: LoadProducer,
  sink: Sink,
  relay: Relay,
  jobs: PreparedJob[],
  perSecond: number,
  timeoutMs = 120_000,
): Promise<LatencyRun> {
  await sink.child.call({ type: "reset" });
  const run = await producer.fixedRate(jobs, perSecond);
  const arrived = sink.child.call(
    { type: "await", count: jobs.length, timeoutMs },
    timeoutMs + 5000,
  );
  if (relay.replies) await producer.waitOk(jobs.length, timeoutMs).catch(() => undefined);
  await arrived;
  const report = await sinkReport(sink);
  const toPrinter: number[] = [];
  const toOk: number[] = [];
  let delivered = 0;
  for (const j of jobs) {
    const sent = run.published[j.seq]!;
    const at = report.arrived.get(j.waybill);
    const ok = run.ok[j.seq]!;
    if (at !== undefined) toPrinter.push(at - sent);
    if (!Number.isNaN(ok)) toOk.push(ok - sent);
    if (at !== undefined && (!relay.replies || !Number.isNaN(ok))) delivered++;
  }
  return { toPrinter, toOk, jobs: jobs.length, delivered };
}
