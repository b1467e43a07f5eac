import type { CaseView } from '../app/cases/queries.ts';
import { deadlineOutcome, effectiveDue, type DeadlineOutcome } from '../domain/sla-outcome.ts';
import { html, type Html } from './html.ts';
import { stopWords } from './case-words.ts';
import { plainTime } from './format.ts';
import { ganttChart } from './charts.ts';

// The case page's clock timeline: every clock row of the case (superseded ones too, greyed) as a
// Gantt-style strip from its start to its stop or now, with its due time marked, and the outcome of
// each in words (a legend, the chart's description, and a badge in the deadlines table).

type Deadline = CaseView['deadlines'][number];

const WORDS: Record<DeadlineOutcome, string> = {
  met: 'met',
  missed: 'missed',
  superseded: 'superseded',
  paused: 'paused',
  overdue: 'overdue',
  running: 'running',
};

function times(d: Deadline) {
  return {
    startedAt: new Date(d.startedAt!),
    dueAt: new Date(d.dueAt!),
    stoppedAt: d.stoppedAt ? new Date(d.stoppedAt) : null,
    stopReason: d.stopReason,
    pausedAt: d.pausedAt ? new Date(d.pausedAt) : null,
  };
}

export function outcomeOf(d: Deadline, now: Date): DeadlineOutcome {
  return deadlineOutcome(times(d), now);
}

/** The outcome in words, for the deadlines table. */
export function outcomeBadge(d: Deadline, now: Date): Html {
  const o = outcomeOf(d, now);
  return html`<span class="badge outcome-${o}">${WORDS[o]}</span>`;
}

export function clockTimeline(deadlines: readonly Deadline[], now: Date, timeZone: string): Html {
  if (deadlines.length === 0) return html``;
  // The case page names its one zone once; the strip's words leave it out.
  const at = (iso: string) => plainTime(iso, timeZone);
  const rows = deadlines.map((d) => {
    const t = times(d);
    const state = deadlineOutcome(t, now);
    const end = t.stoppedAt && t.stoppedAt <= now ? t.stoppedAt : t.pausedAt && t.pausedAt <= now ? t.pausedAt : now;
    const label = `${d.clock}${d.project ? ` (${d.project})` : ''}`;
    const due = effectiveDue(t, now);
    const title =
      `${label}, ${d.owner ?? 'nobody yet'}: started ${at(d.startedAt!)}, due ${at(due.toISOString())}` +
      (d.stoppedAt
        ? `, stopped ${at(d.stoppedAt)} (${stopWords(d.stopReason, timeZone)})`
        : d.pausedAt
          ? `, paused since ${at(d.pausedAt)}`
          : ', running') +
      ` — ${WORDS[state]}`;
    return { label, start: t.startedAt, end, due, state, title };
  });
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return html`<figure class="clock-timeline">
  ${ganttChart({
    title: 'Clock timeline of this case',
    desc: `${rows.length} clock rows, from start to stop or now, with the due time marked: ${rows.map((r) => r.title).join('; ')}.`,
    rows,
    now,
    timeZone,
    timeText: plainTime,
  })}
  <figcaption class="muted">Bars run from a clock's start to its stop (or now); the tick is its due time; the dashed line is now.
    ${[...counts].map(([s, n]) => html`<span class="badge outcome-${s}">${n} ${WORDS[s as DeadlineOutcome]}</span> `)}</figcaption>
</figure>`;
}
