import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STAKEHOLDER_KIND_LABELS, STAKEHOLDER_KINDS } from '../../domain/stakeholders.ts';
import {
  addPerson,
  createProject,
  createTeam,
  listPeople,
  listProjects,
  listTeams,
  reissueEnrollment,
  setSubsystemContacts,
  setTeamMember,
} from '../../app/admin/admin.ts';
import { html, type Html } from '../html.ts';
import {
  baseUrl,
  ctxOf,
  field,
  fieldList,
  formOf,
  hiddenCsrf,
  input,
  layout,
  notFoundPage,
  nullable,
  optional,
  problemOf,
  select,
  sendHtml,
  seeOther,
  splitList,
  textarea,
  webRoute,
  type FormBody,
  type FormProblem,
  type Viewer,
  type WebDeps,
} from '../common.ts';
import { allowedTo, guardPage } from './guard.ts';

// Admin pages: people, teams and projects (with the subsystem contact table). Admins only; anyone
// else gets the not-found page.

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Confirmations after a redirect, by code: the query string never carries text to show. */
const DONE: Record<string, string> = {
  team: 'The group is created.',
  member_added: 'The member is added.',
  member_removed: 'The member is removed.',
  project: 'The project and its security team are created.',
  contacts: 'The subsystem contacts are saved.',
};
const flashOf = (request: FastifyRequest) => DONE[field(request.query, 'done')] ?? null;

interface Failed {
  form: string;
  values: FormBody;
  problem: FormProblem;
}

const v = (f: Failed | null, form: string, name: string, fallback = '') => {
  if (!f || f.form !== form) return fallback;
  const x = formOf(f.values)[name];
  return typeof x === 'string' ? x : fallback;
};
const e = (f: Failed | null, form: string, name: string) => (f && f.form === form ? f.problem.fields[name] : undefined);

export function adminNav(current: string): Html {
  const item = (href: string, label: string) =>
    href === current ? html`<li><a href="${href}" aria-current="page">${label}</a></li>` : html`<li><a href="${href}">${label}</a></li>`;
  return html`<nav aria-label="Admin" class="tabs"><ul>${item('/admin/people', 'People')}${item('/admin/teams', 'Teams')}${item('/admin/projects', 'Projects')}${item('/cve', 'CVE ids')}${item('/admin/mail', 'Mail')}${item('/admin/deliveries', 'Failed deliveries')}${item('/admin/inbox', 'Inbound mail')}</ul></nav>`;
}

export function registerAdminPages(fastify: FastifyInstance, deps: WebDeps): void {
  const { app } = deps;

  const guard = (request: FastifyRequest, reply: FastifyReply, post: boolean) =>
    guardPage(deps, request, reply, { post, allow: allowedTo('admin.manage') });

  /** Runs an admin use case from a form: redirect with a confirmation, or the page again with the error. */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: string,
    back: string,
    done: keyof typeof DONE,
    labels: Record<string, [string, string]>,
    run: () => Promise<unknown>,
    render: (status: number, failed: Failed | null, flash: string | null) => Promise<FastifyReply>,
  ) => {
    try {
      await run();
    } catch (err) {
      const problem = problemOf(err, labels);
      if (problem.status >= 500) request.log.error(err);
      const values = { ...formOf(request.body) };
      delete values._csrf;
      return render(problem.status, { form, values, problem }, null);
    }
    return seeOther(reply, `${back}?done=${encodeURIComponent(done)}`);
  };

  // --- People ---

  const peoplePage = async (
    reply: FastifyReply,
    viewer: Viewer,
    status: number,
    failed: Failed | null,
    flash: string | null,
    extra: Html = html``,
  ) => {
    const people = await listPeople(ctxOf(app, viewer));
    const week = failed?.form === 'add' ? fieldList(failed.values, 'workingWeek') : ['1', '2', '3', '4', '5'];
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
          <td>${p.enrolled ? 'enrolled' : html`<strong>not enrolled</strong>`}${p.available ? '' : ' · unavailable'}${p.awayUntil ? ` · away until ${p.awayUntil}` : ''}</td>
          <td><form method="post" action="/admin/people/${p.id}/enrollment" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">New enrollment link</button></form></td>
        </tr>`,
        )}</tbody>
      </table>
      <section aria-labelledby="add-h" class="card">
        <h2 id="add-h">Add a person</h2>
        <form method="post" action="/admin/people" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'name', label: 'Name', required: true, value: v(failed, 'add', 'name'), error: e(failed, 'add', 'name') })}
          ${textarea({ name: 'emails', label: 'E-mail addresses', required: true, value: v(failed, 'add', 'emails'), error: e(failed, 'add', 'emails'), hint: 'One per line; the first is the primary address.', rows: 2 })}
          ${input({ name: 'timeZone', label: 'Time zone', required: true, value: v(failed, 'add', 'timeZone', 'UTC'), error: e(failed, 'add', 'timeZone'), hint: 'An IANA zone like Europe/London; deadlines count working days there.' })}
          <fieldset><legend>Working days</legend>
            ${WEEKDAYS.map((d, i) => html`<label class="day"><input type="checkbox" name="workingWeek" value="${i + 1}"${week.includes(String(i + 1)) ? html` checked` : ''}> ${d}</label>`)}
          </fieldset>
          <div class="choice"><label><input type="checkbox" name="isAdmin" value="1"${v(failed, 'add', 'isAdmin') ? html` checked` : ''}> Admin of this desk</label></div>
          <p><button type="submit">Add person</button></p>
        </form>
      </section>`,
      }),
    );
  };

  const enrollmentNotice = (link: string, who: string) => html`<div class="notice" role="status">
    <p>Send this enrollment link to <strong>${who}</strong> over a channel you trust. It is shown only now and works for 7 days.</p>
    <p class="secret"><a href="${link}" id="enrollment-link">${link}</a></p></div>`;

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/admin',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, false);
      return viewer ? seeOther(reply, '/admin/people') : reply;
    },
  });

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/admin/people',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, false);
      if (!viewer) return reply;
      return peoplePage(reply, viewer, 200, null, flashOf(request));
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/admin/people',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      const b = request.body;
      const weekFields = fieldList(b, 'workingWeek').map(Number);
      const name = field(b, 'name');
      try {
        const r = await addPerson(ctxOf(app, viewer), {
          name,
          emails: splitList(field(b, 'emails')),
          timeZone: field(b, 'timeZone').trim(),
          workingWeek: weekFields,
          isAdmin: field(b, 'isAdmin') === '1',
        });
        const link = `${baseUrl(app, request)}/enroll/${encodeURIComponent(r.enrollmentToken)}`;
        // The link is a secret shown once: rendered in this response, never put in a redirect URL.
        return peoplePage(reply, viewer, 201, null, `${name.trim()} is added.`, enrollmentNotice(link, name.trim()));
      } catch (err) {
        const problem = problemOf(err, {
          name: ['name', 'The name'],
          emails: ['emails', 'The e-mail addresses'],
          timeZone: ['timeZone', 'The time zone'],
          workingWeek: ['workingWeek', 'The working days'],
        });
        if (problem.status >= 500) request.log.error(err);
        const values = { ...formOf(b) };
        delete values._csrf;
        return peoplePage(reply, viewer, problem.status, { form: 'add', values, problem }, null);
      }
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/admin/people/:id/enrollment',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      const { id } = request.params as { id: string };
      try {
        const r = await reissueEnrollment(ctxOf(app, viewer), id);
        const link = `${baseUrl(app, request)}/enroll/${encodeURIComponent(r.enrollmentToken)}`;
        return peoplePage(
          reply,
          viewer,
          200,
          null,
          'Their password and second factor are reset; they must enroll again.',
          enrollmentNotice(link, 'them'),
        );
      } catch (err) {
        const problem = problemOf(err);
        if (problem.status === 404) return notFoundPage(reply, viewer);
        return peoplePage(reply, viewer, problem.status, { form: 'reissue', values: {}, problem }, null);
      }
    },
  });

  // --- Teams ---

  const teamsPage = async (reply: FastifyReply, viewer: Viewer, status: number, failed: Failed | null, flash: string | null) => {
    const teams = await listTeams(ctxOf(app, viewer));
    return sendHtml(
      reply,
      status,
      layout({
        title: 'Teams',
        viewer,
        flash,
        error: failed?.problem.message ?? null,
        body: html`${adminNav('/admin/teams')}
      <p class="muted">The central team exists from setup; project security teams come with their projects. Here you also create ESS and trusted stakeholder groups.</p>
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
      )}
      <section aria-labelledby="newteam-h" class="card">
        <h2 id="newteam-h">Create a stakeholder group</h2>
        <form method="post" action="/admin/teams" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'slug', label: 'Short name (slug)', required: true, value: v(failed, 'team', 'slug'), error: e(failed, 'team', 'slug'), hint: 'Lower case, like "ess" or "trusted-partners".' })}
          ${input({ name: 'name', label: 'Name', required: true, value: v(failed, 'team', 'name'), error: e(failed, 'team', 'name') })}
          ${select({
            name: 'kind',
            label: 'Kind',
            required: true,
            value: v(failed, 'team', 'kind', STAKEHOLDER_KINDS[0]),
            error: e(failed, 'team', 'kind'),
            options: STAKEHOLDER_KINDS.map((k) => ({ value: k, label: STAKEHOLDER_KIND_LABELS[k] })),
          })}
          ${input({ name: 'alias', label: 'Mail alias', type: 'email', value: v(failed, 'team', 'alias'), error: e(failed, 'team', 'alias'), hint: 'Optional.' })}
          <p><button type="submit">Create group</button></p>
        </form>
      </section>`,
      }),
    );
  };

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/admin/teams',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, false);
      if (!viewer) return reply;
      return teamsPage(reply, viewer, 200, null, flashOf(request));
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/admin/teams',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      const b = request.body;
      return act(
        request,
        reply,
        'team',
        '/admin/teams',
        'team',
        { slug: ['slug', 'The short name'], name: ['name', 'The name'], kind: ['kind', 'The kind'], alias: ['alias', 'The alias'] },
        () =>
          createTeam(ctxOf(app, viewer), {
            slug: field(b, 'slug').trim(),
            name: field(b, 'name'),
            kind: field(b, 'kind'),
            alias: nullable(b, 'alias'),
          }),
        (s, f, fl) => teamsPage(reply, viewer, s, f, fl),
      );
    },
  });

  for (const [suffix, member] of [
    ['members', true],
    ['members/remove', false],
  ] as const) {
    webRoute(fastify, deps, {
      method: 'POST',
      url: `/admin/teams/:slug/${suffix}`,
      handler: async (request, reply) => {
        const viewer = await guard(request, reply, true);
        if (!viewer) return reply;
        const { slug } = request.params as { slug: string };
        const email = field(request.body, 'email');
        return act(
          request,
          reply,
          `member:${slug}`,
          '/admin/teams',
          member ? 'member_added' : 'member_removed',
          { email: ['email', 'The e-mail address'] },
          () => setTeamMember(ctxOf(app, viewer), slug, { email }, member),
          (s, f, fl) => teamsPage(reply, viewer, s, f, fl),
        );
      },
    });
  }

  // --- Projects and the subsystem contact table ---

  const projectsPage = async (reply: FastifyReply, viewer: Viewer, status: number, failed: Failed | null, flash: string | null) => {
    const ctx = ctxOf(app, viewer);
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
  };

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/admin/projects',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, false);
      if (!viewer) return reply;
      return projectsPage(reply, viewer, 200, null, flashOf(request));
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/admin/projects',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      const b = request.body;
      const subsystems = splitList(field(b, 'subsystems'));
      return act(
        request,
        reply,
        'project',
        '/admin/projects',
        'project',
        {
          slug: ['slug', 'The short name'],
          name: ['name', 'The name'],
          bugTrackerUrl: ['bugTrackerUrl', 'The bug tracker link'],
          subsystems: ['subsystems', 'The subsystems'],
        },
        () =>
          createProject(ctxOf(app, viewer), {
            slug: field(b, 'slug').trim(),
            name: field(b, 'name'),
            bugTrackerUrl: nullable(b, 'bugTrackerUrl'),
            ...(subsystems.length ? { subsystems } : {}),
          }),
        (s, f, fl) => projectsPage(reply, viewer, s, f, fl),
      );
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/admin/projects/:slug/subsystems/:name',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      const { slug, name } = request.params as { slug: string; name: string };
      const b = request.body;
      return act(
        request,
        reply,
        `contacts:${slug}:${name}`,
        '/admin/projects',
        'contacts',
        { primary: ['primary', 'The primary contact'], secondary: ['secondary', 'The secondary contact'] },
        () =>
          setSubsystemContacts(ctxOf(app, viewer), slug, name, {
            primary: optional(b, 'primary') ?? null,
            secondary: optional(b, 'secondary') ?? null,
          }),
        (s, f, fl) => projectsPage(reply, viewer, s, f, fl),
      );
    },
  });
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
