import { addPersonMailingLink, listPeople, listTeams, reissueEnrollment, setPersonDisabled } from '../../app/admin/admin.ts';
import { outboundMailStatus } from '../../app/delivery/outbound-status.ts';
import { html, type Html } from '../html.ts';
import { baseUrl, field, fieldList, hiddenCsrf, input, layout, seeOther, sendHtml, splitList, textarea, zoneOf } from '../common.ts';
import { when } from '../format.ts';
import { adminNav } from '../admin-nav.ts';
import { timeZoneField } from '../time-zone-field.ts';
import { fieldError as e, typed as v, type FailedForm } from '../failed-form.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';

// Admin page /admin/people: everyone on the desk, adding a person (with their teams, in one form),
// a new enrollment link for someone who lost their password or authenticator, and disabling
// someone who left. A new person's enrollment link is mailed to them when the desk has an SMTP
// relay; otherwise, like a new link, it is a secret shown once, in the response, to hand over.

const TEAM_GROUPS: readonly { kind: string; legend: string }[] = [
  { kind: 'central', legend: 'Central security team (sees every report)' },
  { kind: 'project', legend: "Project security teams (see their project's incidents)" },
];

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

async function peoplePage(
  { ctx, viewer, reply }: PageInput,
  status: number,
  failed: FailedForm | null,
  flash: string | null,
  extra: Html = html``,
) {
  const [people, teams, mail] = await Promise.all([listPeople(ctx), listTeams(ctx), outboundMailStatus(ctx)]);
  // A new colleague most likely works where the admin does: their zone is the first guess.
  const zone = zoneOf(viewer);
  const week = failed?.form === 'add' ? fieldList(failed.values, 'workingWeek') : ['1', '2', '3', '4', '5'];
  const chosenTeams = failed?.form === 'add' ? fieldList(failed.values, 'teams') : [];
  const teamBoxes = TEAM_GROUPS.map((g) => ({ ...g, teams: teams.filter((t) => t.kind === g.kind) }))
    .filter((g) => g.teams.length)
    .map(
      (g) => html`<fieldset class="team-picker"><legend>${g.legend}</legend>
        ${g.teams.map((t) => html`<div class="choice"><label><input type="checkbox" name="teams" value="${t.slug}"${chosenTeams.includes(t.slug) ? html` checked` : ''}> ${t.name} <span class="muted">(${t.slug})</span></label></div>`)}
      </fieldset>`,
    );
  return sendHtml(
    reply,
    status,
    layout({
      title: 'People',
      viewer,
      flash,
      error: failed?.problem.message ?? null,
      body: html`${adminNav('/admin/people')}
      ${extra}
      <table>
        <caption>Everyone on this desk</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Time zone</th><th scope="col">Teams</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${people.map(
          (p) => html`<tr>
          <td>${p.name}${p.isAdmin ? html` <span class="badge">admin</span>` : ''}</td>
          <td>${p.emails.join(', ')}</td>
          <td>${p.timeZone}<br><span class="muted">${p.workingWeek.map((d) => WEEKDAYS[d - 1] ?? String(d)).join(' ')}</span></td>
          <td>${p.teams.join(', ') || html`<span class="muted">none</span>`}</td>
          <td>${p.disabled ? html`<strong>disabled</strong> · ` : ''}${p.enrolled ? 'enrolled' : html`<strong>not enrolled</strong>`}${p.available ? '' : ' · unavailable'}${p.awayUntil ? html` · away until ${when(p.awayUntil, zone)}` : ''}</td>
          <td><form method="post" action="/admin/people/${p.id}/enrollment" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">New enrollment link</button></form>
            <form method="post" action="/admin/people/${p.id}/disabled" class="inline">${hiddenCsrf(viewer)}<input type="hidden" name="disabled" value="${p.disabled ? '0' : '1'}"><button type="submit" class="secondary">${p.disabled ? 'Enable' : 'Disable'}</button></form></td>
        </tr>`,
        )}</tbody>
      </table>
      <section aria-labelledby="add-h" class="card">
        <h2 id="add-h">Add a person</h2>
        <form method="post" action="/admin/people" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'name', label: 'Name', required: true, value: v(failed, 'add', 'name'), error: e(failed, 'add', 'name') })}
          ${textarea({ name: 'emails', label: 'E-mail addresses', required: true, value: v(failed, 'add', 'emails'), error: e(failed, 'add', 'emails'), hint: 'One per line; the first is the primary address.', rows: 2 })}
          ${timeZoneField({ name: 'timeZone', label: 'Time zone', required: true, value: v(failed, 'add', 'timeZone', zone), error: e(failed, 'add', 'timeZone'), hint: 'Type a city or region, like Europe/London or Asia/Kolkata; deadlines count working days there.' })}
          <fieldset><legend>Working days</legend>
            ${WEEKDAYS.map((d, i) => html`<label class="day"><input type="checkbox" name="workingWeek" value="${i + 1}"${week.includes(String(i + 1)) ? html` checked` : ''}> ${d}</label>`)}
          </fieldset>
          <fieldset><legend>Teams</legend>
            <p class="hint">A person sees the cases of the teams they are on. A project's security team comes with the project. Stakeholders are organisations, not people on the desk.</p>
            ${e(failed, 'add', 'teams') ? html`<p class="field-error">${e(failed, 'add', 'teams')}</p>` : ''}
            ${teamBoxes}
          </fieldset>
          <div class="choice"><label><input type="checkbox" name="isAdmin" value="1"${v(failed, 'add', 'isAdmin') ? html` checked` : ''}> Admin of this desk</label></div>
          <p class="hint" id="enrollment-delivery">${
            mail.canSend
              ? 'Their enrollment link is mailed to their first address.'
              : 'No mail goes out yet (no SMTP relay is set up under Mail), so their enrollment link is shown here for you to hand over.'
          }</p>
          <p><button type="submit">Add person</button></p>
        </form>
      </section>`,
    }),
  );
}

const enrollmentNotice = (link: string, who: string) => html`<div class="notice" role="status">
    <p>Send this enrollment link to <strong>${who}</strong> over a channel you trust. It is shown only now and works for 7 days.</p>
    <p class="secret"><a href="${link}" id="enrollment-link">${link}</a></p></div>`;

const linkOf = (input: PageInput, token: string) => `${baseUrl(input.app, input.request)}/enroll/${encodeURIComponent(token)}`;

export const adminPeoplePages = definePages([
  { method: 'GET', url: '/admin', policy: 'admin.manage', handler: async ({ reply }) => seeOther(reply, '/admin/people') },
  {
    method: 'GET',
    url: '/admin/people',
    policy: 'admin.manage',
    handler: async (input) => peoplePage(input, 200, null, null),
  },
  formPost({
    url: '/admin/people',
    policy: 'admin.manage',
    labels: {
      name: ['name', 'The name'],
      emails: ['emails', 'The e-mail addresses'],
      timeZone: ['timeZone', 'The time zone'],
      workingWeek: ['workingWeek', 'The working days'],
      teams: ['teams', 'The teams'],
    },
    notFound: 'form',
    run: ({ ctx, body }) =>
      addPersonMailingLink(ctx, {
        name: field(body, 'name'),
        emails: splitList(field(body, 'emails')),
        timeZone: field(body, 'timeZone').trim(),
        workingWeek: fieldList(body, 'workingWeek').map(Number),
        isAdmin: field(body, 'isAdmin') === '1',
        teams: fieldList(body, 'teams'),
      }),
    // The link is a secret shown once: rendered in this response, never put in a redirect URL.
    done: (r, input) => {
      const name = field(input.body, 'name').trim();
      const teams = fieldList(input.body, 'teams');
      const added = `${name} is added${teams.length ? `, on ${teams.join(', ')}` : ''}.`;
      return r.mailedTo !== null
        ? peoplePage(input, 201, null, `${added} Their enrollment link is mailed to ${r.mailedTo}; it works once, for 7 days.`)
        : peoplePage(input, 201, null, added, enrollmentNotice(linkOf(input, r.enrollmentToken), name));
    },
    refused: (input, { values, problem }) => peoplePage(input, problem.status, { form: 'add', values, problem }, null),
  }),
  formPost({
    url: '/admin/people/:id/enrollment',
    policy: 'admin.manage',
    run: ({ ctx, params }) => reissueEnrollment(ctx, params.id!),
    done: (r, input) =>
      peoplePage(
        input,
        200,
        null,
        'Their password and second factor are reset; they must enroll again.',
        enrollmentNotice(linkOf(input, r.enrollmentToken), 'them'),
      ),
    refused: (input, { problem }) => peoplePage(input, problem.status, { form: 'reissue', values: {}, problem }, null),
  }),
  formPost({
    url: '/admin/people/:id/disabled',
    policy: 'admin.manage',
    run: ({ ctx, params, body }) => setPersonDisabled(ctx, params.id!, { disabled: field(body, 'disabled') === '1' }),
    done: (r, input) =>
      peoplePage(
        input,
        200,
        null,
        r.disabled
          ? 'They are disabled: their sessions ended and their API tokens are revoked.'
          : 'They are enabled again and can sign in.',
      ),
    refused: (input, { problem }) => peoplePage(input, problem.status, { form: 'disabled', values: {}, problem }, null),
  }),
]);
