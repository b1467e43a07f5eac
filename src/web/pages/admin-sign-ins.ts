import { clearSignInLock, listSignIns } from '../../app/auth/guard.ts';
import { html } from '../html.ts';
import { field, hiddenCsrf, layout, scrollTable, sendHtml, zoneOf } from '../common.ts';
import { when } from '../format.ts';
import { adminNav } from '../admin-nav.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';

// Admin page /admin/sign-ins: the accounts the sign-in guard holds back or has locked (with a button
// to lift it), how many unknown addresses it holds, and the sign-in events of the audit log with the
// address each came from. Many locks at once mean someone is guessing against the whole team.

const WHAT: Record<string, string> = {
  'auth.sign_in': 'signed in',
  'auth.sign_in_failed': 'failed',
  'auth.sign_in_refused': 'refused unchecked',
  'auth.sign_in_locked': 'locked',
  'auth.unlocked': 'unlocked',
  'auth.api_token_new_place': 'API token from a new address',
};

const REASON: Record<string, string> = {
  unknown_address: 'unknown address',
  password: 'wrong password',
  code: 'right password, wrong code',
  replay: 'right password, code used before',
  disabled: 'disabled account',
  not_enrolled: 'not enrolled',
  locked: 'account locked',
  backoff: 'too soon after failures',
  link: 'by the mailed link',
  admin: 'by an admin',
};

async function page({ ctx, viewer, reply }: PageInput, status: number, flash: string | null, error: string | null) {
  const s = await listSignIns(ctx);
  const locked = s.guarded.filter((g) => g.lockedAt).length;
  const tz = zoneOf(viewer);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Sign-ins',
      viewer,
      flash,
      error,
      body: html`${adminNav('/admin/sign-ins')}
      <p class="muted">Failed sign-ins count on the account, whatever address they come from. Each lock mails its person a
        one-time unlock link; failures from elsewhere never lock a person out at a place they signed in from before.</p>
      <section aria-labelledby="held-h">
        <h2 id="held-h">Held back or locked (${locked} locked)</h2>
        ${
          s.guarded.length === 0
            ? html`<p>No account has failed sign-ins in a row.</p>`
            : scrollTable(
                'Accounts with failed sign-ins in a row',
                html`<table>
          <caption class="visually-hidden">Accounts with failed sign-ins in a row</caption>
          <thead><tr><th scope="col">Person</th><th scope="col">Where from</th><th scope="col">Failures in a row</th><th scope="col">Last attempt</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${s.guarded.map(
            (g) => html`<tr>
            <td>${g.name}<br><span class="muted">${g.email ?? ''}</span></td>
            <td>${g.scope}</td>
            <td>${String(g.failures)}</td>
            <td>${when(g.lastFailureAt, tz)}<br><span class="muted">${g.lastPlace ?? ''}</span></td>
            <td>${g.lockedAt ? html`<strong>locked</strong> since ${when(g.lockedAt, tz)}` : g.blockedUntil ? html`waiting until ${when(g.blockedUntil, tz)}` : 'may try again'}</td>
            <td><form method="post" action="/admin/people/${g.personId}/sign-in-lock" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">Lift lock and delay</button></form></td>
          </tr>`,
          )}</tbody></table>`,
              )
        }
        <p class="muted">Unknown addresses: ${String(s.unknownAddresses.locked)} locked, ${String(s.unknownAddresses.held)} waiting.</p>
      </section>
      <section aria-labelledby="events-h">
        <h2 id="events-h">Sign-in events, newest first</h2>
        ${
          s.events.length === 0
            ? html`<p>No sign-in events yet.</p>`
            : scrollTable(
                'Sign-in events',
                html`<table>
          <caption class="visually-hidden">Sign-in events from the audit log</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">From address</th><th scope="col">Detail</th></tr></thead>
          <tbody>${s.events.map(
            (e) => html`<tr>
            <td>${when(e.at, tz)}</td>
            <td>${e.name ?? html`<span class="muted">${e.personId ? 'a removed person' : 'unknown address'}</span>`}</td>
            <td>${WHAT[e.action] ?? e.action}${e.reason ? html` <span class="muted">(${REASON[e.reason] ?? e.reason})</span>` : ''}</td>
            <td><code>${e.ip ?? ''}</code></td>
            <td>${e.detail ?? ''}</td>
          </tr>`,
          )}</tbody></table>`,
              )
        }
      </section>`,
    }),
  );
}

export const adminSignInsPages = definePages([
  {
    method: 'GET',
    url: '/admin/sign-ins',
    policy: 'admin.manage',
    handler: async (input) =>
      page(input, 200, field(input.query, 'done') === 'cleared' ? 'The lock and delay on their sign-in are lifted.' : null, null),
  },
  formPost({
    url: '/admin/people/:id/sign-in-lock',
    policy: 'admin.manage',
    signInNext: () => '/admin/sign-ins',
    run: ({ ctx, params }) => clearSignInLock(ctx, params.id!),
    done: () => '/admin/sign-ins?done=cleared',
    refused: (input, { problem }) => page(input, problem.status, null, problem.message),
  }),
]);
