// The Prometheus text exposition format, version 0.0.4: for each metric family a # HELP and a
// # TYPE line, then one line per sample: name{label="value",...} value.
// https://prometheus.io/docs/instrumenting/exposition_formats/

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface MetricSample {
  /** Appended to the family name: "_bucket", "_sum", "_count" for histograms. */
  suffix?: string;
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function exposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`invalid metric name ${f.name}`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const name = f.name + (s.suffix ?? '');
      const labels = Object.entries(s.labels ?? {});
      for (const [k] of labels) if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${k}`);
      const set = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}` : '';
      lines.push(`${name}${set} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The samples of a histogram from per-bucket counts (not cumulative) and the buckets' upper bounds
 * (one fewer than the counts: the last bucket has none). Prometheus wants cumulative buckets by upper
 * bound (le, inclusive), the last one +Inf, then _sum and _count.
 */
export function histogramSamples(
  labels: Record<string, string>,
  upperBounds: readonly number[],
  counts: readonly number[],
  sum: number,
): MetricSample[] {
  if (counts.length !== upperBounds.length + 1) throw new Error('a histogram needs one count more than upper bounds');
  const out: MetricSample[] = [];
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i]!;
    const upper = upperBounds[i];
    out.push({ suffix: '_bucket', labels: { ...labels, le: upper === undefined ? '+Inf' : formatValue(upper) }, value: acc });
  }
  out.push({ suffix: '_sum', labels, value: sum }, { suffix: '_count', labels, value: acc });
  return out;
}
