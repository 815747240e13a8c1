/**
 * The load generator (in the runner's process): publishes prepared jobs with QoS 1 — as fast as
 * a window of unacknowledged PUBACKs allows, or at a fixed rate — and records, per job, the
 * monotonic time of the publish call and of its `accepted` / `ok` replies.
 */
import type { Socket } from "node:net";
import mqtt, { type MqttClient } from "mqtt";
import { REPLY_PREFIX, type PreparedJob } from "./jobs.ts";
import { monoMs } from "./stats.ts";

export interface LoadRun {
  /** Publish call time per job (index = seq); NaN when not published. */
  published: Float64Array;
  /** PUBACK time per job. */
  acked: Float64Array;
  /** `ok` reply time per job; NaN when none arrived. */
  ok: Float64Array;
  /** Reply counts by status (accepted, ok, duplicate, rejected, error, in_doubt, …). */
  statuses: Record<string, number>;
}

export class LoadProducer {
  private run: LoadRun | undefined;
  private seqOf = new Map<string, number>();
  private okCount = 0;
  private ackCount = 0;
  private waiters: Partial<Record<"ok" | "ack", { count: number; resolve: () => void }>> = {};

  private constructor(private readonly client: MqttClient) {
    client.on("message", (_topic, payload) => {
      const r = JSON.parse(payload.toString("utf8")) as { status?: string; job_id?: string };
      const run = this.run;
      if (!run || r.status === undefined) return;
      run.statuses[r.status] = (run.statuses[r.status] ?? 0) + 1;
      if (r.status !== "ok" || r.job_id === undefined) return;
      const seq = this.seqOf.get(r.job_id);
      if (seq === undefined || !Number.isNaN(run.ok[seq]!)) return;
      run.ok[seq] = monoMs();
      this.okCount++;
      this.check();
    });
  }

  static async connect(url: string, clientId: string): Promise<LoadProducer> {
    const client = await mqtt.connectAsync(url, {
      clientId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
    });
    (client.stream as Socket).setNoDelay(true);
    await client.subscribeAsync(`${REPLY_PREFIX}/#`, { qos: 1 });
    return new LoadProducer(client);
  }

  private begin(jobs: readonly PreparedJob[]): LoadRun {
    const n = jobs.length;
    this.seqOf = new Map(jobs.map((j) => [j.jobId, j.seq]));
    this.okCount = 0;
    this.ackCount = 0;
    this.run = {
      published: new Float64Array(n).fill(Number.NaN),
      acked: new Float64Array(n).fill(Number.NaN),
      ok: new Float64Array(n).fill(Number.NaN),
      statuses: {},
    };
    return this.run;
  }

  private check() {
    for (const kind of ["ok", "ack"] as const) {
      const w = this.waiters[kind];
      if (w && (kind === "ok" ? this.okCount : this.ackCount) >= w.count) {
        delete this.waiters[kind];
        w.resolve();
      }
    }
  }

  private send(run: LoadRun, job: PreparedJob, done?: () => void) {
    run.published[job.seq] = monoMs();
    this.client.publish(job.topic, job.payload, { qos: 1 }, () => {
      run.acked[job.seq] = monoMs();
      this.ackCount++;
      this.check();
      done?.();
    });
  }

  /** Publishes every job, keeping at most `window` without PUBACK; resolves after the last PUBACK. */
  async windowed(jobs: readonly PreparedJob[], window: number): Promise<LoadRun> {
    const run = this.begin(jobs);
    let next = 0;
    const all = this.until("ack", jobs.length, 600_000);
    const pump = () => {
      if (next < jobs.length) this.send(run, jobs[next++]!, pump);
    };
    for (let i = 0; i < Math.min(window, jobs.length); i++) pump();
    await all;
    return run;
  }

  /** Publishes every job at `perSecond` (catching up after a late timer); resolves after the last PUBACK. */
  async fixedRate(jobs: readonly PreparedJob[], perSecond: number): Promise<LoadRun> {
    const run = this.begin(jobs);
    const all = this.until("ack", jobs.length, 600_000);
    const start = monoMs();
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(jobs.length, Math.floor(((monoMs() - start) * perSecond) / 1000) + 1);
        while (next < due) this.send(run, jobs[next++]!);
        if (next >= jobs.length) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await all;
    return run;
  }

  /** Resolves once `count` `ok` replies arrived in the current run (rejects after `timeoutMs`). */
  waitOk(count: number, timeoutMs: number): Promise<void> {
    return this.until("ok", count, timeoutMs);
  }

  private until(kind: "ok" | "ack", count: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        delete this.waiters[kind];
        reject(
          new Error(
            `timed out: ${kind === "ok" ? this.okCount : this.ackCount} of ${count} ${kind}`,
          ),
        );
      }, timeoutMs);
      this.waiters[kind] = {
        count,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      this.check();
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
