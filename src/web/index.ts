import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ServerOptions } from '../http/server.ts';
import type { WebDeps } from './common.ts';
import { registerAccountPages } from './pages/account.ts';
import { registerQueuePage } from './pages/queue.ts';
import { registerCasePages } from './pages/case.ts';
import { registerAdminPages } from './pages/admin.ts';
import { registerReporterPages } from './pages/reporter.ts';
import { registerMePages } from './pages/me.ts';
import { registerDashboardPage } from './pages/dashboard.ts';
import { registerAdvisoryPages } from './pages/advisory.ts';
import { registerCvePages } from './pages/cve.ts';
import { registerCvssCalculatorPages } from './pages/cvss-calculator.ts';
import { registerCwePages } from './pages/cwe-search.ts';
import { registerSignedReplyPages } from './pages/signed-reply.ts';
import { registerMailSettingsPages } from './pages/mail-settings.ts';
import { registerDeliveriesPages } from './pages/deliveries.ts';
import { registerMailInboxPages } from './pages/mail-inbox.ts';

// The web UI: server-rendered HTML pages and plain forms (no JavaScript), on the same server and use
// cases as the JSON API. Wire it with buildServer(app, { plugins: [webPlugin] }).

type WebPlugin = NonNullable<ServerOptions['plugins']>[number];

const STYLESHEET = readFileSync(new URL('./style.css', import.meta.url), 'utf8');

export const webPlugin: WebPlugin = async (fastify: FastifyInstance, deps: WebDeps) => {
  fastify.get('/static/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLESHEET));
  registerAccountPages(fastify, deps);
  registerQueuePage(fastify, deps);
  registerCasePages(fastify, deps);
  registerAdminPages(fastify, deps);
  registerReporterPages(fastify, deps);
  registerMePages(fastify, deps);
  registerDashboardPage(fastify, deps);
  registerAdvisoryPages(fastify, deps);
  registerCvePages(fastify, deps);
  registerCvssCalculatorPages(fastify, deps);
  registerCwePages(fastify, deps);
  registerSignedReplyPages(fastify, deps);
  registerMailSettingsPages(fastify, deps);
  registerDeliveriesPages(fastify, deps);
  registerMailInboxPages(fastify, deps);
};
