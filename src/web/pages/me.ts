import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addDaysOff, personCalendar, removeDaysOff, setHolidayRegion } from '../../app/sla/calendars.ts';
import { updateAvailability } from '../../app/admin/admin.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../../app/auth/auth.ts';
import { html, type Html } from '../html.ts';
import {
  csrfOk,
  ctxOf,
  field,
  hiddenCsrf,
  input,
  layout,
  notFoundPage,
  optional,
  problemOf,
  sendHtml,
  seeOther,
  viewerOf,
  webRoute,
  type Viewer,
  type WebDeps,
} from '../common.ts';
import { KEY_DONE, myKeySection, registerMyKeyForms } from './me-keys.ts';

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

export function registerMePages(fastify: FastifyInstance, deps: WebDeps): void {
  const { app } = deps;

  const page = async (
    reply: FastifyReply,
    viewer: Viewer,
    status: number,
    flash: string | null,
    error: string | null,
    extra: Html = html``,
  ) => {
    const p = viewer.principal!;
    const ctx = ctxOf(app, viewer);
    const cal = await personCalendar(ctx, p.personId);
    const tokens = await listApiTokens(ctx);
    const keySection = await myKeySection(app, viewer);
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
  ${cal.publicHolidays.length ? html`<details><summary>Public holidays counted (${cal.publicHolidays.length})</summary><ul>${cal.publicHolidays.map((d) => html`<li>${d.date}: ${d.name}</li>`)}</ul></details>` : ''}
  <h3>Days off and out of office</h3>
  ${
    cal.daysOff.length
      ? html`<table><thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Reason</th><th scope="col"></th></tr></thead><tbody>
        ${cal.daysOff.map(
          (d) => html`<tr><td>${d.startsOn}</td><td>${d.endsOn}</td><td>${d.reason ?? ''}</td>
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
      ? html`<table><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"></th></tr></thead><tbody>
        ${tokens.map(
          (t) => html`<tr><td>${t.name}</td><td>${t.createdAt}</td><td>${t.lastUsedAt ?? 'never'}</td>
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
  };

  /** A signed-in form POST with a valid CSRF token, or the 404 page / a refusal. */
  const guarded = (url: string, act: (request: FastifyRequest, viewer: Viewer, reply: FastifyReply) => Promise<unknown>) =>
    webRoute(fastify, deps, {
      method: 'POST',
      url,
      handler: async (request, reply) => {
        const viewer = await viewerOf(deps, request);
        if (!viewer.principal) return notFoundPage(reply, viewer);
        if (!csrfOk(request, viewer.csrfToken))
          return page(reply, viewer, 403, null, 'The form expired (CSRF token missing or wrong); reload the page and try again.');
        try {
          return await act(request, viewer, reply);
        } catch (err) {
          const problem = problemOf(err);
          return page(reply, viewer, problem.status, null, problem.message);
        }
      },
    });

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/me',
    handler: async (request, reply) => {
      const viewer = await viewerOf(deps, request);
      if (!viewer.principal) return seeOther(reply, '/signin?next=/me');
      return page(reply, viewer, 200, DONE[field(request.query, 'done')] ?? null, null);
    },
  });

  guarded('/me/availability', async (request, viewer, reply) => {
    const awayUntil = optional(request.body, 'awayUntil');
    await updateAvailability(ctxOf(app, viewer), viewer.principal!.personId, {
      available: field(request.body, 'available') === 'yes',
      awayUntil: awayUntil ?? null,
    });
    return seeOther(reply, '/me?done=availability');
  });
  guarded('/me/holiday-region', async (request, viewer, reply) => {
    await setHolidayRegion(ctxOf(app, viewer), viewer.principal!.personId, { region: optional(request.body, 'region') ?? null });
    return seeOther(reply, '/me?done=region');
  });
  guarded('/me/days-off', async (request, viewer, reply) => {
    await addDaysOff(ctxOf(app, viewer), viewer.principal!.personId, {
      startsOn: field(request.body, 'startsOn'),
      ...(optional(request.body, 'endsOn') ? { endsOn: optional(request.body, 'endsOn') } : {}),
      ...(optional(request.body, 'reason') ? { reason: optional(request.body, 'reason') } : {}),
    });
    return seeOther(reply, '/me?done=days-off');
  });
  guarded('/me/days-off/:id/remove', async (request, viewer, reply) => {
    await removeDaysOff(ctxOf(app, viewer), viewer.principal!.personId, (request.params as { id: string }).id);
    return seeOther(reply, '/me?done=days-off-removed');
  });
  guarded('/me/tokens', async (request, viewer, reply) => {
    const t = await createApiToken(ctxOf(app, viewer), { name: field(request.body, 'name').trim() || 'token' });
    return page(
      reply,
      viewer,
      201,
      'API token created. Copy it now: it is not shown again.',
      null,
      html`<section class="card"><h2>Your new token</h2><p><code>${t.token}</code></p></section>`,
    );
  });
  registerMyKeyForms(app, guarded);
  guarded('/me/tokens/:id/revoke', async (request, viewer, reply) => {
    await revokeApiToken(ctxOf(app, viewer), (request.params as { id: string }).id);
    return seeOther(reply, '/me?done=token-revoked');
  });
}
