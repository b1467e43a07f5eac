import { addDaysOff, personCalendar, removeDaysOff, setHolidayRegion } from '../../app/sla/calendars.ts';
import { updateAvailability } from '../../app/admin/admin.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../../app/auth/auth.ts';
import { html, type Html } from '../html.ts';
import { field, flashOf, hiddenCsrf, input, layout, optional, sendHtml, zoneOf } from '../common.ts';
import { day, when } from '../format.ts';
import { doneAt, formPost, type FormActionDef } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { KEY_DONE, myKeyForms, myKeySection } from './me-keys.ts';

// "My calendar and access": the signed-in person's own availability, holiday region, days off and
// out-of-office periods (which move their deadlines and decide who is reminded), and API tokens.
// Every form calls the same use cases as the API.

const DONE: Record<string, string> = {
  availability: 'Availability saved.',
  region: 'Holiday region saved; new deadlines count its public holidays.',
  'days-off': 'Days off added.',
  'days-off-removed': 'Days off removed.',
  'token-revoked': 'The API token is revoked.',
  ...KEY_DONE,
};

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

async function page(
  { app, ctx, viewer, reply }: PageInput,
  status: number,
  flash: string | null,
  error: string | null,
  extra: Html = html``,
) {
  const p = viewer.principal!;
  const cal = await personCalendar(ctx, p.personId);
  const tokens = await listApiTokens(ctx);
  const keySection = await myKeySection(app, viewer);
  const tz = zoneOf(viewer);
  const body = html`${extra}
<section class="card"><h2>Availability</h2>
  <p>Reminders and escalations skip people who are unavailable or away.</p>
  <form method="post" action="/me/availability">${hiddenCsrf(viewer)}
    <div class="choice"><label><input type="checkbox" name="available" value="yes" checked> Available for new duties</label></div>
    ${input({ name: 'awayUntil', label: 'Away until', hint: 'Optional: an instant with its offset, e.g. 2026-12-24T09:00:00+00:00.' })}
    <button type="submit">Save availability</button>
  </form>
</section>
<section class="card"><h2>Calendar</h2>
  <p>Time zone <strong>${cal.timeZone}</strong>; working days ${cal.workingWeek.map((d) => WEEKDAYS[d] ?? String(d)).join(', ')}.</p>
  <form method="post" action="/me/holiday-region">${hiddenCsrf(viewer)}
    ${input({ name: 'region', label: 'Public-holiday region', value: cal.holidayRegion ?? '', hint: 'A code such as GB-ENG, US-CA, IN or NZ; empty for none.' })}
    <button type="submit">Save region</button>
  </form>
  ${cal.publicHolidays.length ? html`<details><summary>Public holidays counted (${cal.publicHolidays.length})</summary><ul>${cal.publicHolidays.map((d) => html`<li>${day(d.date)}: ${d.name}</li>`)}</ul></details>` : ''}
  <h3>Days off and out of office</h3>
  ${
    cal.daysOff.length
      ? html`<table><thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Reason</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
        ${cal.daysOff.map(
          (d) => html`<tr><td>${day(d.startsOn)}</td><td>${day(d.endsOn)}</td><td>${d.reason ?? ''}</td>
          <td><form method="post" action="/me/days-off/${d.id}/remove" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="link">Remove</button></form></td></tr>`,
        )}
      </tbody></table>`
      : html`<p class="muted">None.</p>`
  }
  <form method="post" action="/me/days-off">${hiddenCsrf(viewer)}
    ${input({ name: 'startsOn', label: 'First day', type: 'date', required: true })}
    ${input({ name: 'endsOn', label: 'Last day', type: 'date', hint: 'Empty for a single day.' })}
    ${input({ name: 'reason', label: 'Reason', hint: 'Optional, for your team.' })}
    <button type="submit">Add days off</button>
  </form>
</section>
<section class="card"><h2>API tokens</h2>
  <p>For the CLI and automation (<code>Authorization: Bearer …</code>). A token is shown once.</p>
  ${
    tokens.length
      ? html`<table><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
        ${tokens.map(
          (t) => html`<tr><td>${t.name}</td><td>${when(t.createdAt, tz)}</td><td>${t.lastUsedAt ? when(t.lastUsedAt, tz) : 'never'}</td>
          <td>${t.revokedAt ? html`revoked` : html`<form method="post" action="/me/tokens/${t.id}/revoke" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="link">Revoke</button></form>`}</td></tr>`,
        )}
      </tbody></table>`
      : html`<p class="muted">None.</p>`
  }
  <form method="post" action="/me/tokens">${hiddenCsrf(viewer)}
    ${input({ name: 'name', label: 'Token name', required: true, hint: 'What it is for, e.g. "laptop CLI".' })}
    <button type="submit">Create a token</button>
  </form>
</section>
${keySection}`;
  return sendHtml(reply, status, layout({ title: 'My calendar and access', viewer, flash, error, body }));
}

/** A form on this page: signed in, it acts on the person's own calendar, tokens and keys; a refusal
 * is the page again with the sentence. */
export function meForm<R>(url: string, o: Pick<FormActionDef<R>, 'run' | 'done'>) {
  return formPost({
    url,
    policy: 'signed-in',
    notFound: 'form',
    ...o,
    refused: (input, { problem }) => page(input, problem.status, null, problem.message),
  });
}

const me = (input: PageInput) => input.viewer.principal!.personId;

export const mePages = definePages([
  {
    method: 'GET',
    url: '/me',
    policy: 'signed-in',
    handler: async (input) => page(input, 200, flashOf(input.query, DONE), null),
  },
  meForm('/me/availability', {
    run: (input) =>
      updateAvailability(input.ctx, me(input), {
        available: field(input.body, 'available') === 'yes',
        awayUntil: optional(input.body, 'awayUntil') ?? null,
      }),
    done: () => doneAt('/me', 'availability'),
  }),
  meForm('/me/holiday-region', {
    run: (input) => setHolidayRegion(input.ctx, me(input), { region: optional(input.body, 'region') ?? null }),
    done: () => doneAt('/me', 'region'),
  }),
  meForm('/me/days-off', {
    run: (input) =>
      addDaysOff(input.ctx, me(input), {
        startsOn: field(input.body, 'startsOn'),
        ...(optional(input.body, 'endsOn') ? { endsOn: optional(input.body, 'endsOn') } : {}),
        ...(optional(input.body, 'reason') ? { reason: optional(input.body, 'reason') } : {}),
      }),
    done: () => doneAt('/me', 'days-off'),
  }),
  meForm('/me/days-off/:id/remove', {
    run: (input) => removeDaysOff(input.ctx, me(input), input.params.id!),
    done: () => doneAt('/me', 'days-off-removed'),
  }),
  meForm('/me/tokens', {
    run: ({ ctx, body, request }) => createApiToken(ctx, { name: field(body, 'name').trim() || 'token' }, { ip: request.ip }),
    // A token is a secret shown once: in this response, never in a redirect.
    done: (t, input) =>
      page(
        input,
        201,
        'API token created. Copy it now: it is not shown again.',
        null,
        html`<section class="card"><h2>Your new token</h2><p><code>${t.token}</code></p></section>`,
      ),
  }),
  ...myKeyForms(meForm),
  meForm('/me/tokens/:id/revoke', {
    run: ({ ctx, params }) => revokeApiToken(ctx, params.id!),
    done: () => doneAt('/me', 'token-revoked'),
  }),
]);
