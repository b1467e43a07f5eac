import { defineRoutes } from '../route.ts';
import { SlaQuery, slaDashboard, slaMetrics } from '../../app/sla/stats.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../formats/prometheus.ts';
import { prometheusText } from '../../formats/sla-metrics.ts';

// SLA figures: the dashboard as JSON (need-to-know applied: the figures cover the cases the person
// may see) and Prometheus metrics at /metrics (desk-wide counts; admins and the central team, with a
// session or an API token as "Authorization: Bearer ...", which is how Prometheus scrapes).

export const slaRoutes = defineRoutes([
  {
    method: 'GET',
    url: '/api/sla/dashboard',
    policy: 'signed-in',
    tag: 'sla',
    query: SlaQuery,
    summary:
      'Deadlines met, missed, breached, running and overdue per clock, the share met per week or month, and the distributions of time to acknowledge, triage, fix and disclose, for the cases this person may see. Default period: the last 90 days.',
    handler: ({ ctx, query }) => slaDashboard(ctx, query),
  },
  {
    method: 'GET',
    url: '/metrics',
    policy: 'signed-in',
    tag: 'sla',
    summary: 'Prometheus metrics (text format 0.0.4), desk-wide: for admins and the central security team only.',
    handler: async ({ ctx, reply }) => reply.type(PROMETHEUS_CONTENT_TYPE).send(prometheusText(await slaMetrics(ctx))),
  },
]);
