import { dateTimeFormat } from '../domain/date-formats.ts';
import { html, type Html } from './html.ts';
import { humanTime } from './format.ts';

// Charts as server-rendered inline SVG: no JavaScript, no inline styles (the CSP forbids both), only
// classes from the stylesheet. Every chart is an image with a title and a description for screen
// readers; each bar carries a <title> (shown on hover); the numbers are also in a table next to it.

const r1 = (n: number) => Math.round(n * 10) / 10;

let seq = 0;
function chartId(prefix: string): string {
  seq = (seq + 1) % 1_000_000;
  return `${prefix}-${seq}`;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const plotW = (f: Frame) => f.width - f.left - f.right;
const plotH = (f: Frame) => f.height - f.top - f.bottom;

function svg(f: Frame, cls: string, title: string, desc: string, body: Html): Html {
  const id = chartId('chart');
  return html`<svg class="chart ${cls}" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" preserveAspectRatio="xMinYMin meet">
<title id="${id}-t">${title}</title>
<desc id="${id}-d">${desc}</desc>
${body}
</svg>`;
}

/** Horizontal grid lines with their labels on the left. */
function yAxis(f: Frame, ticks: { at: number; label: string }[]): Html {
  return html`<g class="axis" aria-hidden="true">${ticks.map((t) => {
    const y = r1(f.top + plotH(f) * (1 - t.at));
    return html`<line class="grid" x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}"></line><text class="tick" x="${f.left - 6}" y="${r1(y + 4)}" text-anchor="end">${t.label}</text>`;
  })}</g>`;
}

/** Labels under the slots, thinned so that at most `max` show. */
function xLabels(f: Frame, labels: string[], max: number): Html {
  const step = Math.max(1, Math.ceil(labels.length / max));
  const slot = plotW(f) / Math.max(1, labels.length);
  return html`<g class="axis" aria-hidden="true">${labels.map((l, i) =>
    i % step === 0
      ? html`<text class="tick" x="${r1(f.left + slot * (i + 0.5))}" y="${f.height - f.bottom + 16}" text-anchor="middle">${l}</text>`
      : '',
  )}</g>`;
}

export interface ShareBar {
  label: string;
  /** 0..1, or null when nothing was decided in the bucket. */
  share: number | null;
  /** Shown on hover, and read by screen readers: the numbers behind the bar. */
  title: string;
}

/** The share of deadlines met per period: one bar per bucket, 0–100 %. */
export function shareChart(o: { title: string; desc: string; bars: ShareBar[] }): Html {
  const f: Frame = { width: 640, height: 200, left: 44, right: 8, top: 10, bottom: 30 };
  const slot = plotW(f) / Math.max(1, o.bars.length);
  const w = r1(Math.max(2, slot * 0.7));
  const base = f.top + plotH(f);
  const bars = o.bars.map((b, i) => {
    const x = r1(f.left + slot * i + (slot - w) / 2);
    if (b.share === null) {
      return html`<rect class="bar none" x="${x}" y="${r1(base - 2)}" width="${w}" height="2"><title>${b.title}</title></rect>`;
    }
    const hgt = r1(Math.max(2, plotH(f) * b.share));
    const grade = b.share >= 0.9 ? 'good' : b.share >= 0.5 ? 'fair' : 'poor';
    return html`<rect class="bar ${grade}" x="${x}" y="${r1(base - hgt)}" width="${w}" height="${hgt}"><title>${b.title}</title></rect>`;
  });
  return svg(
    f,
    'share-chart',
    o.title,
    o.desc,
    html`${yAxis(f, [
      { at: 0, label: '0%' },
      { at: 0.5, label: '50%' },
      { at: 1, label: '100%' },
    ])}
<g class="bars">${bars}</g>
${xLabels(
  f,
  o.bars.map((b) => b.label),
  9,
)}`,
  );
}

export interface CountBar {
  label: string;
  count: number;
  title: string;
}

/** A histogram: one bar per bucket, scaled to the largest count. */
export function histogramChart(o: { title: string; desc: string; bars: CountBar[]; empty: string }): Html {
  const f: Frame = { width: 640, height: 200, left: 44, right: 8, top: 10, bottom: 30 };
  const max = Math.max(0, ...o.bars.map((b) => b.count));
  const slot = plotW(f) / Math.max(1, o.bars.length);
  const w = r1(Math.max(2, slot * 0.8));
  const base = f.top + plotH(f);
  const top = max === 0 ? 1 : max;
  const bars = o.bars.map((b, i) => {
    const x = r1(f.left + slot * i + (slot - w) / 2);
    const hgt = r1(b.count === 0 ? 0 : Math.max(2, (plotH(f) * b.count) / top));
    return html`<rect class="bar count" x="${x}" y="${r1(base - hgt)}" width="${w}" height="${hgt}"><title>${b.title}</title></rect>`;
  });
  const ticks =
    max === 0
      ? [{ at: 0, label: '0' }]
      : [{ at: 0, label: '0' }, ...(max > 1 ? [{ at: 0.5, label: String(r1(max / 2)) }] : []), { at: 1, label: String(max) }];
  return svg(
    f,
    'histogram',
    o.title,
    o.desc,
    html`${yAxis(f, ticks)}
<g class="bars">${bars}</g>
${max === 0 ? html`<text class="empty" x="${r1(f.left + plotW(f) / 2)}" y="${r1(f.top + plotH(f) / 2)}" text-anchor="middle">${o.empty}</text>` : ''}
${xLabels(
  f,
  o.bars.map((b) => b.label),
  12,
)}`,
  );
}

export interface GanttRow {
  label: string;
  start: Date;
  /** Where the bar ends: the stop, or now for a clock still running. */
  end: Date;
  due: Date;
  /** met | missed | superseded | paused | overdue | running: a class of the bar. */
  state: string;
  title: string;
}

/**
 * A Gantt-style strip of a case's clocks: a bar per clock row from its start to its stop (or now),
 * a tick at its due time, and a line at now.
 */
export function ganttChart(o: {
  title: string;
  desc: string;
  rows: GanttRow[];
  now: Date;
  timeZone: string;
  /** How a due time reads; a page that names its one zone once leaves the zone out. */
  timeText?: (iso: string, timeZone: string) => string;
}): Html {
  const timeText = o.timeText ?? humanTime;
  const rowH = 24;
  const f: Frame = { width: 720, height: 10 + rowH * o.rows.length + 30, left: 190, right: 36, top: 10, bottom: 30 };
  const times = o.rows.flatMap((r) => [r.start.getTime(), r.end.getTime(), r.due.getTime()]);
  const t0 = Math.min(...times, o.now.getTime());
  const t1Raw = Math.max(...times, o.now.getTime());
  const t1 = t1Raw > t0 ? t1Raw : t0 + 3600_000;
  const x = (t: number) => r1(f.left + ((t - t0) / (t1 - t0)) * plotW(f));
  const span = t1 - t0;
  const tickLabel = (t: number) => {
    const d = new Date(t);
    const opts: Intl.DateTimeFormatOptions =
      span < 3 * 86_400_000
        ? { timeZone: o.timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }
        : { timeZone: o.timeZone, day: 'numeric', month: 'short' };
    return dateTimeFormat('en-GB', opts).format(d);
  };
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((q) => t0 + q * span);
  const bottom = f.top + rowH * o.rows.length;
  const rows = o.rows.map((r, i) => {
    const y = f.top + rowH * i;
    const xs = x(r.start.getTime());
    const xe = Math.max(x(r.end.getTime()), xs + 2);
    return html`<g class="gantt-row ${r.state}">
<text class="label" x="${f.left - 8}" y="${y + 16}" text-anchor="end">${r.label}</text>
<rect class="span ${r.state}" x="${xs}" y="${y + 6}" width="${r1(xe - xs)}" height="12"><title>${r.title}</title></rect>
<line class="due" x1="${x(r.due.getTime())}" x2="${x(r.due.getTime())}" y1="${y + 2}" y2="${y + 22}"><title>due ${timeText(r.due.toISOString(), o.timeZone)}</title></line>
</g>`;
  });
  return svg(
    f,
    'gantt',
    o.title,
    o.desc,
    html`<g class="axis" aria-hidden="true">${ticks.map((t) => html`<line class="grid" x1="${x(t)}" x2="${x(t)}" y1="${f.top}" y2="${bottom}"></line><text class="tick" x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${tickLabel(t)}</text>`)}</g>
${rows}
<line class="now" x1="${x(o.now.getTime())}" x2="${x(o.now.getTime())}" y1="${f.top - 4}" y2="${bottom + 2}"><title>now</title></line>`,
  );
}

/** A duration as a person says it: "3 h", "1 d 2 h", "12 d". */
export function humanDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${r1(s / 3600)} h`;
  const d = Math.floor(s / 86_400);
  const h = Math.round((s - d * 86_400) / 3600);
  return d >= 10 || h === 0 ? `${r1(s / 86_400)} d` : `${d} d ${h} h`;
}
