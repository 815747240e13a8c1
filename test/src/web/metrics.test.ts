import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/web/metrics.ts";
import { parsePrometheus, value } from "../../helpers/prom.ts";

describe("Prometheus exposition", () => {
  it("escapes label values and keeps histograms cumulative", () => {
    const m = createMetrics();
    m.inc("labelgate_reprints_total", { operator: 'E1"\\\n' });
    m.observe("labelgate_job_confirmed_seconds", { device: "zpl-1" }, 0.004);
    m.observe("labelgate_job_confirmed_seconds", { device: "zpl-1" }, 3);
    m.observe("labelgate_job_confirmed_seconds", { device: "zpl-1" }, 99);
    m.collect((set) => set("labelgate_queue_length", { device: "zpl-1" }, 7));
    const text = m.render();
    const fams = parsePrometheus(text);
    expect(value(fams, "labelgate_reprints_total", { operator: 'E1"\\\n' })).toBe(1);
    expect(value(fams, "labelgate_job_confirmed_seconds_bucket", { le: "0.005" })).toBe(1);
    expect(value(fams, "labelgate_job_confirmed_seconds_bucket", { le: "5" })).toBe(2);
    expect(value(fams, "labelgate_job_confirmed_seconds_bucket", { le: "+Inf" })).toBe(3);
    expect(value(fams, "labelgate_job_confirmed_seconds_sum")).toBeCloseTo(102.004);
    expect(value(fams, "labelgate_queue_length", { device: "zpl-1" })).toBe(7);
    // Gauges are read afresh at every scrape.
    expect(parsePrometheus(m.render()).get("labelgate_queue_length")!.samples).toHaveLength(1);
  });

  it("the test parser refuses what the format does not allow", () => {
    const ok = "# TYPE a counter\na 1\n";
    expect(() => parsePrometheus(ok)).not.toThrow();
    for (const bad of [
      "# TYPE a counter\na 1", // no final newline
      "a 1\n", // no TYPE
      '# TYPE a counter\na{x="1} 1\n', // unterminated label value
      '# TYPE a counter\na{x="\\q"} 1\n', // bad escape
      "# TYPE a counter\na one\n", // bad value
      "# TYPE a counter\n# TYPE a gauge\na 1\n", // TYPE twice
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
    ])
      expect(() => parsePrometheus(bad)).toThrow();
  });
});
