import { defineRoutes } from '../route.ts';
import { reportIdOfIncident } from '../../app/cases/case.ts';
import {
  checkCvssVectors,
  CvssQuery,
  CvssVectorsInput,
  CweQuery,
  findCwe,
  scoreVector,
  setCvssVectors,
} from '../../app/scoring/scoring.ts';

// Scoring: an incident's CVSS vectors (the severity, priority and resolution target follow from the
// profile), scoring a vector for tools, and the shipped CWE list. PUT replaces the incident's whole
// set of vectors (at most one per version; [] removes them), by report id like the other case
// actions or by incident id (TF-2026-0007) for tools that only know that.

export const scoringRoutes = defineRoutes([
  {
    method: 'PUT',
    url: '/api/reports/:id/cvss',
    policy: 'signed-in',
    tag: 'cases',
    body: CvssVectorsInput,
    summary:
      "Set the incident's CVSS vectors (3.1 and/or 4.0, one per version); the severity, priority and resolution target follow from the profile. An invalid vector is refused with the reasons and changes nothing.",
    handler: ({ ctx, params, body }) => setCvssVectors(ctx, params.id!, body),
  },
  {
    method: 'PUT',
    url: '/api/incidents/:ref/cvss',
    policy: 'signed-in',
    tag: 'cases',
    body: CvssVectorsInput,
    summary: 'The same, by incident id (e.g. TF-2026-0007).',
    handler: async ({ ctx, params, body }) => {
      // The body is judged before the id is looked up, so a bad body gets the same 400 whether the
      // incident exists or not, and a good one the same 404 for "no such incident" and "not yours".
      checkCvssVectors(body);
      return setCvssVectors(ctx, await reportIdOfIncident(ctx.app.db, params.ref!), body);
    },
  },
  {
    method: 'GET',
    url: '/api/cvss',
    policy: 'signed-in',
    tag: 'scoring',
    query: CvssQuery,
    summary:
      "Score a CVSS 3.1 or 4.0 vector: scores, qualitative severity, what this desk's profile would set (severity, priority, resolution days), and the FIRST JSON object.",
    handler: ({ ctx, query }) => scoreVector(ctx, query),
  },
  {
    method: 'GET',
    url: '/api/cwe',
    policy: 'signed-in',
    tag: 'scoring',
    query: CweQuery,
    summary:
      'Search the shipped CWE list by id (CWE-787, 787) or words of the name; at most `limit` (default 20, at most 50) matches, best first.',
    handler: async ({ ctx, query }) => findCwe(ctx, query),
  },
]);
