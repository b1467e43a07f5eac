import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App, Ctx } from '../app/context.ts';
import { DESK_ACTIONS, mayDo, type DeskAction } from '../domain/access.ts';
import {
  anonymousCtx,
  csrfOk,
  ctxOf,
  htmlErrorHandler,
  notFoundPage,
  portalSessionOf,
  portalViewerOf,
  seeOther,
  viewerOf,
  type Viewer,
  type WebDeps,
} from './common.ts';
import { portalSignInPage } from './portal-sign-in.ts';
import { csrfRefused } from './refusals.ts';
import { formAction, type FormActionDef } from './form-action.ts';
import { stepUpFromForm } from './step-up.ts';

// Every page route is declared as data, like the API's: method, path, access policy and handler.
// registerPages applies the policy before the handler runs, so a page without a policy cannot
// exist, and the page × role matrix test walks the same list.

/**
 * Who a page is for, in the API's words and the permission vocabulary's:
 * - public: anyone, no session (the report form, sign-in, first-run setup, enrollment by its link)
 * - reporter-link: anyone holding the report's secret link
 * - signed-in: a person with a session; the use case applies need-to-know per case
 * - a desk-wide action ('admin.manage', 'mail.settings', ...): a signed-in person the vocabulary
 *   allows it (mayDo), the same question the page's use cases ask
 * - stakeholder: an organisation signed in to the portal, by the portal's cookie only (as the API's
 *   'stakeholder' routes); a person's session counts for nothing there
 *
 * Someone not signed in is sent to sign in (and back); a signed-in person the page is not for sees
 * "not found", so its existence tells them nothing; a form post on a session must carry its CSRF token.
 * A portal page without the organisation's session shows the portal's sign-in page instead.
 */
export type PagePolicy = 'public' | 'reporter-link' | 'signed-in' | 'stakeholder' | DeskAction;

const isDeskAction = (policy: PagePolicy): policy is DeskAction => (DESK_ACTIONS as readonly string[]).includes(policy);

/** Whether the policy needs a session at all. */
export const needsSession = (policy: PagePolicy): boolean => policy !== 'public' && policy !== 'reporter-link';

export interface PageInput {
  app: App;
  /** The signed-in person (always set under a person's session policy), the organisation on a portal page, or nobody. */
  viewer: Viewer;
  ctx: Ctx;
  params: Record<string, string>;
  query: unknown;
  body: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
}

interface RouteBase {
  url: string;
  policy: PagePolicy;
  /** For unauthenticated writes and secret links: requests per minute per address. */
  rateLimitPerMinute?: (config: App['config']) => number;
  /** Where sign-in sends the person back to; by default the page itself (a form post: its path). */
  signInNext?: (params: Record<string, string>) => string;
  /** What a visitor without a session gets instead of the sign-in redirect (the start page). */
  signedOut?: (input: PageInput) => Promise<unknown>;
}

/** A page: it reads and renders, and changes nothing. */
export interface PageGet extends RouteBase {
  method: 'GET';
  handler(input: PageInput): Promise<unknown>;
}

/** A form post: always through the one form-action helper (see formPost), never a handler of its own. */
export interface PageForm extends RouteBase {
  method: 'POST';
  action: FormActionDef<unknown>;
}

export type PageRoute = PageGet | PageForm;

export const definePages = (routes: PageRoute[]) => routes;

function signInTarget(route: PageRoute, request: FastifyRequest): string {
  const params = request.params as Record<string, string>;
  if (route.signInNext) return route.signInNext(params);
  return route.method === 'GET' ? request.url : request.url.split('?')[0]!;
}

/** Registers every page with its policy guard and the HTML error handler. */
export function registerPages(fastify: FastifyInstance, deps: WebDeps, routes: readonly PageRoute[]): void {
  const errorHandler = htmlErrorHandler(deps);
  const portalErrorHandler = htmlErrorHandler(deps, async (r) => portalViewerOf(await portalSessionOf(deps.app, r)));
  for (const route of routes) {
    const limit = route.rateLimitPerMinute?.(deps.app.config);
    if (route.policy === 'stakeholder') {
      fastify.route({
        method: route.method,
        url: route.url,
        errorHandler: portalErrorHandler,
        ...(limit ? { config: { rateLimit: { max: limit, timeWindow: '1 minute' } } } : {}),
        handler: (request, reply) => portalPage(deps, route, request, reply),
      });
      continue;
    }
    fastify.route({
      method: route.method,
      url: route.url,
      errorHandler,
      ...(limit ? { config: { rateLimit: { max: limit, timeWindow: '1 minute' } } } : {}),
      handler: async (request, reply) => {
        const viewer = await viewerOf(deps, request);
        const input: PageInput = {
          app: deps.app,
          viewer,
          // Public pages act anonymously even for a signed-in visitor: they are the public door.
          ctx: needsSession(route.policy) ? ctxOf(deps.app, viewer, request) : anonymousCtx(deps.app),
          params: request.params as Record<string, string>,
          query: request.query,
          body: request.body,
          request,
          reply,
        };
        if (needsSession(route.policy)) {
          if (!viewer.principal) {
            if (route.signedOut) return route.signedOut(input);
            return seeOther(reply, `/signin?next=${encodeURIComponent(signInTarget(route, request))}`);
          }
          if (isDeskAction(route.policy) && !mayDo(viewer.principal, route.policy)) return notFoundPage(reply, viewer);
          if (route.method === 'POST' && !csrfOk(request, viewer.csrfToken)) return csrfRefused(reply, viewer);
        }
        if (route.method === 'GET') return route.handler(input);
        const stepped = needsSession(route.policy) ? await stepUpFromForm(deps, input) : { input };
        return 'input' in stepped ? formAction(route.action)(stepped.input) : stepped.reply;
      },
    });
  }
}

/** A portal page: the organisation's session by the portal cookie, else the portal's sign-in page. */
async function portalPage(deps: WebDeps, route: PageRoute, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const session = await portalSessionOf(deps.app, request);
  const viewer = portalViewerOf(session);
  const input: PageInput = {
    app: deps.app,
    viewer,
    ctx: session ? { app: deps.app, principal: session.principal } : anonymousCtx(deps.app),
    params: request.params as Record<string, string>,
    query: request.query,
    body: request.body,
    request,
    reply,
  };
  if (!session) {
    if (route.signedOut) return route.signedOut(input);
    return portalSignInPage(reply, viewer, {
      status: 401,
      error: 'Sign in to the stakeholder portal first: ask for a link at your alias (a session lasts hours, not days).',
    });
  }
  if (route.method === 'POST' && !csrfOk(request, viewer.csrfToken)) return csrfRefused(reply, viewer);
  return route.method === 'POST' ? formAction(route.action)(input) : route.handler(input);
}
