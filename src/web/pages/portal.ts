import { endPortalSession, redeemPortalLink, requestPortalLink } from '../../app/stakeholders/portal-auth.ts';
import { acknowledgeCase, askQuestion, portalCase, portalCases, type PortalCaseView } from '../../app/stakeholders/portal.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { PORTAL_COOKIE } from '../../http/routes/stakeholders.ts';
import { html, safeHref, type Html } from '../html.ts';
import { field, flashOf, hiddenCsrf, layout, notFoundPage, sendHtml, textarea, textBox, zoneOf, type FormProblem } from '../common.ts';
import { when } from '../format.ts';
import { doneAt, formPost } from '../form-action.ts';
import { portalSignInPage } from '../portal-sign-in.ts';
import { definePages, type PageInput } from '../route.ts';

// The stakeholder portal's pages: an organisation asks for a sign-in link at its alias, signs in by
// it (a button on the link's page: mail scanners fetch links, so only the POST uses it), lists the
// incidents released to its tier and reads one as its tier may see it — the briefing, what it was
// sent, its acknowledgement and its own thread with the security teams. Every page but the sign-in
// ones is under the 'stakeholder' policy: the portal cookie only, a person's session opens nothing.

const DONE: Record<string, string> = {
  'link-sent': 'If this alias belongs to a stakeholder organisation, a sign-in link is on its way to it, encrypted to its key.',
  'signed-out': 'You are signed out of the portal.',
  'signed-in': 'You are signed in to the portal.',
  acknowledged: 'Receipt acknowledged; the security team sees it.',
  asked: 'Your question is sent to the security team; their answer appears here and comes to your alias.',
};

const EMBARGO: Record<string, string> = {
  none: 'No embargo is agreed.',
  proposed: 'A timeline is being agreed.',
  active: 'An embargo is in force.',
  revise: 'An embargo is in force; a revision is being agreed.',
  exited: 'The embargo has ended.',
};

const FIX_STATE: Record<string, string> = {
  shared: 'The fix may be shared with your tier:',
  'not-ready': 'The fix is not ready yet; you are told when it is.',
  'export-controlled': 'The fix is under export control and is not shared outside the security teams.',
};

async function listPage({ ctx, viewer, reply, query }: PageInput) {
  const cases = await portalCases(ctx);
  return sendHtml(
    reply,
    200,
    layout({
      title: 'Incidents released to you',
      viewer,
      flash: flashOf(query, DONE),
      body: cases.length
        ? html`<table>
          <caption class="visually-hidden">Incidents released to your organisation, newest release first</caption>
          <thead><tr><th scope="col">Incident</th><th scope="col">Title</th><th scope="col">Your tier</th><th scope="col">Told</th><th scope="col">Acknowledged</th></tr></thead>
          <tbody>${cases.map(
            (c) => html`<tr>
            <td><a href="/portal/cases/${encodeURIComponent(c.ref)}">${c.ref}</a></td>
            <td>${c.title}</td>
            <td>${c.tier}</td>
            <td>${when(c.releasedAt, zoneOf(viewer))}</td>
            <td>${c.acknowledged ? 'yes' : html`<strong>not yet</strong>`}</td>
          </tr>`,
          )}</tbody></table>`
        : html`<p>No incident is released to your organisation now. You are told at your alias when one is.</p>`,
    }),
  );
}

function fixItem(i: PortalCaseView['briefing']['fix']['items'][number]): Html {
  const href = safeHref(i.text);
  return html`<li><span class="badge">${i.kind}</span> ${href ? html`<a href="${href}" rel="noreferrer noopener">${i.text}</a>` : i.text}${i.done ? ' (done)' : ''}</li>`;
}

async function casePage(input: PageInput, status: number, flash: string | null, failed: { body: string; problem: FormProblem } | null) {
  const { ctx, viewer, reply, params } = input;
  let c: PortalCaseView;
  try {
    c = await portalCase(ctx, params.ref!);
  } catch (e) {
    if (e instanceof EmbargoError && e.code === 'not_found') return notFoundPage(reply, viewer);
    throw e;
  }
  const b = c.briefing;
  const base = `/portal/cases/${encodeURIComponent(b.ref)}`;
  // The organisation's own zone, the one its mail gives these dates in.
  const tz = zoneOf(viewer);
  return sendHtml(
    reply,
    status,
    layout({
      title: `${b.ref}: ${b.title}`,
      viewer,
      flash,
      error: failed?.problem.message ?? null,
      body: html`<p class="muted">Released to your tier (${c.tier}) ${when(c.releasedAt, tz)}. Keep what you read here confidential until the public disclosure.</p>
      <section aria-labelledby="brief-h" class="card">
        <h2 id="brief-h">Briefing</h2>
        ${b.summary ? textBox(b.summary) : html`<p class="muted">No summary yet.</p>`}
        <h3>Timeline</h3>
        <p>${EMBARGO[b.embargo] ?? b.embargo}</p>
        ${b.timeline.length ? html`<ul class="timeline-ends">${b.timeline.map((t) => html`<li>${t.label} ${when(t.instant, tz)}</li>`)}</ul>` : ''}
        <h3>Fix</h3>
        <p>${FIX_STATE[b.fix.state] ?? b.fix.state}</p>
        ${b.fix.items.length ? html`<ul>${b.fix.items.map(fixItem)}</ul>` : ''}
      </section>
      <section aria-labelledby="ack-h" class="card">
        <h2 id="ack-h">Acknowledgement</h2>
        ${
          c.acknowledgedAt
            ? html`<p><strong>Acknowledged</strong> ${when(c.acknowledgedAt, tz)}.</p>`
            : html`<p>Let the security team know you received this.</p>
          <form method="post" action="${base}/acknowledge" class="inline">${hiddenCsrf(viewer)}<button type="submit">Acknowledge receipt</button></form>`
        }
      </section>
      <section aria-labelledby="sent-h" class="card">
        <h2 id="sent-h">What you were sent</h2>
        ${
          c.received.length
            ? c.received.map(
                (r) => html`<article class="message" aria-label="${r.what}">
            <header><strong>${r.what}</strong> · ${when(r.sentAt, tz)}</header>
            ${textBox(r.text)}</article>`,
              )
            : html`<p class="muted">Nothing yet.</p>`
        }
      </section>
      <section aria-labelledby="thread-h" class="card" id="questions">
        <h2 id="thread-h">Your questions to the security team</h2>
        <p class="muted">Only your organisation and the security teams see this thread.</p>
        ${
          c.thread.length
            ? c.thread.map(
                (
                  m,
                ) => html`<article class="message${m.fromTeam ? '' : ' kind-from_reporter'}" aria-label="${m.fromTeam ? 'From the security team' : 'From you'}">
            <header><strong>${m.fromTeam ? 'The security team' : 'You'}</strong> · ${when(m.at, tz)}</header>
            ${textBox(m.body)}</article>`,
              )
            : html`<p class="muted">No questions yet.</p>`
        }
        <form method="post" action="${base}/questions" class="stack" aria-label="Ask the security team">
          ${failed ? html`<p class="field-error" role="alert">${failed.problem.message}</p>` : ''}
          ${hiddenCsrf(viewer)}
          ${textarea({ name: 'body', label: 'Your question', required: true, rows: 4, value: failed?.body ?? '', error: failed?.problem.fields.body })}
          <p><button type="submit">Ask</button></p>
        </form>
      </section>`,
    }),
  );
}

const caseDone = (ref: string, code: string, hash = '') => doneAt(`/portal/cases/${encodeURIComponent(ref)}`, code, hash);

export const portalPages = definePages([
  {
    method: 'GET',
    url: '/portal',
    policy: 'stakeholder',
    signedOut: async ({ viewer, reply, query }) => portalSignInPage(reply, viewer, { status: 200, flash: flashOf(query, DONE) }),
    handler: listPage,
  },
  formPost({
    url: '/portal/sign-in',
    policy: 'public',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    labels: { alias: ['alias', 'The alias'] },
    notFound: 'form',
    run: ({ ctx, body }) => requestPortalLink(ctx, { alias: field(body, 'alias') }),
    done: () => doneAt('/portal', 'link-sent'),
    refused: ({ viewer, reply }, { values, problem }) =>
      portalSignInPage(reply, viewer, {
        status: problem.status,
        error: problem.message,
        alias: field(values, 'alias'),
        aliasError: problem.fields.alias,
      }),
  }),
  {
    // A page with a button only: a mail scanner fetching the link must not use it up.
    method: 'GET',
    url: '/portal/sign-in/:token',
    policy: 'public',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    handler: async ({ viewer, reply, params }) =>
      sendHtml(
        reply,
        200,
        layout({
          title: 'Sign in to the stakeholder portal',
          viewer,
          body: html`<p>This link signs your organisation in once, within minutes of being sent.</p>
          <form method="post" action="/portal/sign-in/${encodeURIComponent(params.token!)}" class="inline"><button type="submit">Sign in</button></form>`,
        }),
      ),
  },
  formPost({
    url: '/portal/sign-in/:token',
    policy: 'public',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    notFound: 'form',
    run: async ({ ctx, params, reply }) => {
      const s = await redeemPortalLink(ctx, params.token!);
      reply.setCookie(PORTAL_COOKIE, s.sessionToken, { path: '/', httpOnly: true, secure: true, sameSite: 'strict', expires: s.expiresAt });
    },
    done: () => doneAt('/portal', 'signed-in'),
    refused: ({ viewer, reply }, { problem }) =>
      portalSignInPage(reply, viewer, {
        status: problem.status,
        error: problem.status === 404 ? 'This sign-in link has been used or has expired. Ask for a new one below.' : problem.message,
      }),
  }),
  formPost({
    url: '/portal/sign-out',
    policy: 'stakeholder',
    run: async ({ app, request, reply }) => {
      const token = request.cookies[PORTAL_COOKIE];
      if (token) await endPortalSession(app, token);
      reply.clearCookie(PORTAL_COOKIE, { path: '/' });
    },
    done: () => doneAt('/portal', 'signed-out'),
    refused: (input, { problem }) => portalSignInPage(input.reply, input.viewer, { status: problem.status, error: problem.message }),
  }),
  {
    method: 'GET',
    url: '/portal/cases/:ref',
    policy: 'stakeholder',
    handler: (input) => casePage(input, 200, flashOf(input.query, DONE), null),
  },
  formPost({
    url: '/portal/cases/:ref/acknowledge',
    policy: 'stakeholder',
    run: ({ ctx, params }) => acknowledgeCase(ctx, params.ref!),
    done: (_r, { params }) => caseDone(params.ref!, 'acknowledged'),
    refused: (input, { problem }) => casePage(input, problem.status, null, { body: '', problem }),
  }),
  formPost({
    url: '/portal/cases/:ref/questions',
    policy: 'stakeholder',
    labels: { body: ['body', 'Your question'] },
    run: ({ ctx, params, body }) => askQuestion(ctx, params.ref!, { body: field(body, 'body') }),
    done: (_r, { params }) => caseDone(params.ref!, 'asked', '#questions'),
    refused: (input, { values, problem }) => casePage(input, problem.status, null, { body: field(values, 'body'), problem }),
  }),
]);
