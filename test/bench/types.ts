/**
 * The shape every benchmark case returns. `npm run bench` (test/bench/run.ts) imports each module
 * under test/bench/cases/, calls `run(ctx)`, and prints one table row per result: the figure, the
 * baseline measured in the same run, and their ratio. Absolute numbers drift on shared machines;
 * ratios to a baseline measured seconds apart do not (much).
 */
export interface BenchContext {
  /** `npm run bench -- --quick`: every case briefly (the whole run under three minutes). */
  quick: boolean;
  /** A scratch directory for this run (removed afterwards). */
  tmpDir: string;
  log(message: string): void;
}

export interface BenchResult {
  /** e.g. `e2e throughput (labelgate, aedes)`. */
  name: string;
  /** e.g. `jobs/s`, `ms`, `bytes/label`, `records/s`, `MB`. */
  unit: string;
  /** Median over the repetitions. */
  median: number;
  /** 99th percentile where the case measures a distribution (latency). */
  p99?: number;
  /** The baseline this figure is compared with, measured in the same run. */
  baseline?: { name: string; median: number; p99?: number };
  /** `median / baseline.median` (or the inverse where smaller is better; say which in `note`). */
  ratio?: number;
  /** The DESIGN.md §8 target, as text, e.g. `≥ 5000 jobs/s`, and whether it was met. */
  target?: { text: string; met: boolean };
  note?: string;
}

/** What a module under test/bench/cases/ exports. */
export interface BenchCase {
  /** Short id for `npm run bench -- --only <id>`. */
  id: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}
