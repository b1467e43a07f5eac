import { deskUrl } from '../config.ts';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { App, Ctx } from '../app/context.ts';
import { mayDo, type PersonPrincipal } from '../domain/access.ts';
import { EmbargoError, httpStatusOf } from '../domain/errors.ts';
import { issueInWords } from '../domain/validation-words.ts';
import type { AuthResult } from '../http/server.ts';
import { html, raw, type Html, type Interpolation } from './html.ts';
import { outboundMailStatus, type OutboundMailStatus } from '../app/delivery/outbound-status.ts';
import { outboundBanner } from './mail-status.ts';
import { zoneOr } from './format.ts';
import { viewerTimeZone } from './viewer-zone.ts';
import { PORTAL_COOKIE } from '../http/routes/stakeholders.ts';
import { principalFromPortalSession } from '../app/stakeholders/portal-auth.ts';

// Shared machinery of the web pages: layout, authentication guards, CSRF, form fields, and turning
// errors into sentences a person can act on.

export interface WebDeps {
  app: App;
  authenticate: (r: FastifyRequest) => Promise<AuthResult>;
}

/** Pages allow only this site's stylesheet: no scripts (a page with one of the desk's own names its CSP), no inline styles, forms post here only. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface Viewer {
  principal: PersonPrincipal | null;
  /** The CSRF token of the session: the person's, or on a portal page the organisation's. */
  csrfToken: string | null;
  /** On a portal page: the signed-in organisation (never together with a person). */
  portal?: { orgId: string; name: string } | null;
  /** For admins: whether outbound mail waits, and why (every page shows it until it goes out). */
  outboundMail?: OutboundMailStatus | null;
  /**
   * The one time zone the viewer's pages show dates in: the person's own (else the desk's default),
   * on a portal page the organisation's. Unset for a visitor with no session (see zoneOf).
   */
  timeZone?: string;
}

/** The time zone of the page's dates: the viewer's, UTC for a visitor the desk knows no zone of. */
export const zoneOf = (viewer: Viewer): string => viewer.timeZone ?? 'UTC';

export interface PageOptions {
  title: string;
  viewer: Viewer;
  body: Html;
  /** A confirmation after a successful action (POST-redirect-GET). */
  flash?: string | null;
  /** What went wrong, as a sentence. */
  error?: string | null;
  /** Pages whose heading is part of the body set this false. */
  heading?: boolean;
}

export function layout(o: PageOptions): Html {
  const p = o.viewer.principal;
  const org = o.viewer.portal;
  const nav = org
    ? html`<ul class="nav"><li><a href="/portal">Incidents</a></li></ul>
      <div class="who">
        <span>Signed in as <strong>${org.name}</strong></span>
        <form method="post" action="/portal/sign-out" class="inline">
          <input type="hidden" name="_csrf" value="${o.viewer.csrfToken ?? ''}">
          <button type="submit" class="link">Sign out</button>
        </form>
      </div>`
    : p
      ? html`<ul class="nav">
        <li><a href="/">Queue</a></li>
        <li><a href="/dashboard">Dashboard</a></li>
        <li><a href="/me">My calendar</a></li>
        ${mayDo(p, 'cve_pool.manage') ? html`<li><a href="/cve">CVE ids</a></li>` : ''}
        ${mayDo(p, 'stakeholders.manage') ? html`<li><a href="/admin/stakeholders">Stakeholders</a></li>` : ''}
        ${mayDo(p, 'admin.manage') ? html`<li><a href="/admin/people">Admin</a></li>` : ''}
      </ul>
      <div class="who">
        <span>Signed in as <strong>${p.name}</strong></span>
        <form method="post" action="/signout" class="inline">
          <input type="hidden" name="_csrf" value="${o.viewer.csrfToken ?? ''}">
          <button type="submit" class="link">Sign out</button>
        </form>
      </div>`
      : html`<ul class="nav"><li><a href="/report">Report a vulnerability</a></li><li><a href="/signin">Sign in</a></li></ul>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} · Embargo</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="site">
  <a class="brand" href="${startOf(o.viewer)}">Embargo</a>
  <details class="site-menu">
    <summary>Menu</summary>
    <nav aria-label="Main">${nav}</nav>
  </details>
</header>
<main id="main">
${outboundBanner(o.viewer.outboundMail, zoneOf(o.viewer))}
${o.flash ? html`<p class="flash" role="status">${o.flash}</p>` : ''}
${o.error ? html`<div class="error" role="alert"><p>${o.error}</p></div>` : ''}
${o.heading === false ? '' : html`<h1>${o.title}</h1>`}
${o.body}
</main>
<footer class="site"><p>Embargo — coordinated vulnerability disclosure desk</p></footer>
</body>
</html>
`;
}

/** A page, under the pages' CSP unless it names its own (a page with a script of the desk's: the queue). */
export function sendHtml(reply: FastifyReply, status: number, page: Html, csp = PAGE_CSP): FastifyReply {
  return reply.status(status).header('content-security-policy', csp).type('text/html; charset=utf-8').send(page.value);
}

/** One of the desk's own scripts under /static/: JavaScript that may load nothing itself. */
export function sendScript(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/javascript; charset=utf-8').header('content-security-policy', "default-src 'none'").send(body);
}

/** Where "back to the start" leads: the queue, the portal's list, or the report form. */
export const startOf = (viewer: Viewer): string => (viewer.portal ? '/portal' : viewer.principal ? '/' : '/report');

export function notFoundPage(reply: FastifyReply, viewer: Viewer): FastifyReply {
  return sendHtml(
    reply,
    404,
    layout({
      title: 'Not found',
      viewer,
      body: html`<p>There is no such page, or you may not see it.</p><p><a href="${startOf(viewer)}">Back to the start</a></p>`,
    }),
  );
}

/**
 * A table that may be wider than a phone's screen: it scrolls inside this region rather than widening
 * the page, and the region takes the keyboard focus so it can be scrolled without a mouse.
 */
export function scrollTable(label: string, table: Html): Html {
  return html`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

/**
 * Whether a text (a report, a message, a mail as sent) is long enough to be held to a box of its own
 * height, 40rem, that scrolls, so that one long message does not make the page endless. Only such a
 * box is held and it takes the keyboard's focus, so that it can be scrolled without a mouse; a shorter
 * text is shown whole. So no box scrolls that the keyboard cannot reach, however narrow the screen
 * (a guess of whether the text fits would be wrong on some screen).
 */
export function isLongText(text: string): boolean {
  return text.length > 1000 || text.split('\n').length > 20;
}

/** A text as it was written, its line breaks kept, in a box that scrolls when it is long (isLongText). */
export function textBox(text: string): Html {
  return isLongText(text) ? html`<pre class="body long" tabindex="0">${text}</pre>` : html`<pre class="body">${text}</pre>`;
}

/** A redirect after a form POST: 303 makes the browser follow with GET. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('location', location).send();
}

export async function viewerOf(deps: WebDeps, request: FastifyRequest): Promise<Viewer> {
  let auth: AuthResult;
  try {
    auth = await deps.authenticate(request);
  } catch {
    // A bad bearer token on a page request: treat as signed out.
    return { principal: null, csrfToken: null };
  }
  if (auth.principal.kind !== 'person') return { principal: null, csrfToken: null };
  const p = auth.principal;
  // Admins are the ones who can set up the relay and the team key: they are told on every page.
  const [outboundMail, timeZone] = await Promise.all([
    mayDo(p, 'mail.settings') ? outboundMailStatus({ app: deps.app, principal: p }) : null,
    viewerTimeZone(deps.app, p.personId),
  ]);
  return { principal: p, csrfToken: auth.csrfToken, outboundMail, timeZone };
}

/**
 * The organisation behind the portal cookie, as a viewer of the portal's pages: only that cookie
 * counts there (a person's session opens no portal page), and it opens nothing else.
 */
export async function portalSessionOf(app: App, request: FastifyRequest): Promise<PortalSession | null> {
  const token = request.cookies[PORTAL_COOKIE];
  return token ? principalFromPortalSession(app, token) : null;
}

export type PortalSession = NonNullable<Awaited<ReturnType<typeof principalFromPortalSession>>>;

export const portalViewerOf = (s: PortalSession | null): Viewer =>
  s
    ? {
        principal: null,
        csrfToken: s.csrfToken,
        portal: { orgId: s.principal.orgId, name: s.principal.name },
        timeZone: zoneOr(s.timeZone),
      }
    : { principal: null, csrfToken: null };

export const ctxOf = (app: App, viewer: Viewer, request?: FastifyRequest): Ctx => ({
  app,
  principal: viewer.principal ?? { kind: 'anonymous' },
  ...(request ? { source: { ip: request.ip } } : {}),
});
export const anonymousCtx = (app: App): Ctx => ({ app, principal: { kind: 'anonymous' } });

/** Only local paths are followed after sign-in, so the sign-in page cannot send anyone elsewhere. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && !next.startsWith('/signin') ? next : '/';
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The session's CSRF token must come back in the form field _csrf (or the x-csrf-token header). */
export function csrfOk(request: FastifyRequest, expected: string | null): boolean {
  if (!expected) return false;
  const header = request.headers['x-csrf-token'];
  const sent = typeof header === 'string' ? header : field(request.body, '_csrf');
  return sent !== '' && safeEqual(sent, expected);
}

// --- Form fields (application/x-www-form-urlencoded: a repeated name arrives as an array). ---

export type FormBody = Record<string, string | string[] | undefined>;

export function formOf(body: unknown): FormBody {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as FormBody) : {};
}

/** One text field; the last value if the name was repeated. */
export function field(body: unknown, name: string): string {
  const v = formOf(body)[name];
  if (Array.isArray(v)) return v.at(-1) ?? '';
  return typeof v === 'string' ? v : '';
}

/** A field left empty is "not given". */
export function optional(body: unknown, name: string): string | undefined {
  const v = field(body, name).trim();
  return v === '' ? undefined : v;
}

export function nullable(body: unknown, name: string): string | null {
  return optional(body, name) ?? null;
}

/** All values of a repeated field (checkboxes). */
export function fieldList(body: unknown, name: string): string[] {
  const v = formOf(body)[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** A comma- or newline-separated list field. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// --- Errors as sentences ---

export interface FormProblem {
  status: number;
  code: string;
  message: string;
  /** Per-field messages, by form field name. */
  fields: Record<string, string>;
}

/** A refusal a page decides itself (a form that expired, two passwords that differ), already in words. */
export class FormRefusal extends Error {
  readonly problem: FormProblem;
  constructor(problem: Omit<FormProblem, 'fields'> & { fields?: Record<string, string> }) {
    super(problem.message);
    this.problem = { fields: {}, ...problem };
  }
}

/**
 * Turns a use case's error into a sentence and per-field messages. `labels` maps an input path
 * ("reporter.email") to the form field name and its label ("email", "E-mail").
 */
export function problemOf(error: unknown, labels: Record<string, [field: string, label: string]> = {}): FormProblem {
  if (error instanceof FormRefusal) return error.problem;
  if (error instanceof ZodError) {
    const fields: Record<string, string> = {};
    const sentences: string[] = [];
    for (const issue of error.issues) {
      const path = issue.path.map(String).join('.');
      const key = labels[path] ?? labels[issue.path.map(String)[0] ?? ''] ?? [path || 'form', path || 'The form'];
      const text = issueInWords(issue);
      fields[key[0]] ??= text;
      sentences.push(`${key[1]} ${text}.`);
    }
    return { status: 400, code: 'validation_failed', message: `Please correct the form: ${[...new Set(sentences)].join(' ')}`, fields };
  }
  if (error instanceof EmbargoError) {
    const fields: Record<string, string> = {};
    for (const d of error.details) {
      if (!d.path) continue;
      const key = labels[d.path] ?? [d.path, d.path];
      fields[key[0]] ??= d.message;
    }
    return { status: httpStatusOf[error.code], code: error.code, message: error.message, fields };
  }
  const e = error as { statusCode?: number; code?: string };
  if (e.statusCode === 429)
    return { status: 429, code: 'rate_limited', message: 'Too many requests from your address; wait a minute and try again.', fields: {} };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, code: 'payload_too_large', message: 'What you sent is too large.', fields: {} };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return { status: 400, code: 'bad_request', message: 'The request was not understood; reload the page and try again.', fields: {} };
  return {
    status: 500,
    code: 'internal',
    message: 'Something went wrong on the server; it has been logged. Try again, or tell an admin.',
    fields: {},
  };
}

/** problemOf for a page that shows the refusal itself: a server fault is logged first, as the
 * message shown ("it has been logged") promises. */
export function pageProblem(
  request: FastifyRequest,
  error: unknown,
  labels: Record<string, [field: string, label: string]> = {},
): FormProblem {
  const p = problemOf(error, labels);
  if (p.status >= 500) request.log.error(error);
  return p;
}

/** The heading of an error page, by status: what happened, in a word or two. */
const ERROR_TITLES: Record<number, string> = {
  400: 'The request was not understood',
  401: 'Sign in first',
  403: 'Not allowed',
  409: 'Changed meanwhile',
  413: 'Too large',
  429: 'Slow down',
};

/** An error as a page in the desk's layout: the sentence to act on, and the way back. */
export function errorPage(reply: FastifyReply, viewer: Viewer, status: number, message: string): FastifyReply {
  if (status === 404) return notFoundPage(reply, viewer);
  return sendHtml(
    reply,
    status,
    layout({
      title: ERROR_TITLES[status] ?? 'Something went wrong',
      viewer,
      error: message,
      body: html`<p><a href="${startOf(viewer)}">Back to the start</a></p>`,
    }),
  );
}

/** The error handler of every web route: an HTML page instead of the API's JSON shape. */
export function htmlErrorHandler(deps: WebDeps, viewerFor: (request: FastifyRequest) => Promise<Viewer> = (r) => viewerOf(deps, r)) {
  return async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const p = problemOf(error);
    if (p.status >= 500) request.log.error(error);
    const viewer: Viewer = await viewerFor(request).catch(() => ({ principal: null, csrfToken: null }));
    return errorPage(reply, viewer, p.status, p.message);
  };
}

/**
 * The page a browser gets for a request no web route answered (no such page) or that failed before
 * reaching one: the desk's layout for whoever is signed in, never the API's JSON. The server's own
 * handlers have logged a fault already; a server fault shows the sentence, not the cause.
 */
export function browserErrorPage(deps: WebDeps) {
  return async (request: FastifyRequest, reply: FastifyReply, status: number, message: string): Promise<unknown> => {
    const path = request.url.split('?')[0]!;
    const viewer: Viewer = await (path === '/portal' || path.startsWith('/portal/')
      ? portalSessionOf(deps.app, request).then(portalViewerOf)
      : viewerOf(deps, request)
    ).catch(() => ({ principal: null, csrfToken: null }));
    const shown = status >= 500 ? problemOf(new Error('server fault')).message : message;
    return errorPage(reply, viewer, status, shown);
  };
}

/** The confirmation named by ?done= after a redirect: the query string never carries text to show. */
export function flashOf(query: unknown, done: Record<string, string>): string | null {
  const code = field(query, 'done');
  return Object.hasOwn(done, code) ? done[code]! : null;
}

// --- Form widgets ---

export function hiddenCsrf(viewer: Viewer): Html {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrfToken ?? ''}">`;
}

let idCounter = 0;
/** A unique id for label/input pairs within one rendering. */
export function uid(prefix: string): string {
  idCounter = (idCounter + 1) % 1_000_000;
  return `${prefix}-${idCounter}`;
}

export interface InputOptions {
  name: string;
  label: string;
  value?: string | null;
  type?: string;
  required?: boolean;
  hint?: Interpolation;
  error?: string | null | undefined;
  autocomplete?: string;
  attrs?: Html;
}

/** A labelled form field with its hint and error, around the control that `control` builds. */
function labelledField(o: InputOptions, control: (id: string, aria: Html) => Html): Html {
  const id = uid(o.name);
  const hintId = o.hint ? `${id}-hint` : null;
  const errId = o.error ? `${id}-err` : null;
  const described = [hintId, errId].filter(Boolean).join(' ');
  const aria = html`${described ? html` aria-describedby="${described}"` : ''}${o.error ? raw(' aria-invalid="true"') : ''}`;
  return html`<div class="field${o.error ? ' has-error' : ''}">
  <label for="${id}">${o.label}${o.required ? html` <span class="req">(required)</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="field-error" id="${errId}">${o.error}</p>` : ''}
  ${control(id, aria)}
</div>`;
}

export function input(o: InputOptions): Html {
  return labelledField(
    o,
    (id, aria) =>
      html`<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? raw(' required') : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${aria}${o.attrs ? html` ${o.attrs}` : ''}>`,
  );
}

export function textarea(o: InputOptions & { rows?: number }): Html {
  return labelledField(
    o,
    (id, aria) =>
      html`<textarea id="${id}" name="${o.name}" rows="${o.rows ?? 5}"${o.required ? raw(' required') : ''}${aria}>${o.value ?? ''}</textarea>`,
  );
}

export function select(o: InputOptions & { options: readonly { value: string; label: string }[]; blank?: string }): Html {
  const id = uid(o.name);
  const errId = o.error ? `${id}-err` : null;
  return html`<div class="field${o.error ? ' has-error' : ''}">
  <label for="${id}">${o.label}${o.required ? html` <span class="req">(required)</span>` : ''}</label>
  ${o.hint ? html`<p class="hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="field-error" id="${errId}">${o.error}</p>` : ''}
  <select id="${id}" name="${o.name}"${o.required ? raw(' required') : ''}${errId ? html` aria-describedby="${errId}" aria-invalid="true"` : ''}>
    ${o.blank !== undefined ? html`<option value="">${o.blank}</option>` : ''}
    ${o.options.map((x) => html`<option value="${x.value}"${x.value === o.value ? raw(' selected') : ''}>${x.label}</option>`)}
  </select>
</div>`;
}

/** The site's own address for links shown to people: the configured public URL, else this request's. */
export function baseUrl(app: App, request: FastifyRequest): string {
  if (app.config.publicUrl) return deskUrl(app.config);
  return `${request.protocol}://${request.host}`;
}
