/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): it throws on anything the
 * format does not allow (bad names, unescaped label values, samples before their TYPE, a TYPE
 * given twice, histogram buckets that are not cumulative or lack `+Inf` equal to `_count`).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const fams = new Map<string, Family>();
  const typed = new Set<string>();
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, i) => {
    const at = `line ${i + 1}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kw, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${at}: bad metric name`);
      const f = fams.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      if (kw === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`${at}: bad type ${rest}`);
        if (typed.has(name) || f.samples.length > 0)
          throw new Error(`${at}: TYPE after samples or twice`);
        typed.add(name);
        f.type = rest;
      } else f.help = rest;
      fams.set(name, f);
      return;
    }
    const s = parseSample(line, at);
    const base = [...fams.keys()].find(
      (n) =>
        s.name === n ||
        (/_(bucket|sum|count)$/.test(s.name) && s.name.replace(/_(bucket|sum|count)$/, "") === n),
    );
    if (base === undefined) throw new Error(`${at}: sample ${s.name} without TYPE`);
    fams.get(base)!.samples.push(s);
  });
  for (const f of fams.values()) if (f.type === "histogram") checkHistogram(f);
  return fams;
}

function parseSample(line: string, at: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?[0-9]+)?$/.exec(line);
  if (!m) throw new Error(`${at}: malformed sample`);
  const labels: Record<string, string> = {};
  const body = m[2]?.slice(1, -1) ?? "";
  let j = 0;
  while (j < body.length) {
    const eq = body.indexOf("=", j);
    if (eq < 0) throw new Error(`${at}: label without value`);
    const k = body.slice(j, eq);
    if (!LABEL.test(k)) throw new Error(`${at}: bad label name`);
    if (body[eq + 1] !== '"') throw new Error(`${at}: label value not quoted`);
    let v = "";
    let p = eq + 2;
    for (; p < body.length && body[p] !== '"'; p++) {
      if (body[p] === "\\") {
        const n = body[++p];
        if (n === "n") v += "\n";
        else if (n === "\\" || n === '"') v += n;
        else throw new Error(`${at}: bad escape`);
      } else if (body[p] === "\n") throw new Error(`${at}: raw newline`);
      else v += body[p];
    }
    if (body[p] !== '"') throw new Error(`${at}: unterminated label value`);
    if (k in labels) throw new Error(`${at}: label ${k} twice`);
    labels[k] = v;
    j = p + 1;
    if (body[j] === ",") j++;
    else if (j < body.length) throw new Error(`${at}: expected ',' between labels`);
  }
  const raw = m[3]!;
  const value =
    raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : raw === "NaN" ? NaN : Number(raw);
  if (!/^(\+Inf|-Inf|NaN|[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)$/.test(raw))
    throw new Error(`${at}: bad value`);
  return { name: m[1]!, labels, value };
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const rest = Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== "le"));
    const k = JSON.stringify(rest);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  for (const ss of groups.values()) {
    const buckets = ss.filter((s) => s.name === `${f.name}_bucket`);
    const count = ss.find((s) => s.name === `${f.name}_count`);
    if (!count || !ss.some((s) => s.name === `${f.name}_sum`))
      throw new Error(`${f.name}: no _sum/_count`);
    let prev = -Infinity;
    let last = 0;
    for (const b of buckets) {
      const le = Number(b.labels["le"] === "+Inf" ? Infinity : b.labels["le"]);
      if (!(le > prev)) throw new Error(`${f.name}: buckets not in increasing le`);
      if (b.value < last) throw new Error(`${f.name}: buckets not cumulative`);
      prev = le;
      last = b.value;
    }
    if (prev !== Infinity || last !== count.value)
      throw new Error(`${f.name}: +Inf bucket must equal _count`);
  }
}

/** The value of the sample `name` whose labels include `labels`, or 0 when there is none. */
export function value(
  fams: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const f of fams.values())
    for (const s of f.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        return s.value;
  return 0;
}
