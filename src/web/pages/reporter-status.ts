import { replyAsReporter, reporterView } from '../../app/intake/intake.ts';
import { setCreditPreference } from '../../app/advisories/credit.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { html } from '../html.ts';
import { field, layout, notFoundPage, sendHtml, textarea } from '../common.ts';
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
  const tz = 'UTC';
  return sendHtml(
    reply,
    status,
    layout({
      title: `Your report #${r.number}`,
      viewer,
      flash: o.flash ?? null,
      error: o.error ?? null,
      body: html`<dl class="facts">
          <div><dt>Title</dt><dd>${r.title}</dd></div>
          <div><dt>Received</dt><dd>${when(r.receivedAt, tz)}</dd></div>
          <div><dt>Status</dt><dd><strong id="report-status">${r.status}</strong></dd></div>
          ${r.incidentRef ? html`<div><dt>Reference</dt><dd>${r.incidentRef}</dd></div>` : ''}
        </dl>
        <section aria-labelledby="msgs-h" class="card">
          <h2 id="msgs-h">Messages</h2>
          ${
            r.messages.length
              ? r.messages.map(
                  (m) => html`<article class="message kind-${m.kind}">
                <header><strong>${m.kind === 'from_reporter' ? 'You' : 'The security team'}</strong> · ${when(m.at, tz)}</header>
                <pre class="body">${m.body}</pre>
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
