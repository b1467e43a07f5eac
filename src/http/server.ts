import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import { timingSafeEqual } from 'node:crypto';
import type { App, Ctx } from '../app/context.ts';
import { principalFromApiToken, principalFromSession } from '../app/auth/auth.ts';
import { EmbargoError, httpStatusOf, type ErrorCode } from '../domain/errors.ts';
import { toErrorBody } from './error-body.ts';
import { deskRefusal, mayDo, type Principal } from '../domain/access.ts';
import { PATH_PARAMS, pathParamsOf, type RouteDef } from './route.ts';
import { apiRoutes } from './routes/api.ts';
import { sessionRoutes, sessionTokenOf } from './routes/session.ts';
import { slaRoutes } from './routes/sla.ts';
import { calendarRoutes } from './routes/calendars.ts';
import { scoringRoutes } from './routes/scoring.ts';
import { advisoryRoutes } from './routes/advisories.ts';
import { cveRoutes } from './routes/cve.ts';
import { keyRoutes } from './routes/keys.ts';
import { mailRoutes } from './routes/mail.ts';
import { relayRoutes } from './routes/relay.ts';
import { mailInboxRoutes } from './routes/mail-inbox.ts';
import { redactionRoutes } from './routes/redaction.ts';
import { disclosureRoutes } from './routes/disclosure.ts';
import { PORTAL_COOKIE, stakeholderRoutes } from './routes/stakeholders.ts';
import { principalFromPortalSession } from '../app/stakeholders/portal-auth.ts';
import { remediationRoutes } from './routes/remediation.ts';
import { openApiDocument } from './openapi.ts';

// The HTTP door: authenticates, enforces each route's declared policy and CSRF, calls the use case,
// and maps every error to one JSON shape: { error: { code, message, details } }.

export interface ServerOptions {
  /** Extra routes from other doors (the web UI), registered with the same policy machinery. */
  extraRoutes?: RouteDef[];
  /** Raw Fastify plugins (web UI pages) that do their own rendering. */
  plugins?: ((app: FastifyInstance, deps: PluginDeps) => Promise<void>)[];
  logger?: boolean;
}

/**
 * Renders an error as a page for a browser: what a request outside the API that accepts HTML gets
 * instead of the JSON error shape (the web plugin provides it; without it, JSON for everyone).
 */
export type BrowserErrorPage = (request: FastifyRequest, reply: FastifyReply, status: number, message: string) => Promise<unknown>;

export interface PluginDeps {
  app: App;
  authenticate: (r: FastifyRequest) => Promise<AuthResult>;
  /** Sets the page browsers get for "not found" and other errors outside the API. */
  setBrowserErrorPage?: (page: BrowserErrorPage) => void;
}

/** A browser asking for a page outside the API: it gets an HTML error page; the API always answers JSON. */
function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  if (path === '/api' || path.startsWith('/api/')) return false;
  return /(^|,)\s*(text\/html|application\/xhtml\+xml)\s*(;|,|$)/i.test(String(request.headers.accept ?? ''));
}

export interface AuthResult {
  principal: Principal;
  /** Set when authenticated by a session cookie: unsafe methods must echo it (CSRF). */
  csrfToken: string | null;
}

export function allRoutes(extra: RouteDef[] = []): RouteDef[] {
  return [
    ...sessionRoutes,
    ...apiRoutes,
    ...slaRoutes,
    ...calendarRoutes,
    ...scoringRoutes,
    ...advisoryRoutes,
    ...cveRoutes,
    ...keyRoutes,
    ...mailRoutes,
    ...mailInboxRoutes,
    ...relayRoutes,
    ...redactionRoutes,
    ...disclosureRoutes,
    ...stakeholderRoutes,
    ...remediationRoutes,
    ...extra,
  ];
}

function sendError(reply: FastifyReply, code: ErrorCode, message: string, details: { path?: string; message: string }[] = []) {
  return reply.status(httpStatusOf[code]).type('application/json').send({ error: { code, message, details } });
}

/** The headers every response carries, whichever path (route, hook, router refusal) sends it. */
function withSecurityHeaders(reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cache-control', 'no-store');
  if (!reply.hasHeader('content-security-policy')) {
    reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  }
}

/** Whether a parsed body or query holds a NUL character in any string, key or value, at any depth. */
function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || depth > 32) return false;
  for (const [k, v] of Object.entries(value)) if (k.includes('\u0000') || containsNul(v, depth + 1)) return true;
  return false;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function buildServer(app: App, opts: ServerOptions = {}): Promise<FastifyInstance> {
  let browserPage: BrowserErrorPage | null = null;
  /** The error as a browser's page where one is wanted and can be drawn, else the JSON shape. */
  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    code: ErrorCode,
    message: string,
    details?: { path?: string; message: string }[],
  ) =>
    browserPage && wantsPage(request)
      ? browserPage(request, reply, httpStatusOf[code], message).catch((e: unknown) => {
          request.log.error(e);
          return sendError(reply, code, message, details);
        })
      : sendError(reply, code, message, details);
  const server = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: app.config.bodyLimitBytes,
    trustProxy: app.config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    // The router's own refusals get the one error shape too: a path parameter longer than it will
    // match is "not found" (no such thing has such an id), a URL that does not decode is a bad request.
    // These replies skip the hooks, so they get the security headers here; they never echo the URL.
    frameworkErrors: (error, request, reply) => {
      withSecurityHeaders(reply);
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return answer(request, reply, 'not_found', 'No such page or resource.');
      if (!(error.statusCode && error.statusCode < 500)) request.log.error(error);
      return answer(request, reply, 'bad_request', 'The URL is not valid.');
    },
  });
  await server.register(cookie);
  await server.register(formbody, { bodyLimit: app.config.bodyLimitBytes });
  await server.register(rateLimit, { global: false });

  server.addHook('onSend', async (_req, reply, payload) => {
    withSecurityHeaders(reply);
    return payload;
  });
  // A NUL character has no place in any text the desk keeps, and the database refuses it with a
  // server fault: refuse it up front, in the body and the query, as the caller's mistake.
  server.addHook('preValidation', async (request) => {
    if (containsNul(request.body) || containsNul(request.query))
      throw new EmbargoError('validation_failed', 'The input contains a NUL character; remove it and send again.');
  });

  const authenticate = async (request: FastifyRequest): Promise<AuthResult> => {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const principal = await principalFromApiToken(app, header.slice(7).trim(), { ip: request.ip });
      if (!principal) throw new EmbargoError('unauthenticated', 'The API token is unknown or revoked.');
      return { principal, csrfToken: null };
    }
    const token = sessionTokenOf(app, request);
    if (token) {
      const s = await principalFromSession(app, token);
      if (s) return { principal: s.principal, csrfToken: s.csrfToken };
    }
    return { principal: { kind: 'anonymous' }, csrfToken: null };
  };

  const authenticatePortal = async (request: FastifyRequest): Promise<AuthResult> => {
    const token = request.cookies[PORTAL_COOKIE];
    const s = token ? await principalFromPortalSession(app, token) : null;
    return s ?? { principal: { kind: 'anonymous' }, csrfToken: null };
  };

  server.setErrorHandler((error, request, reply) => {
    const body = toErrorBody(error);
    if (body.status >= 500) request.log.error(error);
    return answer(request, reply.status(body.status), body.code, body.message, body.details);
  });
  server.setNotFoundHandler((request, reply) => answer(request, reply, 'not_found', 'No such page or resource.'));

  for (const route of allRoutes(opts.extraRoutes)) {
    const params = pathParamsOf(route.url).map((name) => {
      const shape = PATH_PARAMS[name];
      if (!shape) throw new Error(`${route.method} ${route.url}: the path parameter :${name} has no shape in PATH_PARAMS`);
      return [name, shape] as const;
    });
    server.route({
      method: route.method,
      url: route.url,
      ...(route.rateLimitPerMinute ? { config: { rateLimit: { max: route.rateLimitPerMinute(app.config), timeWindow: '1 minute' } } } : {}),
      handler: async (request, reply) => {
        // The portal's routes are the organisation's session's only, and its session reaches no other route.
        const auth = route.policy === 'stakeholder' ? await authenticatePortal(request) : await authenticate(request);
        const { principal } = auth;
        if (route.policy === 'stakeholder' && principal.kind !== 'stakeholder')
          throw new EmbargoError('unauthenticated', 'Sign in to the stakeholder portal first.');
        if (route.policy === 'signed-in' || route.policy === 'admin') {
          if (principal.kind !== 'person') throw new EmbargoError('unauthenticated', 'Sign in first.');
          if (route.policy === 'admin' && !mayDo(principal, 'admin.manage'))
            throw new EmbargoError('forbidden', deskRefusal('admin.manage'));
        }
        // CSRF: a cookie-authenticated unsafe request must carry the session's token (header or form field).
        if (auth.csrfToken && request.method !== 'GET' && request.method !== 'HEAD') {
          const sent = (request.headers['x-csrf-token'] as string | undefined) ?? (request.body as { _csrf?: string } | undefined)?._csrf;
          if (!sent || !safeEqual(sent, auth.csrfToken))
            throw new EmbargoError('forbidden', 'The CSRF token is missing or wrong; reload the page.');
        }
        for (const [name, shape] of params) {
          if (!shape.accepts((request.params as Record<string, string>)[name] ?? ''))
            throw new EmbargoError('not_found', 'No such page or resource.');
        }
        const ctx: Ctx = { app, principal, source: { ip: request.ip } };
        const result = await route.handler({
          ctx,
          request,
          reply,
          params: request.params as Record<string, string>,
          query: request.query as Record<string, unknown>,
          body: request.body ?? undefined,
        });
        if (reply.sent) return reply;
        reply.status(route.status ?? 200);
        return result;
      },
    });
  }

  server.get('/api/openapi.json', async () => openApiDocument(allRoutes(opts.extraRoutes)));
  server.get('/api/health', async () => ({ ok: true }));

  const setBrowserErrorPage = (page: BrowserErrorPage) => {
    browserPage = page;
  };
  for (const plugin of opts.plugins ?? []) await plugin(server, { app, authenticate, setBrowserErrorPage });
  return server;
}
