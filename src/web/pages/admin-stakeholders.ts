import { addStakeholder, decideApplication, listStakeholders, removeStakeholder, type OrgView } from '../../app/stakeholders/orgs.ts';
import { stakeholderChoices, type StakeholderChoices } from '../../app/stakeholders/choices.ts';
import { mayDo } from '../../domain/access.ts';
import { html, type Html } from '../html.ts';
import { field, flashOf, hiddenCsrf, input, layout, optional, select, sendHtml, textarea, textBox, zoneOf } from '../common.ts';
import { adminNav } from '../admin-nav.ts';
import { fieldError as e, typed as v, type FailedForm } from '../failed-form.ts';
import { when } from '../format.ts';
import { doneAt, formPost, type Labels } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';

// /admin/stakeholders, for the central team and admins: the organisations told before the public,
// applications first, each with its alias, zone, key fingerprint, status and tiers per project. An
// application is approved once its key's fingerprint, read with the organisation out of band, is
// typed here (or rejected, with a note); an organisation the team knows is registered directly with
// its key and fingerprint; any is removed. The list itself is confidential: only this page shows it.

const DONE: Record<string, string> = {
  added: 'The organisation is registered; its key is confirmed.',
  approved: 'The application is approved; its key is confirmed and it is in the tier.',
  rejected: 'The application is rejected.',
  removed: 'The organisation is removed: it is told nothing more and its portal sessions have ended.',
};

const STATUS: Record<OrgView['status'], string> = {
  applied: 'applied, waiting for a decision',
  approved: 'approved',
  rejected: 'rejected',
  removed: 'removed',
};

const ADD_LABELS: Labels = {
  name: ['name', 'The name'],
  alias: ['alias', 'The alias'],
  about: ['about', 'What it is'],
  timeZone: ['timeZone', 'The time zone'],
  holidayRegion: ['holidayRegion', 'The holiday region'],
  publicKey: ['publicKey', 'The public key'],
  fingerprint: ['fingerprint', 'The fingerprint'],
  'tiers.0.project': ['project', 'The project'],
  'tiers.0.tier': ['tier', 'The tier'],
  'tiers[0].project': ['project', 'The project'],
  'tiers[0].tier': ['tier', 'The tier'],
};

const DECIDE_LABELS: Labels = {
  fingerprint: ['fingerprint', 'The fingerprint'],
  note: ['note', 'The note'],
  'tiers.0.project': ['project', 'The project'],
  'tiers.0.tier': ['tier', 'The tier'],
  'tiers[0].project': ['project', 'The project'],
  'tiers[0].tier': ['tier', 'The tier'],
};

const tierFields = (choices: StakeholderChoices, failed: FailedForm | null, form: string, project: string, tier: string): Html =>
  html`${select({
    name: 'project',
    label: 'Project',
    required: true,
    value: v(failed, form, 'project', project),
    error: e(failed, form, 'project'),
    options: choices.projects.map((p) => ({ value: p.slug, label: `${p.name} (${p.slug})` })),
  })}
  ${select({
    name: 'tier',
    label: 'Tier',
    required: true,
    value: v(failed, form, 'tier', tier),
    error: e(failed, form, 'tier'),
    options: choices.tiers.map((t) => ({ value: t.id, label: t.name })),
  })}`;

function decisionForms(o: OrgView, choices: StakeholderChoices, failed: FailedForm | null, viewer: PageInput['viewer']): Html {
  const form = `decide:${o.id}`;
  const approve = failed?.form === form && field(failed.values, 'decision') === 'approve' ? failed : null;
  const reject = failed?.form === form && field(failed.values, 'decision') === 'reject' ? failed : null;
  const error = (f: FailedForm | null) => (f ? html`<p class="field-error" role="alert">${f.problem.message}</p>` : '');
  return html`<form method="post" action="/admin/stakeholders/${o.id}/decision" class="stack" aria-label="Approve ${o.name}">
      <h4>Approve</h4>${error(approve)}
      ${hiddenCsrf(viewer)}<input type="hidden" name="decision" value="approve">
      ${input({
        name: 'fingerprint',
        label: 'Fingerprint, as the organisation read it to you',
        required: true,
        value: v(approve, form, 'fingerprint'),
        error: e(approve, form, 'fingerprint'),
        hint: 'Check it with the organisation out of band (a call, a signed mail): approval confirms the key only if it matches.',
      })}
      ${tierFields(choices, approve, form, o.applied?.project ?? '', o.applied?.tier ?? '')}
      ${textarea({ name: 'note', label: 'Note (optional)', rows: 2, value: v(approve, form, 'note'), error: e(approve, form, 'note') })}
      <p><button type="submit">Approve</button></p>
    </form>
    <form method="post" action="/admin/stakeholders/${o.id}/decision" class="stack" aria-label="Reject ${o.name}">
      <h4>Reject</h4>${error(reject)}
      ${hiddenCsrf(viewer)}<input type="hidden" name="decision" value="reject">
      ${textarea({ name: 'note', label: 'Why (kept with the decision)', required: true, rows: 2, value: v(reject, form, 'note'), error: e(reject, form, 'note') })}
      <p><button type="submit" class="secondary">Reject</button></p>
    </form>`;
}

function orgCard(o: OrgView, choices: StakeholderChoices, failed: FailedForm | null, viewer: PageInput['viewer']): Html {
  const removeFailed = failed?.form === `remove:${o.id}` ? failed : null;
  return html`<section class="card" aria-labelledby="org-${o.id}">
    <h3 id="org-${o.id}">${o.name} <span class="badge">${STATUS[o.status]}</span></h3>
    <dl class="facts">
      <div><dt>Alias</dt><dd>${o.alias}</dd></div>
      <div><dt>Time zone</dt><dd>${o.timeZone}</dd></div>
      <div><dt>Public holidays of</dt><dd>${o.holidayRegion ?? html`<span class="muted">not given</span>`}</dd></div>
      <div><dt>Key fingerprint</dt><dd><code>${o.keyFingerprint ?? '—'}</code>${o.status === 'applied' ? html` <span class="muted">(not confirmed yet)</span>` : ''}</dd></div>
      <div><dt>Tiers</dt><dd>${
        o.tiers.length
          ? html`<ul>${o.tiers.map((t) => html`<li>${t.project}: ${t.tierName}</li>`)}</ul>`
          : o.applied
            ? html`asks for ${o.applied.project}: ${o.applied.tierName}`
            : html`<span class="muted">none</span>`
      }</dd></div>
      <div><dt>Since</dt><dd>${when(o.createdAt, zoneOf(viewer))}${o.decidedAt ? html`; decided ${when(o.decidedAt, zoneOf(viewer))}` : ''}</dd></div>
    </dl>
    ${o.about ? html`<h4>What it is</h4>${textBox(o.about)}` : ''}
    ${o.statement ? html`<h4>Its statement on the policy</h4>${textBox(o.statement)}` : ''}
    ${o.status === 'applied' ? decisionForms(o, choices, failed, viewer) : ''}
    ${
      o.status === 'removed' || o.status === 'rejected'
        ? ''
        : html`${removeFailed ? html`<p class="field-error" role="alert">${removeFailed.problem.message}</p>` : ''}<form method="post" action="/admin/stakeholders/${o.id}/remove" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="link danger" aria-label="Remove this organisation, ${o.name}">Remove this organisation</button></form>`
    }
  </section>`;
}

async function stakeholdersPage(input_: PageInput, status: number, failed: FailedForm | null, flash: string | null) {
  const { ctx, viewer, reply } = input_;
  const [orgs, choices] = await Promise.all([listStakeholders(ctx), stakeholderChoices(ctx)]);
  const applications = orgs.filter((o) => o.status === 'applied');
  const others = orgs.filter((o) => o.status !== 'applied');
  const add = 'add';
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Stakeholder organisations',
      viewer,
      flash,
      error: failed?.problem.message ?? null,
      body: html`${mayDo(viewer.principal!, 'admin.manage') ? adminNav('/admin/stakeholders') : ''}
      <p class="muted">The organisations told of an incident before the public, in the tiers of the profile, per project. Each is reached at
        its alias only, encrypted to the alias's key, which you confirm by its fingerprint. Who is on this list is confidential.</p>
      <section aria-labelledby="apps-h">
        <h2 id="apps-h">Applications (${applications.length})</h2>
        ${applications.length ? applications.map((o) => orgCard(o, choices, failed, viewer)) : html`<p>No application waits for a decision.</p>`}
      </section>
      <section aria-labelledby="orgs-h">
        <h2 id="orgs-h">Organisations</h2>
        ${others.length ? others.map((o) => orgCard(o, choices, failed, viewer)) : html`<p>No organisation is registered yet.</p>`}
      </section>
      <section aria-labelledby="add-h" class="card">
        <h2 id="add-h">Register an organisation</h2>
        <p class="muted">For an organisation you know: its key is confirmed at once by the fingerprint you type. Others apply at <a href="/stakeholders/apply">/stakeholders/apply</a>.</p>
        <form method="post" action="/admin/stakeholders" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'name', label: 'Name', required: true, value: v(failed, add, 'name'), error: e(failed, add, 'name') })}
          ${input({ name: 'alias', label: 'Security alias', type: 'email', required: true, value: v(failed, add, 'alias'), error: e(failed, add, 'alias'), hint: 'A contact alias of the organisation, not a person’s address.' })}
          ${textarea({ name: 'about', label: 'What it is (optional)', rows: 2, value: v(failed, add, 'about'), error: e(failed, add, 'about') })}
          ${input({ name: 'timeZone', label: 'Time zone', required: true, value: v(failed, add, 'timeZone', 'UTC'), error: e(failed, add, 'timeZone'), hint: 'Like Europe/Berlin: the dates it is sent are in it.' })}
          ${input({ name: 'holidayRegion', label: 'Public holidays of (optional)', value: v(failed, add, 'holidayRegion', ''), error: e(failed, add, 'holidayRegion'), hint: 'A region like US, GB-ENG or DE-BY: a timeline ending on one of its holidays is warned about.' })}
          ${textarea({ name: 'publicKey', label: 'OpenPGP public key of the alias (armored)', required: true, rows: 6, value: v(failed, add, 'publicKey'), error: e(failed, add, 'publicKey') })}
          ${input({ name: 'fingerprint', label: 'Fingerprint, as the organisation read it to you', required: true, value: v(failed, add, 'fingerprint'), error: e(failed, add, 'fingerprint') })}
          ${tierFields(choices, failed?.form === add ? failed : null, add, choices.projects[0]?.slug ?? '', choices.tiers[0]?.id ?? '')}
          <p><button type="submit">Register the organisation</button></p>
        </form>
      </section>`,
    }),
  );
}

const back = () => '/admin/stakeholders';

export const adminStakeholdersPages = definePages([
  {
    method: 'GET',
    url: '/admin/stakeholders',
    policy: 'stakeholders.manage',
    handler: async (input) => stakeholdersPage(input, 200, null, flashOf(input.query, DONE)),
  },
  formPost({
    url: '/admin/stakeholders',
    policy: 'stakeholders.manage',
    signInNext: back,
    labels: ADD_LABELS,
    notFound: 'form',
    run: ({ ctx, body }) =>
      addStakeholder(ctx, {
        name: field(body, 'name'),
        alias: field(body, 'alias'),
        ...(optional(body, 'about') ? { about: optional(body, 'about') } : {}),
        timeZone: field(body, 'timeZone'),
        ...(field(body, 'holidayRegion').trim() ? { holidayRegion: field(body, 'holidayRegion') } : {}),
        publicKey: field(body, 'publicKey'),
        fingerprint: field(body, 'fingerprint'),
        tiers: [{ project: field(body, 'project'), tier: field(body, 'tier') }],
      }),
    done: () => doneAt('/admin/stakeholders', 'added'),
    refused: (input, { values, problem }) => stakeholdersPage(input, problem.status, { form: 'add', values, problem }, null),
  }),
  formPost({
    url: '/admin/stakeholders/:id/decision',
    policy: 'stakeholders.manage',
    signInNext: back,
    labels: DECIDE_LABELS,
    run: ({ ctx, params, body }) =>
      decideApplication(
        ctx,
        params.id!,
        field(body, 'decision') === 'reject'
          ? { decision: 'reject', note: field(body, 'note') }
          : {
              decision: field(body, 'decision'),
              fingerprint: field(body, 'fingerprint'),
              tiers: [{ project: field(body, 'project'), tier: field(body, 'tier') }],
              ...(optional(body, 'note') ? { note: optional(body, 'note') } : {}),
            },
      ),
    done: (o) => doneAt('/admin/stakeholders', o.status === 'approved' ? 'approved' : 'rejected'),
    refused: (input, { values, problem }) =>
      stakeholdersPage(input, problem.status, { form: `decide:${input.params.id}`, values, problem }, null),
  }),
  formPost({
    url: '/admin/stakeholders/:id/remove',
    policy: 'stakeholders.manage',
    signInNext: back,
    run: ({ ctx, params }) => removeStakeholder(ctx, params.id!),
    done: () => doneAt('/admin/stakeholders', 'removed'),
    refused: (input, { values, problem }) =>
      stakeholdersPage(input, problem.status, { form: `remove:${input.params.id}`, values, problem }, null),
  }),
]);
