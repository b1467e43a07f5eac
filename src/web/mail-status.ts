import type { MailState } from '../app/cases/queries.ts';
import type { OutboundMailStatus } from '../app/delivery/outbound-status.ts';
import { html, type Html } from './html.ts';
import { when } from './format.ts';

// Outbound mail as people see it: what became of a thread message's mail, and the admins' banner
// when mail cannot go out.

const of = (n: number, total: number) => (total === 1 ? '' : ` (${n} of ${total})`);

/** The thread's label for a message's mail, as its deliveries stand now. */
export function mailLabel(mail: MailState): Html {
  const total = mail.sent + mail.queued + mail.failed;
  switch (mail.state) {
    case 'sent':
      return html`<span class="muted mail-sent">sent by mail</span>`;
    case 'partly-sent':
      return html`<span class="mail-queued">mail sent to ${mail.sent} of ${total}, ${mail.queued} waiting</span>`;
    case 'queued':
      return html`<span class="mail-queued">mail queued, not sent yet</span>`;
    case 'failed':
      return html`<span class="mail-failed">mail failed${of(mail.failed, total)}</span>`;
    default:
      return html`<span class="muted">no one to mail</span>`;
  }
}

/** The banner on every page an admin sees while outbound mail waits, with why and where to fix it. */
export function outboundBanner(status: OutboundMailStatus | null | undefined, timeZone: string): Html {
  if (!status || status.problems.length === 0) return html``;
  const waiting =
    status.queued === 0
      ? 'Nothing is waiting yet.'
      : html`${status.queued} ${status.queued === 1 ? 'delivery waits' : 'deliveries wait'}${status.oldestQueuedAt ? html`, the oldest since ${when(status.oldestQueuedAt, timeZone)}` : ''}.`;
  return html`<div class="notice" role="status" id="outbound-mail">
  <p><strong>${status.canSend ? 'Outbound mail is held.' : 'Outbound mail is off.'}</strong> ${waiting}</p>
  <ul>${status.problems.map((p) => html`<li>${p}</li>`)}</ul>
  <p><a href="/admin/mail">Mail settings</a> · <a href="/admin/deliveries#queued">Queued deliveries</a></p>
</div>`;
}
