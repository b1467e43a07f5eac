import { listTeams, setTeamMember } from '../../app/admin/admin.ts';
import { html } from '../html.ts';
import { field, flashOf, hiddenCsrf, input, layout, sendHtml } from '../common.ts';
import { adminNav } from '../admin-nav.ts';
import { fieldError as e, typed as v, type FailedForm } from '../failed-form.ts';
import { doneAt, formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';

// Admin page /admin/teams: every team with its members (add, remove). The central team exists from
// setup; project teams come with their projects. Stakeholders are organisations, on /admin/stakeholders.

const DONE: Record<string, string> = {
  team: 'The group is created.',
  member_added: 'The member is added.',
  member_removed: 'The member is removed.',
};

async function teamsPage({ ctx, viewer, reply }: PageInput, status: number, failed: FailedForm | null, flash: string | null) {
  const teams = await listTeams(ctx);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Teams',
      viewer,
      flash,
      error: failed?.problem.message ?? null,
      body: html`${adminNav('/admin/teams')}
      <p class="muted">The central team exists from setup; project security teams come with their projects. Stakeholder organisations (ESS, trusted stakeholders) are under <a href="/admin/stakeholders">Stakeholders</a>.</p>
      ${teams.map(
        (t) => html`<section class="card team" aria-labelledby="team-${t.slug}">
        <h2 id="team-${t.slug}">${t.name} <span class="muted">(${t.slug}, ${t.kind})</span></h2>
        ${t.alias ? html`<p>Alias: ${t.alias}</p>` : ''}
        ${
          t.members.length
            ? html`<ul class="members">${t.members.map(
                (m) => html`<li>${m}
              <form method="post" action="/admin/teams/${t.slug}/members/remove" class="inline">${hiddenCsrf(viewer)}<input type="hidden" name="email" value="${m}"><button type="submit" class="link danger" aria-label="Remove ${m} from ${t.name}">remove</button></form></li>`,
              )}</ul>`
            : html`<p class="muted">No members.</p>`
        }
        <form method="post" action="/admin/teams/${t.slug}/members" class="inline-form">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'email', label: `Add a member to ${t.slug}`, type: 'email', required: true, value: v(failed, `member:${t.slug}`, 'email'), error: e(failed, `member:${t.slug}`, 'email') })}
          <button type="submit">Add member</button>
        </form>
      </section>`,
      )}`,
    }),
  );
}

/** A member added or removed: the team's own form shows a refusal. */
const memberForm = (suffix: 'members' | 'members/remove', member: boolean) =>
  formPost({
    url: `/admin/teams/:slug/${suffix}`,
    policy: 'admin.manage',
    labels: { email: ['email', 'The e-mail address'] },
    notFound: 'form',
    run: ({ ctx, params, body }) => setTeamMember(ctx, params.slug!, { email: field(body, 'email') }, member),
    done: () => doneAt('/admin/teams', member ? 'member_added' : 'member_removed'),
    refused: (input, { values, problem }) =>
      teamsPage(input, problem.status, { form: `member:${input.params.slug}`, values, problem }, null),
  });

export const adminTeamsPages = definePages([
  {
    method: 'GET',
    url: '/admin/teams',
    policy: 'admin.manage',
    handler: async (input) => teamsPage(input, 200, null, flashOf(input.query, DONE)),
  },
  memberForm('members', true),
  memberForm('members/remove', false),
]);
