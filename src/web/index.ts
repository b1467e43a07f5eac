import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ServerOptions } from '../http/server.ts';
import type { WebDeps } from './common.ts';
import { registerPages } from './route.ts';
import { webPages } from './pages/index.ts';

// The web UI: server-rendered HTML pages and plain forms (no JavaScript), on the same server and use
// cases as the JSON API. Wire it with buildServer(app, { plugins: [webPlugin] }).

type WebPlugin = NonNullable<ServerOptions['plugins']>[number];

const STYLESHEET = readFileSync(new URL('./style.css', import.meta.url), 'utf8');

export const webPlugin: WebPlugin = async (fastify: FastifyInstance, deps: WebDeps) => {
  fastify.get('/static/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLESHEET));
  registerPages(fastify, deps, webPages);
};
