/** The bench table: one row per figure, with its baseline from the same run and the ratio. */
import type { BenchResult } from "../types.ts";

const fmt = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x)
    ? ""
    : Math.abs(x) >= 100
      ? String(Math.round(x))
      : String(Number(x.toPrecision(3)));

export function formatTable(
  outcomes: ReadonlyArray<{ id: string; results: BenchResult[]; error?: string }>,
): string {
  const head = [
    "figure",
    "unit",
    "median",
    "p99",
    "baseline",
    "base median",
    "base p99",
    "ratio",
    "target",
    "met",
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const o of outcomes) {
    if (o.error !== undefined) {
      rows.push([
        `${o.id}: FAILED (${o.error.split("\n")[0]!.slice(0, 80)})`,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
      ]);
      continue;
    }
    for (const r of o.results) {
      rows.push([
        r.name,
        r.unit,
        fmt(r.median),
        fmt(r.p99),
        r.baseline?.name ?? "",
        fmt(r.baseline?.median),
        fmt(r.baseline?.p99),
        r.ratio === undefined ? "" : `${fmt(r.ratio)}×`,
        r.target?.text ?? "",
        r.target === undefined ? "" : r.target.met ? "yes" : "NO",
      ]);
      if (r.note !== undefined) notes.push(`- ${r.name}: ${r.note}`);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i >= 2 && i !== 4 && i !== 8 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  return [
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
    "",
    ...notes,
  ].join("\n");
}
