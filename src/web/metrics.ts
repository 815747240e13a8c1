/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms
 * with labels, names prefixed `labelgate_`. Gauges that mirror live state (queue lengths, device
 * state) are read by collectors at scrape time rather than kept up to date.
 */
type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  values: Map<string, { labels: Labels; value: number }>;
  hist?: Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>;
  bounds?: readonly number[];
}

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  observe(name: string, labels: Labels, value: number): void;
  /** Adds a collector that sets gauges just before each scrape. */
  collect(fn: (set: (name: string, labels: Labels, value: number) => void) => void): void;
  render(): string;
}

/** Latency buckets in seconds: 1 ms … 30 s. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

const DEFS: ReadonlyArray<Omit<Family, "values" | "hist">> = [
  { name: "labelgate_jobs_total", help: "Jobs by kind and outcome.", type: "counter" },
  {
    name: "labelgate_privacy_rejections_total",
    help: "Jobs refused by the privacy guard, by rule.",
    type: "counter",
  },
  { name: "labelgate_reprints_total", help: "Reprints by operator.", type: "counter" },
  { name: "labelgate_exports_total", help: "Audit exports by operator.", type: "counter" },
  { name: "labelgate_audit_appends_total", help: "Audit records appended.", type: "counter" },
  { name: "labelgate_alerts_total", help: "Alerts raised, by type.", type: "counter" },
  {
    name: "labelgate_http_requests_total",
    help: "HTTP requests by route and status.",
    type: "counter",
  },
  {
    name: "labelgate_job_first_byte_seconds",
    help: "Receipt to the print.dispatched record (just before the first byte), by device.",
    type: "histogram",
    bounds: LATENCY_BUCKETS,
  },
  {
    name: "labelgate_job_confirmed_seconds",
    help: "Receipt to the device's confirmation, by device.",
    type: "histogram",
    bounds: LATENCY_BUCKETS,
  },
  { name: "labelgate_queue_length", help: "Jobs waiting per device.", type: "gauge" },
  {
    name: "labelgate_device_up",
    help: "1 when the device is online and free of faults.",
    type: "gauge",
  },
  {
    name: "labelgate_device_state",
    help: "1 for the device's current state (ready, busy, paused, error, unknown).",
    type: "gauge",
  },
  { name: "labelgate_audit_head_seq", help: "Sequence number of the audit head.", type: "gauge" },
  {
    name: "labelgate_audit_checkpoint_lag_records",
    help: "Audit records not yet covered by a signed checkpoint.",
    type: "gauge",
  },
  {
    name: "labelgate_audit_checkpoint_age_seconds",
    help: "Age of the latest signed audit checkpoint.",
    type: "gauge",
  },
  { name: "labelgate_lockdown", help: "1 while a lockdown is in force.", type: "gauge" },
  { name: "labelgate_sse_clients", help: "Open console event streams.", type: "gauge" },
];

const key = (l: Labels) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join(",");

export function createMetrics(): Metrics {
  const fams = new Map<string, Family>();
  for (const d of DEFS) fams.set(d.name, { ...d, values: new Map(), hist: new Map() });
  const collectors: Array<Parameters<Metrics["collect"]>[0]> = [];
  const fam = (name: string) => {
    const f = fams.get(name);
    if (!f) throw new RangeError(`unknown metric ${name}`);
    return f;
  };
  return {
    inc(name, labels = {}, by = 1) {
      const f = fam(name);
      const k = key(labels);
      const v = f.values.get(k) ?? { labels, value: 0 };
      v.value += by;
      f.values.set(k, v);
    },
    observe(name, labels, value) {
      const f = fam(name);
      const bounds = f.bounds ?? [];
      const k = key(labels);
      const h = f.hist!.get(k) ?? { labels, buckets: bounds.map(() => 0), sum: 0, count: 0 };
      bounds.forEach((b, i) => {
        if (value <= b) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
      });
      h.sum += value;
      h.count += 1;
      f.hist!.set(k, h);
    },
    collect(fn) {
      collectors.push(fn);
    },
    render() {
      for (const f of fams.values()) if (f.type === "gauge") f.values.clear();
      for (const c of collectors)
        c((name, labels, value) => fam(name).values.set(key(labels), { labels, value }));
      const out: string[] = [];
      for (const f of fams.values()) {
        out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
        if (f.type === "histogram") {
          for (const h of f.hist!.values()) {
            (f.bounds ?? []).forEach((b, i) =>
              out.push(
                `${f.name}_bucket${fmt({ ...h.labels, le: String(b) })} ${h.buckets[i] ?? 0}`,
              ),
            );
            out.push(`${f.name}_bucket${fmt({ ...h.labels, le: "+Inf" })} ${h.count}`);
            out.push(`${f.name}_sum${fmt(h.labels)} ${h.sum}`);
            out.push(`${f.name}_count${fmt(h.labels)} ${h.count}`);
          }
        } else {
          for (const v of f.values.values()) out.push(`${f.name}${fmt(v.labels)} ${v.value}`);
        }
      }
      return `${out.join("\n")}\n`;
    },
  };
}

/** `{a="x",b="y"}` with label values escaped as the format requires (\\, \", \n). */
function fmt(l: Labels): string {
  const parts = Object.entries(l).map(
    ([k, v]) =>
      `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`,
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}
