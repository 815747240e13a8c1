import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import mqtt, { type MqttClient } from "mqtt";

const EXAMPLE = fileURLToPath(new URL("../../../examples/jobs/label-print.json", import.meta.url));
const FINAL = new Set(["ok", "error", "rejected", "expired", "in_doubt"]);
const TERMINAL_STATES = new Set(["done", "failed", "expired", "in_doubt", "cancelled"]);

export interface JobRecord {
  jobId: string;
  waybillNo: string;
  /** Every status seen, in order. */
  statuses: string[];
  /** The outcome the producer settled on (`ok`, `in_doubt`, `rejected`, …), if any. */
  final?: string;
  errorCode?: string;
  publishes: number;
  /** When it was last published (ms). */
  lastPublish?: number;
  /** Retryable refusals seen (busy, disk full, …). */
  retryable?: number;
}

/**
 * A producer that behaves as DESIGN.md asks producers to: QoS 1, and a retry with the SAME job_id
 * until the gateway answered, then again (answered `duplicate` with the stored outcome) until the
 * outcome is final. It survives the broker going away (the embedded broker dies with the daemon).
 */
export class RetryingProducer {
  readonly jobs = new Map<string, JobRecord>();
  private readonly bodies = new Map<string, string>();
  /** Topics of jobs submitted with {@link submitEnvelope}; others go to `topic`. */
  private readonly topics = new Map<string, string>();
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly replyTopic: string;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly retryMs = 1500,
    /** Where jobs go: a device topic, or a pool topic (test/cluster/pools.test.ts). */
    private readonly topic = "labelgate/demo/device/zpl-1/job",
  ) {
    this.replyTopic = `labelgate/demo/reply/${name}`;
  }

  async connect(): Promise<void> {
    this.client = mqtt.connect(this.url, {
      clientId: this.name,
      reconnectPeriod: 100,
      connectTimeout: 2000,
      resubscribe: true,
    });
    this.client.on("connect", () => {
      (this.client!.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
      this.client!.subscribe(this.replyTopic, { qos: 1 });
    });
    this.client.on("error", () => undefined);
    this.client.on("message", (_t, payload) => this.onReply(payload));
    this.timer = setInterval(() => this.retry(), Math.min(500, this.retryMs));
  }

  /** A fresh job with a unique waybill number, so the printed stream tells jobs apart. */
  submit(index: number, runTag: string): JobRecord {
    const env = JSON.parse(readFileSync(EXAMPLE, "utf8")) as Record<string, unknown> & {
      payload: { data: Record<string, unknown> };
    };
    const jobId = `${runTag}${String(index).padStart(6, "0")}`;
    const waybillNo = `SF${String(9_000_000_000_000 + index)}`;
    env["job_id"] = jobId;
    env["reply_to"] = this.replyTopic;
    // The envelope names the device of the topic; a pool job names none (the gateway picks one).
    const device = /\/device\/([^/]+)\/job$/.exec(this.topic)?.[1];
    if (device !== undefined) env["device"] = device;
    else delete env["device"];
    env.payload.data["waybill_no"] = waybillNo;
    const rec: JobRecord = { jobId, waybillNo, statuses: [], publishes: 0 };
    this.jobs.set(jobId, rec);
    this.bodies.set(jobId, JSON.stringify(env));
    this.publish(rec);
    return rec;
  }

  /** Publishes a submitted job again now, same job_id and body (a producer's retry). */
  resend(jobId: string): void {
    const rec = this.jobs.get(jobId);
    if (rec) this.publish(rec);
  }

  /**
   * Submits a ready envelope of any kind (an `rfid.encode`, an `epaper.update`) on `topic`, with
   * the same retry rules; `key` is what the checker looks for in the device's output (it takes
   * the place of the waybill number).
   */
  submitEnvelope(
    jobId: string,
    key: string,
    env: Record<string, unknown>,
    topic: string,
  ): JobRecord {
    const rec: JobRecord = { jobId, waybillNo: key, statuses: [], publishes: 0 };
    this.jobs.set(jobId, rec);
    this.bodies.set(jobId, JSON.stringify({ ...env, job_id: jobId, reply_to: this.replyTopic }));
    this.topics.set(jobId, topic);
    this.publish(rec);
    return rec;
  }

  private publish(rec: JobRecord) {
    rec.publishes++;
    rec.lastPublish = Date.now();
    // mqtt.js queues while offline and sends on reconnect; the retry timer covers what is lost.
    const topic = this.topics.get(rec.jobId) ?? this.topic;
    this.client?.publish(topic, this.bodies.get(rec.jobId)!, { qos: 1 }, () => undefined);
  }

  private onReply(payload: Buffer) {
    let r: {
      status?: string;
      job_id?: string;
      error?: { code?: string };
      data?: { state?: string; outcome?: { status?: string; error?: { code?: string } } };
    };
    try {
      r = JSON.parse(payload.toString()) as typeof r;
    } catch {
      return;
    }
    const rec = r.job_id === undefined ? undefined : this.jobs.get(r.job_id);
    if (!rec || r.status === undefined) return;
    rec.statuses.push(r.status);
    if (
      r.status === "rejected" &&
      (r.error as { retryable?: boolean } | undefined)?.retryable === true
    ) {
      // Retryable refusals (busy, disk full): try again later with the same job_id.
      rec.retryable = (rec.retryable ?? 0) + 1;
    } else if (FINAL.has(r.status)) {
      rec.final ??= r.status;
      if (r.error?.code !== undefined) rec.errorCode ??= r.error.code;
    } else if (
      r.status === "duplicate" &&
      r.data?.state !== undefined &&
      TERMINAL_STATES.has(r.data.state)
    ) {
      // The final reply was lost with a killed gateway; the stored outcome is the answer.
      rec.final ??= r.data.outcome?.status ?? r.data.state;
      if (r.data.outcome?.error?.code !== undefined) rec.errorCode ??= r.data.outcome.error.code;
    }
  }

  private retry() {
    // Retries go out only while connected: a producer's outbox does not pile up copies of the
    // same job while the broker is away (mqtt.js would queue every one of them offline).
    if (!this.client?.connected) return;
    const now = Date.now();
    for (const rec of this.jobs.values()) {
      if (rec.final !== undefined) continue;
      // Per job, with backoff: a job nobody answered yet is retried soon (doubling up to 10 s);
      // one already accepted only slowly, to learn an outcome whose reply was lost. Resending
      // everything at a fixed tick would bury the gateway in duplicates after every outage.
      const answered = rec.statuses.length > 0;
      const wait = answered
        ? 10_000
        : Math.min(10_000, this.retryMs * 2 ** Math.min(rec.publishes - 1, 4));
      if (now - (rec.lastPublish ?? 0) >= wait) this.publish(rec);
    }
  }

  pendingCount(): number {
    let n = 0;
    for (const rec of this.jobs.values()) if (rec.final === undefined) n++;
    return n;
  }

  /** Resolves when every job has a final outcome, or rejects after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pendingCount() > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.pendingCount()} job(s) without a final outcome after ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Drops the connection and connects again, as a workstation that lost its network does. */
  async reconnect(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.client?.endAsync(true);
    await this.connect();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.client?.endAsync(true);
  }
}

export interface Tally {
  sent: number;
  ok: number;
  printedOnce: number;
  printedTwice: number;
  /** Answered ok but never printed, or without any final outcome. */
  lost: number;
  inDoubt: number;
  inDoubtPrinted: number;
  refused: Record<string, number>;
  /** Printed although the producer was told it was refused or failed. */
  printedButRefused: number;
}

/** Compares what producers were told with what reached the paper. */
export function tally(jobs: Iterable<JobRecord>, printedFormats: string[]): Tally {
  const counts = new Map<string, number>();
  for (const f of printedFormats) {
    const seen = new Set(f.match(/SF\d{13}/g) ?? []);
    for (const w of seen) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const t: Tally = {
    sent: 0,
    ok: 0,
    printedOnce: 0,
    printedTwice: 0,
    lost: 0,
    inDoubt: 0,
    inDoubtPrinted: 0,
    refused: {},
    printedButRefused: 0,
  };
  for (const j of jobs) {
    t.sent++;
    const n = counts.get(j.waybillNo) ?? 0;
    if (n === 1) t.printedOnce++;
    if (n > 1) t.printedTwice++;
    if (j.final === "ok") {
      t.ok++;
      if (n === 0) t.lost++;
    } else if (j.final === "in_doubt") {
      t.inDoubt++;
      if (n > 0) t.inDoubtPrinted++;
    } else if (j.final === undefined) {
      t.lost++;
    } else {
      const key = `${j.final}:${j.errorCode ?? "?"}`;
      t.refused[key] = (t.refused[key] ?? 0) + 1;
      if (n > 0) t.printedButRefused++;
    }
  }
  return t;
}
