import { createProject, listProjects, listTeams, setSubsystemContacts } from '../../app/admin/admin.ts';
import { html, type Html } from '../html.ts';
import { field, flashOf, hiddenCsrf, input, layout, nullable, optional, sendHtml, splitList, textarea } from '../common.ts';
import { adminNav } from '../admin-nav.ts';
import { fieldError as e, typed as v, type FailedForm } from '../failed-form.ts';
import { doneAt, formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';

// Admin page /admin/projects: the projects with their security teams, the subsystem contact table
// (each row saves on its own), and new projects.

const DONE: Record<string, string> = {
  project: 'The project and its security team are created.',
  contacts: 'The subsystem contacts are saved.',
};

async function projectsPage({ ctx, viewer, reply }: PageInput, status: number, failed: FailedForm | null, flash: string | null) {
  const [projects, teams] = await Promise.all([listProjects(ctx), listTeams(ctx)]);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Projects',
      viewer,
      flash,
      error: failed?.problem.message ?? null,
      body: html`${adminNav('/admin/projects')}
      ${projects.length === 0 ? html`<p class="muted">No projects yet.</p>` : ''}
      ${projects.map((p) => {
        const members = teams.find((t) => t.slug === p.team)?.members ?? [];
        const options = members.map((m) => ({ value: m, label: m }));
        return html`<section class="card project" aria-labelledby="proj-${p.slug}">
          <h2 id="proj-${p.slug}">${p.name} <span class="muted">(${p.slug})</span></h2>
          ${dlProject(p.team, p.alias, p.bugTrackerUrl, members)}
          ${
            p.subsystems.length
              ? html`<table class="subsystems">
              <caption>Subsystem contacts of ${p.name}</caption>
              <thead><tr><th scope="col">Subsystem</th><th scope="col">Primary</th><th scope="col">Secondary</th><th scope="col"><span class="visually-hidden">Save</span></th></tr></thead>
              <tbody>${p.subsystems.map((s) => {
                const form = `contacts:${p.slug}:${s.name}`;
                const formId = `f-${p.slug}-${s.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
                return html`<tr${failed?.form === form ? html` class="has-error"` : ''}>
                  <th scope="row">${s.name}</th>
                  <td>${contactSelect(formId, 'primary', `Primary contact for ${s.name}`, v(failed, form, 'primary', s.primary ?? ''), options)}</td>
                  <td>${contactSelect(formId, 'secondary', `Secondary contact for ${s.name}`, v(failed, form, 'secondary', s.secondary ?? ''), options)}</td>
                  <td><form method="post" id="${formId}" action="/admin/projects/${p.slug}/subsystems/${encodeURIComponent(s.name)}">${hiddenCsrf(viewer)}<button type="submit">Save</button></form>
                    ${failed?.form === form ? html`<p class="field-error">${failed.problem.message}</p>` : ''}</td>
                </tr>`;
              })}</tbody>
            </table>`
              : html`<p class="muted">No subsystems.</p>`
          }
          ${members.length === 0 ? html`<p class="hint">Add people to the team <strong>${p.team}</strong> on the <a href="/admin/teams">Teams</a> page to choose them as contacts.</p>` : ''}
        </section>`;
      })}
      <section aria-labelledby="newproj-h" class="card">
        <h2 id="newproj-h">Create a project</h2>
        <form method="post" action="/admin/projects" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'slug', label: 'Short name (slug)', required: true, value: v(failed, 'project', 'slug'), error: e(failed, 'project', 'slug'), hint: 'Lower case, like "tf-a"; the team alias is made from it.' })}
          ${input({ name: 'name', label: 'Name', required: true, value: v(failed, 'project', 'name'), error: e(failed, 'project', 'name') })}
          ${input({ name: 'bugTrackerUrl', label: 'Bug tracker', type: 'url', value: v(failed, 'project', 'bugTrackerUrl'), error: e(failed, 'project', 'bugTrackerUrl'), hint: 'Optional link.' })}
          ${textarea({ name: 'subsystems', label: 'Subsystems', value: v(failed, 'project', 'subsystems'), error: e(failed, 'project', 'subsystems'), hint: 'One per line; leave empty for the process profile’s default table.', rows: 3 })}
          <p><button type="submit">Create project</button></p>
        </form>
      </section>`,
    }),
  );
}

function dlProject(team: string, alias: string | null, bug: string | null, members: string[]): Html {
  return html`<dl class="facts">
    <div><dt>Security team</dt><dd>${team}${members.length ? html` <span class="muted">(${members.join(', ')})</span>` : ''}</dd></div>
    <div><dt>Alias</dt><dd>${alias ?? '—'}</dd></div>
    <div><dt>Bug tracker</dt><dd>${bug ?? '—'}</dd></div>
  </dl>`;
}

/** A contact select that belongs to the row's form (form= attribute), so each row saves on its own. */
function contactSelect(formId: string, name: string, label: string, value: string, options: { value: string; label: string }[]): Html {
  const id = `${formId}-${name}`;
  const known = value === '' || options.some((o) => o.value === value);
  return html`<label for="${id}" class="visually-hidden">${label}</label>
    <select id="${id}" name="${name}" form="${formId}">
      <option value="">(none)</option>
      ${known ? '' : html`<option value="${value}" selected>${value}</option>`}
      ${options.map((o) => html`<option value="${o.value}"${o.value === value ? html` selected` : ''}>${o.label}</option>`)}
    </select>`;
}

export const adminProjectsPages = definePages([
  {
    method: 'GET',
    url: '/admin/projects',
    policy: 'admin.manage',
    handler: async (input) => projectsPage(input, 200, null, flashOf(input.query, DONE)),
  },
  formPost({
    url: '/admin/projects',
    policy: 'admin.manage',
    labels: {
      slug: ['slug', 'The short name'],
      name: ['name', 'The name'],
      bugTrackerUrl: ['bugTrackerUrl', 'The bug tracker link'],
      subsystems: ['subsystems', 'The subsystems'],
    },
    notFound: 'form',
    run: ({ ctx, body }) => {
      const subsystems = splitList(field(body, 'subsystems'));
      return createProject(ctx, {
        slug: field(body, 'slug').trim(),
        name: field(body, 'name'),
        bugTrackerUrl: nullable(body, 'bugTrackerUrl'),
        ...(subsystems.length ? { subsystems } : {}),
      });
    },
    done: () => doneAt('/admin/projects', 'project'),
    refused: (input, { values, problem }) => projectsPage(input, problem.status, { form: 'project', values, problem }, null),
  }),
  formPost({
    url: '/admin/projects/:slug/subsystems/:name',
    policy: 'admin.manage',
    labels: { primary: ['primary', 'The primary contact'], secondary: ['secondary', 'The secondary contact'] },
    notFound: 'form',
    run: ({ ctx, params, body }) =>
      setSubsystemContacts(ctx, params.slug!, params.name!, {
        primary: optional(body, 'primary') ?? null,
        secondary: optional(body, 'secondary') ?? null,
      }),
    done: () => doneAt('/admin/projects', 'contacts'),
    refused: (input, { values, problem }) =>
      projectsPage(input, problem.status, { form: `contacts:${input.params.slug}:${input.params.name}`, values, problem }, null),
  }),
]);
