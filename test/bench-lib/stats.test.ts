import { describe, expect, it } from "vitest";
import { median, percentile, round } from "../bench/lib/stats.ts";
import { formatTable } from "../bench/lib/table.ts";

describe("bench statistics", () => {
  it("takes percentiles by nearest rank, so a p99 is a measured value", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted input
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile(xs, 1)).toBe(100);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([1, 2, 3, 1000], 0.99)).toBe(1000);
    expect(percentile([], 0.99)).toBeNaN();
  });

  it("takes the median of odd and even counts without reordering the input", () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("rounds to significant digits", () => {
    expect(round(12345.678)).toBe(12300);
    expect(round(0.0012345, 2)).toBe(0.0012);
    expect(round(0)).toBe(0);
  });
});

describe("bench table", () => {
  it("prints figure, baseline, ratio and whether the target was met, plus notes and failures", () => {
    const out = formatTable([
      {
        id: "e2e",
        results: [
          {
            name: "e2e throughput (labelgate, aedes)",
            unit: "jobs/s",
            median: 4321.5,
            baseline: { name: "bare relay", median: 15000 },
            ratio: 0.288,
            target: { text: "≥ 5000 jobs/s", met: false },
            note: "8 printers",
          },
          { name: "latency", unit: "ms", median: 1.234, p99: 4.56 },
        ],
      },
      { id: "audit", results: [], error: "Error: disk full\n    at x" },
    ]);
    const lines = out.split("\n");
    const row = lines.find((l) => l.includes("e2e throughput"))!;
    expect(row.split("|").map((c) => c.trim())).toEqual([
      "",
      "e2e throughput (labelgate, aedes)",
      "jobs/s",
      "4322",
      "",
      "bare relay",
      "15000",
      "",
      "0.288×",
      "≥ 5000 jobs/s",
      "NO",
      "",
    ]);
    expect(lines.find((l) => l.startsWith("| latency"))).toContain("4.56");
    expect(out).toContain("audit: FAILED (Error: disk full)");
    expect(out).toContain("- e2e throughput (labelgate, aedes): 8 printers");
  });
});
