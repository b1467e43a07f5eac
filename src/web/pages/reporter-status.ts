import { replyAsReporter, reporterView } from '../../app/intake/intake.ts';
import { setCreditPreference } from '../../app/advisories/credit.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { html, type Html } from '../html.ts';
import { field, isLongText, layout, notFoundPage, sendHtml, textarea } from '../common.ts';
import { when } from '../format.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { creditPreferenceSection } from './advisory-credit.ts';
import { reporterMarksSection } from './reporter-marks.ts';
import { reporterEmbargoSection } from './reporter-embargo.ts';
import { answerEmbargoAsReporter } from '../../app/disclosure/negotiation.ts';
import { timelineFromForm } from '../timeline-form.ts';
import type { FormBody } from '../common.ts';
import { markSensitiveAsReporter, unmarkSensitiveAsReporter } from '../../app/cases/marks.ts';

// The reporter's status page behind the secret link: the report's state, the messages, how to
// credit them, and a form to write to the team. No session is involved; the link is the key, and
// the routes are rate-limited per address. An unknown link is "not found".

async function statusPage(
  { ctx, viewer, reply }: PageInput,
  token: string,
  status: number,
  o: { flash?: string | null; error?: string | null; draft?: string; mark?: { value: string; name: string }; timeline?: FormBody },
) {
  let r: Awaited<ReturnType<typeof reporterView>>;
  try {
    r = await reporterView(ctx, token);
  } catch (e) {
    if (e instanceof EmbargoError && e.code === 'not_found') return notFoundPage(reply, viewer);
    throw e;
  }
  // The link carries no account, so no zone of the reader's own: UTC, said with every date.
  const tz = 'UTC';
  return sendHtml(
    reply,
    status,
    layout({
      title: `Your report ${r.reference}`,
      viewer,
      flash: o.flash ?? null,
      error: o.error ?? null,
      body: html`<dl class="facts reporter-facts">
          <div><dt>Your reference</dt><dd><strong id="report-reference">${r.reference}</strong></dd></div>
          <div><dt>Title</dt><dd>${r.title}</dd></div>
          <div><dt>Received</dt><dd>${when(r.receivedAt, tz)}</dd></div>
          <div><dt>Status</dt><dd><strong id="report-status">${r.status}</strong></dd></div>
          ${r.incidentRef ? html`<div><dt>The team's incident</dt><dd>${r.incidentRef}</dd></div>` : ''}
        </dl>
        <p class="muted">Times are shown in UTC.</p>
        ${
          r.advisories.length
            ? html`<section aria-labelledby="adv-h" class="card" id="advisory"><h2 id="adv-h">Published advisory</h2>
              <ul>${r.advisories.map((a) => html`<li><a href="${a.url}">${a.id}: ${a.title}</a>, public since ${when(a.publishedAt, tz)}</li>`)}</ul></section>`
            : ''
        }
        <section aria-labelledby="timeline-h" class="card" id="progress">
          <h2 id="timeline-h">What has happened</h2>
          <ol class="reporter-timeline">${r.timeline.map((t) => html`<li>${when(t.at, tz)}: ${t.text}</li>`)}</ol>
          ${
            r.nextExpected
              ? r.nextExpected.waitingForYou
                ? html`<p id="next-expected" class="next-expected">The team is waiting for your answer; its clock runs again when you write.</p>`
                : html`<p id="next-expected" class="next-expected">We aim to answer by ${when(r.nextExpected.at, tz)}.</p>`
              : ''
          }
        </section>
        <section aria-labelledby="msgs-h" class="card">
          <h2 id="msgs-h">Messages</h2>
          ${
            r.messages.length
              ? r.messages.map(
                  (
                    m,
                  ) => html`<article class="message kind-${m.kind}" aria-label="${m.subject ?? (m.kind === 'from_reporter' ? 'Your message' : 'A message from the team')}">
                <header><p class="message-from"><strong>${m.kind === 'from_reporter' ? 'You' : 'The security team'}</strong> · ${when(m.at, tz)}</p>
                  ${m.subject ? html`<h3 class="message-subject">${m.subject}</h3>` : ''}</header>
                <div class="message-text${isLongText(m.text) ? ' long' : ''}"${isLongText(m.text) ? html` tabindex="0"` : ''}>${paragraphs(m.text)}</div>
              </article>`,
                )
              : html`<p class="muted">No messages yet.</p>`
          }
        </section>
        ${creditPreferenceSection(token, r.credit)}
        ${reporterEmbargoSection(token, r.disclosure, o.timeline ?? null)}
        ${reporterMarksSection(token, r.marks, o.mark ?? { value: '', name: '' })}
        <section aria-labelledby="add-h" class="card">
          <h2 id="add-h">Write to the team</h2>
          <form method="post" action="/status/${token}" class="stack">
            ${textarea({ name: 'body', label: 'Your message', required: true, value: o.draft ?? '', rows: 6 })}
            <p><button type="submit">Send message</button></p>
          </form>
        </section>`,
    }),
  );
}

/** A message's text as paragraphs (blank lines apart), its line breaks kept: mail text, not a dump. */
function paragraphs(text: string): Html {
  const parts = text
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.replace(/^\n+|\s+$/g, ''))
    .filter((p) => p !== '');
  return html`${parts.map((p) => html`<p>${p}</p>`)}`;
}

const enc = encodeURIComponent;

export const reporterStatusPages = definePages([
  {
    method: 'GET',
    url: '/status/:token',
    policy: 'reporter-link',
    rateLimitPerMinute: (config) => Math.max(config.publicFormRatePerMinute * 6, 60),
    handler: async (input) => {
      const flash = field(input.query, 'sent')
        ? 'Your message is sent to the team.'
        : field(input.query, 'credit')
          ? 'Your credit preference is saved; the team sees it.'
          : field(input.query, 'marked')
            ? 'Kept out: everyone outside the security team reads its label instead.'
            : field(input.query, 'embargo')
              ? 'Your answer is sent to the team.'
              : null;
      return statusPage(input, input.params.token!, 200, { flash });
    },
  },
  formPost({
    url: '/status/:token',
    policy: 'reporter-link',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    labels: { body: ['body', 'Your message'] },
    run: ({ ctx, params, body }) => replyAsReporter(ctx, params.token!, { body: field(body, 'body') }),
    done: (_r, { params }) => `/status/${enc(params.token!)}?sent=1`,
    refused: (input, { problem }) =>
      statusPage(input, input.params.token!, problem.status, { error: problem.message, draft: field(input.body, 'body') }),
  }),
  formPost({
    url: '/status/:token/credit',
    policy: 'reporter-link',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    labels: { preference: ['preference', 'The choice'], alias: ['alias', 'The other name or handle'] },
    run: ({ ctx, params, body }) => {
      const preference = field(body, 'preference');
      const alias = field(body, 'alias').trim();
      return setCreditPreference(ctx, params.token!, { preference, ...(alias && preference === 'handle' ? { alias } : {}) });
    },
    done: (_r, { params }) => `/status/${enc(params.token!)}?credit=1`,
    refused: (input, { problem }) => statusPage(input, input.params.token!, problem.status, { error: problem.message }),
  }),
  formPost({
    url: '/status/:token/marks',
    policy: 'reporter-link',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    labels: { value: ['value', 'What to keep out'], name: ['name', 'What it is'] },
    run: ({ ctx, params, body }) =>
      markSensitiveAsReporter(ctx, params.token!, {
        value: field(body, 'value'),
        ...(field(body, 'name').trim() ? { name: field(body, 'name') } : {}),
      }),
    done: (_r, { params }) => `/status/${enc(params.token!)}?marked=1#marks`,
    refused: (input, { problem }) =>
      statusPage(input, input.params.token!, problem.status, {
        error: problem.message,
        mark: { value: field(input.body, 'value'), name: field(input.body, 'name') },
      }),
  }),
  formPost({
    url: '/status/:token/marks/:markId/remove',
    policy: 'reporter-link',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    run: ({ ctx, params }) => unmarkSensitiveAsReporter(ctx, params.token!, params.markId!),
    done: (_r, { params }) => `/status/${enc(params.token!)}#marks`,
    refused: (input, { problem }) => statusPage(input, input.params.token!, problem.status, { error: problem.message }),
  }),
  formPost({
    url: '/status/:token/embargo',
    policy: 'reporter-link',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    labels: { publicAt: ['publicAt', 'Public disclosure'], timeZone: ['timeZone', 'In the time zone'] },
    run: ({ ctx, params, body }) => {
      const answer = field(body, 'answer');
      return answerEmbargoAsReporter(ctx, params.token!, answer === 'counter' ? { answer, timeline: timelineFromForm(body) } : { answer });
    },
    done: (_r, { params }) => `/status/${enc(params.token!)}?embargo=1#embargo`,
    refused: (input, { problem, values }) =>
      statusPage(input, input.params.token!, problem.status, { error: problem.message, timeline: values }),
  }),
]);
