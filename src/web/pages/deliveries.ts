import { html, type Html } from '../html.ts';
import { field, hiddenCsrf, input, layout, scrollTable, sendHtml, zoneOf, type Viewer } from '../common.ts';
import { when } from '../format.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { listFailedDeliveries, resendDelivery } from '../../app/delivery/deliveries.ts';
import {
  listQueuedDeliveries,
  outboundMailStatus,
  recentTestMails,
  sendTestMail,
  type OutboundMailStatus,
  type QueuedDelivery,
  type TestMailRecord,
} from '../../app/delivery/outbound-status.ts';
import { mayDo } from '../../domain/access.ts';
import type { FailedDelivery } from '../../app/delivery/deliveries.ts';

// /admin/deliveries: what outbound mail is doing. Whether it can go out at all (and why not), the
// deliveries that wait (queued, or being retried, with the last error), the ones that failed (refused
// by a server, bounced, held because the recipient has no key and the profile refuses mail in clear,
// given up after retries) with the reason and a resend button, and for admins a test mail through
// the relay. Admins and the central team; the address of an outside recipient only for the latter.

const caseCell = (d: { reportId: string | null; caseLabel: string | null }) =>
  d.reportId ? html`<a href="/cases/${d.reportId}">${d.caseLabel ?? 'case'}</a>` : html`<span class="muted">none</span>`;

function statusSection(s: OutboundMailStatus): Html {
  return s.problems.length === 0
    ? html`<p>Outbound mail goes out: a relay and a team key are set up${s.queued ? html`, and ${s.queued} waiting ${s.queued === 1 ? 'delivery is' : 'deliveries are'} being sent` : ''}.</p>`
    : html`<p><strong>${s.canSend ? 'Outbound mail is held:' : 'Outbound mail is off:'}</strong></p><ul>${s.problems.map((p) => html`<li>${p}</li>`)}</ul>`;
}

function queuedSection(rows: QueuedDelivery[], tz: string): Html {
  return html`<section aria-labelledby="queued-h" id="queued"><h2 id="queued-h">Queued (${rows.length})</h2>
    ${
      rows.length === 0
        ? html`<p>Nothing waits.</p>`
        : scrollTable(
            'Deliveries not sent yet',
            html`<table>
      <caption class="visually-hidden">Deliveries not sent yet, oldest first</caption>
      <thead><tr><th scope="col">Queued</th><th scope="col">Case</th><th scope="col">Recipient</th><th scope="col">Next attempt</th><th scope="col">Why it waits</th></tr></thead>
      <tbody>${rows.map(
        (d) => html`<tr>
        <td>${when(d.queuedAt, tz)}</td>
        <td>${caseCell(d)}</td>
        <td>${d.recipient}</td>
        <td>${d.status === 'sending' ? 'being sent now' : when(d.nextAttemptAt, tz)}</td>
        <td>${d.lastError ?? html`<span class="muted">not tried yet</span>`} <span class="muted">(${d.attempts} attempt${d.attempts === 1 ? '' : 's'})</span></td>
      </tr>`,
      )}</tbody></table>`,
          )
    }</section>`;
}

function failedSection(rows: FailedDelivery[], viewer: Viewer, tz: string): Html {
  return html`<section aria-labelledby="failed-h" id="failed"><h2 id="failed-h">Failed (${rows.length})</h2>
    <p class="muted">A resent delivery keeps its Message-ID and is built again with the keys on file now.</p>
    ${
      rows.length === 0
        ? html`<p>No failed deliveries.</p>`
        : html`<table>
      <caption class="visually-hidden">Failed deliveries, newest first</caption>
      <thead><tr><th scope="col">When</th><th scope="col">Case</th><th scope="col">Recipient</th><th scope="col">Why</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${rows.map(
        (d) => html`<tr>
        <td>${when(d.failedAt, tz)}</td>
        <td>${caseCell(d)}</td>
        <td>${d.recipient}</td>
        <td>${d.failure} <span class="muted">(${d.attempts} attempt${d.attempts === 1 ? '' : 's'})</span></td>
        <td><form method="post" action="/admin/deliveries/${d.id}/resend" class="inline">${hiddenCsrf(viewer)}<button type="submit">Resend</button></form></td>
      </tr>`,
      )}</tbody></table>`
    }</section>`;
}

function testMailSection(viewer: Viewer, recent: TestMailRecord[], typed: string, error: string | undefined, tz: string): Html {
  return html`<section aria-labelledby="test-h" id="test-mail" class="card"><h2 id="test-h">Send a test mail</h2>
    <p>It goes the way every mail goes: queued, built (encrypted to the recipient's key if one is on file, signed with the team key), sent
      over the relay. It says nothing about any case, so without a key on file it goes in clear.</p>
    <form method="post" action="/admin/deliveries/test" class="stack">${hiddenCsrf(viewer)}
      ${input({ name: 'to', label: 'To', type: 'email', hint: 'Leave empty for your own address.', value: typed, error, autocomplete: 'email' })}
      <p><button type="submit">Send a test mail</button></p>
    </form>
    ${
      recent.length
        ? scrollTable(
            'Latest test mails',
            html`<table id="test-mails"><caption>Latest test mails</caption>
      <thead><tr><th scope="col">Queued</th><th scope="col">To</th><th scope="col">Status</th></tr></thead>
      <tbody>${recent.map((t) => html`<tr><td>${when(t.queuedAt, tz)}</td><td>${t.recipient}</td><td>${t.status}${t.detail ? html` <span class="muted">${t.detail}</span>` : ''}</td></tr>`)}</tbody></table>`,
          )
        : ''
    }</section>`;
}

interface Shown {
  flash?: string | null;
  error?: string | null;
  testTo?: string;
  testError?: string | undefined;
}

const page = async ({ ctx, viewer, reply }: PageInput, status: number, shown: Shown) => {
  const [mail, queued, failed] = await Promise.all([outboundMailStatus(ctx), listQueuedDeliveries(ctx), listFailedDeliveries(ctx)]);
  const admin = viewer.principal !== null && mayDo(viewer.principal, 'mail.settings');
  const recent = admin ? await recentTestMails(ctx) : [];
  const tz = zoneOf(viewer);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Deliveries',
      viewer,
      flash: shown.flash ?? null,
      error: shown.error ?? null,
      body: html`${statusSection(mail)}
      ${queuedSection(queued, tz)}
      ${failedSection(failed, viewer, tz)}
      ${admin ? testMailSection(viewer, recent, shown.testTo ?? '', shown.testError, tz) : ''}`,
    }),
  );
};

const FLASH: Record<string, string> = {
  resent: 'The delivery is queued again.',
  tested: 'The test mail is queued; it shows under Queued until the delivery job sends it, and below with what became of it.',
};

export const deliveriesPages = definePages([
  {
    method: 'GET',
    url: '/admin/deliveries',
    policy: 'mail.deliveries',
    handler: async (input) => {
      const done = field(input.query, 'done');
      return page(input, 200, { flash: Object.hasOwn(FLASH, done) ? FLASH[done]! : null });
    },
  },
  formPost({
    url: '/admin/deliveries/:id/resend',
    policy: 'mail.deliveries',
    signInNext: () => '/admin/deliveries',
    run: ({ ctx, params }) => resendDelivery(ctx, params.id!),
    done: () => '/admin/deliveries?done=resent',
    refused: (input, { problem }) => page(input, problem.status, { error: problem.message }),
  }),
  formPost({
    url: '/admin/deliveries/test',
    policy: 'mail.settings',
    signInNext: () => '/admin/deliveries',
    run: ({ ctx, body }) => {
      const to = field(body, 'to').trim();
      return sendTestMail(ctx, to ? { to } : {});
    },
    done: () => '/admin/deliveries?done=tested#test-mail',
    refused: (input, { values, problem }) =>
      page(input, problem.status, { error: problem.message, testTo: field(values, 'to'), testError: problem.fields?.to }),
  }),
]);
