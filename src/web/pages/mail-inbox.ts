import { inboxAttention, retryInbox, type InboxAttention } from '../../app/inbound/inbox.ts';
import { html, type Html } from '../html.ts';
import { when } from '../format.ts';
import { field, hiddenCsrf, layout, scrollTable, sendHtml, zoneOf, type Viewer } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { adminNav } from '../admin-nav.ts';

// /admin/inbox: inbound mail that needs an admin — failed (processing threw; kept and retryable),
// rejected (not an e-mail message, a member's mail without a valid signature, ...) and stuck (no
// intake job finished it in time). Metadata, envelope sender and the reason only: admins do not see
// cases, so never a subject, a body or the case a message landed on. The same use cases as
// `embargo mail inbox` and `embargo mail retry`.

const STATUS_WORDS: Record<string, string> = {
  failed: 'Failed',
  rejected: 'Rejected',
  received: 'Waiting',
  processing: 'Being processed',
};

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function row(m: InboxAttention, viewer: Viewer, tz: string): Html {
  return html`<tr id="mail-${m.id}">
    <td>${when(m.receivedAt, tz)}</td>
    <td>${m.via}</td>
    <td>${m.envelopeFrom === '' ? html`<span class="muted">&lt;&gt; (null sender: a bounce or auto-reply)</span>` : m.envelopeFrom}</td>
    <td>${size(m.size)}</td>
    <td>${m.stuck ? html`<strong class="badge overdue">Stuck</strong> ` : ''}${STATUS_WORDS[m.status] ?? m.status}${m.outcome ? html` <span class="muted">(${m.outcome})</span>` : ''}
      <span class="muted">${m.attempts} attempt${m.attempts === 1 ? '' : 's'}</span></td>
    <td>${m.reason ?? html`<span class="muted">no reason recorded</span>`}</td>
    <td>${
      m.retryable
        ? html`<form method="post" action="/admin/inbox/${m.id}/retry" class="inline">${hiddenCsrf(viewer)}<button type="submit">Retry</button></form>`
        : html`<span class="muted">${m.status === 'rejected' ? 'final' : '—'}</span>`
    }</td>
  </tr>`;
}

const page = async ({ ctx, viewer, reply }: PageInput, status: number, flash: string | null, error: string | null) => {
  const rows = await inboxAttention(ctx);
  const tz = zoneOf(viewer);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Inbound mail',
      viewer,
      flash,
      error,
      body: html`${adminNav('/admin/inbox')}
      <p class="muted">Every message the desk accepted is kept. Listed here: messages whose processing failed (retry puts them back in the queue),
        messages that were rejected (final; the reason says why) and messages no intake job finished in time. Only what the envelope says is shown, never the content.</p>
      ${
        rows.length === 0
          ? html`<p>No failed, rejected or stuck mail.</p>`
          : scrollTable(
              'Inbound mail that needs attention',
              html`<table>
        <caption class="visually-hidden">Inbound mail that needs attention, newest first</caption>
        <thead><tr><th scope="col">Received</th><th scope="col">Via</th><th scope="col">Envelope sender</th><th scope="col">Size</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${rows.map((m) => row(m, viewer, tz))}</tbody></table>`,
            )
      }`,
    }),
  );
};

export const mailInboxPages = definePages([
  {
    method: 'GET',
    url: '/admin/inbox',
    policy: 'mail.inbox',
    handler: async (input) =>
      page(
        input,
        200,
        field(input.query, 'done') === 'retried' ? 'The message is queued again; the intake job processes it shortly.' : null,
        null,
      ),
  },
  formPost({
    url: '/admin/inbox/:id/retry',
    policy: 'mail.inbox',
    signInNext: () => '/admin/inbox',
    run: ({ ctx, params }) => retryInbox(ctx, params.id!),
    done: () => '/admin/inbox?done=retried',
    refused: (input, { problem }) => page(input, problem.status, null, problem.message),
  }),
]);
