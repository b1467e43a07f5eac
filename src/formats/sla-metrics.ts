import type { SlaMetrics } from '../app/sla/stats.ts';
import { exposition, histogramSamples, type MetricFamily } from './prometheus.ts';

// The SLA read model as Prometheus metric families (text format 0.0.4), served at /metrics.

export function prometheusText(m: SlaMetrics): string {
  const families: MetricFamily[] = [
    {
      name: 'embargo_deadlines_total',
      type: 'counter',
      help: 'SLA deadlines finished, by clock and outcome: met (stopped on or before due) or missed (stopped after due). Superseded rows (owner or priority changed) are not counted.',
      samples: m.clocks.flatMap((c) => [
        { labels: { clock: c.clock, outcome: 'met' }, value: c.met },
        { labels: { clock: c.clock, outcome: 'missed' }, value: c.missed },
      ]),
    },
    {
      name: 'embargo_deadlines_running',
      type: 'gauge',
      help: 'SLA clocks running now (including paused ones), by clock.',
      samples: m.clocks.map((c) => ({ labels: { clock: c.clock }, value: c.running })),
    },
    {
      name: 'embargo_deadlines_paused',
      type: 'gauge',
      help: 'SLA clocks paused now (not due while paused), by clock.',
      samples: m.clocks.map((c) => ({ labels: { clock: c.clock }, value: c.paused })),
    },
    {
      name: 'embargo_deadlines_overdue',
      type: 'gauge',
      help: 'SLA clocks running past their due time now, by clock.',
      samples: m.clocks.map((c) => ({ labels: { clock: c.clock }, value: c.overdue })),
    },
    {
      name: 'embargo_queue_reports_in_triage',
      type: 'gauge',
      help: 'Reports not yet accepted or rejected.',
      samples: [{ value: m.queue.inTriage }],
    },
    {
      name: 'embargo_queue_reports_awaiting_triage',
      type: 'gauge',
      help: 'Reports in triage that nobody has claimed or acknowledged.',
      samples: [{ value: m.queue.awaitingTriage }],
    },
    { name: 'embargo_incidents_open', type: 'gauge', help: 'Open incidents.', samples: [{ value: m.queue.openIncidents }] },
  ];
  for (const d of m.distributions) {
    const bounds = d.histogram.slice(0, -1).map((b) => b.toSeconds!);
    families.push({
      name: `embargo_time_to_${d.measure}_seconds`,
      type: 'histogram',
      help: `${d.label}: ${d.source}.`,
      samples: histogramSamples(
        {},
        bounds,
        d.histogram.map((b) => b.count),
        d.sumSeconds,
      ),
    });
  }
  return exposition(families);
}
