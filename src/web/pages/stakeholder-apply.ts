import { applyAsStakeholder } from '../../app/stakeholders/orgs.ts';
import { stakeholderChoices, type StakeholderChoices } from '../../app/stakeholders/choices.ts';
import { html, type Html } from '../html.ts';
import { field, input, layout, select, sendHtml, textarea, type FormBody, type FormProblem } from '../common.ts';
import { formPost, type Labels } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';

// The public application of an organisation that wants to be told of vulnerabilities before the
// public: what it is, its security alias and that alias's key, the tier of a project it asks for, and
// its statement that it accepts the disclosure policy. No session; rate-limited per address like the
// report form. Nothing is granted until the central team approves it, after checking the key's
// fingerprint with the organisation out of band — the page it gets back shows that fingerprint.

const LABELS: Labels = {
  name: ['name', 'The name'],
  alias: ['alias', 'The alias'],
  about: ['about', 'What the organisation is'],
  timeZone: ['timeZone', 'The time zone'],
  holidayRegion: ['holidayRegion', 'The holiday region'],
  project: ['project', 'The project'],
  tier: ['tier', 'The tier'],
  publicKey: ['publicKey', 'The public key'],
  statement: ['statement', 'The statement'],
  acceptsPolicy: ['acceptsPolicy', 'Accepting the policy'],
  'application[0].project': ['project', 'The project'],
  'application[0].tier': ['tier', 'The tier'],
};

function applicationForm(choices: StakeholderChoices, values: FormBody, problem: FormProblem | null): Html {
  const v = (k: string, fallback = '') => (typeof values[k] === 'string' ? (values[k] as string) : fallback);
  const e = (k: string) => problem?.fields[k];
  const accepted = v('acceptsPolicy') === 'yes';
  return html`<p>Distributors, silicon vendors and others who ship what the desk's projects make can ask to be told of vulnerabilities
    before the public, under embargo, in one of the profile's tiers. The central security team reviews each application and checks
    your key's fingerprint with you before anything is sent.</p>
  <form method="post" action="/stakeholders/apply" class="stack">
    ${input({ name: 'name', label: 'Organisation', required: true, value: v('name'), error: e('name'), autocomplete: 'organization' })}
    ${input({ name: 'alias', label: 'Security alias', type: 'email', required: true, value: v('alias'), error: e('alias'), hint: 'A contact alias of your security team (like psirt@example.com), not a person’s address: everything is sent there.' })}
    ${textarea({ name: 'about', label: 'What your organisation is, and why it needs early warning', required: true, rows: 4, value: v('about'), error: e('about') })}
    ${input({ name: 'timeZone', label: 'Time zone', required: true, value: v('timeZone', 'UTC'), error: e('timeZone'), hint: 'Like Europe/Berlin or America/New_York: the dates you are sent are in it.' })}
    ${input({ name: 'holidayRegion', label: 'Your public holidays (optional)', value: v('holidayRegion', ''), error: e('holidayRegion'), hint: 'A region like US, GB-ENG or DE-BY: we avoid deadlines on its holidays.' })}
    ${select({
      name: 'project',
      label: 'Project',
      required: true,
      value: v('project'),
      error: e('project'),
      options: choices.projects.map((p) => ({ value: p.slug, label: p.name })),
    })}
    ${select({
      name: 'tier',
      label: 'Tier you ask to join',
      required: true,
      value: v('tier'),
      error: e('tier'),
      options: choices.tiers.map((t) => ({ value: t.id, label: t.name })),
    })}
    ${textarea({ name: 'publicKey', label: 'OpenPGP public key of the alias (armored)', required: true, rows: 8, value: v('publicKey'), error: e('publicKey'), hint: 'Everything sent to you is encrypted to it; it must carry the alias as a user id.' })}
    ${textarea({ name: 'statement', label: 'Your statement on the disclosure policy', required: true, rows: 3, value: v('statement'), error: e('statement'), hint: 'For example: we keep embargoed details confidential until the public disclosure and use them only to prepare fixes.' })}
    <div class="field${e('acceptsPolicy') ? ' has-error' : ''}">
      ${e('acceptsPolicy') ? html`<p class="field-error" id="accepts-err">${e('acceptsPolicy')}</p>` : ''}
      <div class="choice"><label><input type="checkbox" name="acceptsPolicy" value="yes"${accepted ? html` checked` : ''}${e('acceptsPolicy') ? html` aria-describedby="accepts-err" aria-invalid="true"` : ''} required> We accept the disclosure policy</label></div>
    </div>
    <p><button type="submit">Apply</button></p>
  </form>`;
}

async function applyPage({ ctx, viewer, reply }: PageInput, status: number, values: FormBody, problem: FormProblem | null) {
  const choices = await stakeholderChoices(ctx);
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Apply to be told early',
      viewer,
      error: problem?.message ?? null,
      body: applicationForm(choices, values, problem),
    }),
  );
}

export const stakeholderApplyPages = definePages([
  {
    method: 'GET',
    url: '/stakeholders/apply',
    policy: 'public',
    handler: (input) => applyPage(input, 200, {}, null),
  },
  formPost({
    url: '/stakeholders/apply',
    policy: 'public',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    labels: LABELS,
    notFound: 'form',
    run: ({ ctx, body }) =>
      applyAsStakeholder(ctx, {
        name: field(body, 'name'),
        alias: field(body, 'alias'),
        about: field(body, 'about'),
        timeZone: field(body, 'timeZone'),
        ...(field(body, 'holidayRegion').trim() ? { holidayRegion: field(body, 'holidayRegion') } : {}),
        project: field(body, 'project'),
        tier: field(body, 'tier'),
        publicKey: field(body, 'publicKey'),
        statement: field(body, 'statement'),
        // A checkbox not ticked is not sent at all: the use case refuses anything but true.
        acceptsPolicy: field(body, 'acceptsPolicy') === 'yes',
      }),
    done: (r, { viewer, reply }) =>
      sendHtml(
        reply,
        201,
        layout({
          title: 'Your application is received',
          viewer,
          body: html`<p>The central security team will review it. Before anything is sent to you, they will check with you, out of band,
            that the key they hold is yours: its fingerprint is</p>
            <p class="secret" id="fingerprint"><code>${r.fingerprint.replace(/(.{4})/g, '$1 ').trim()}</code></p>
            <p>Once approved, sign in to the <a href="/portal">stakeholder portal</a> with your alias.</p>`,
        }),
      ),
    refused: (input, { values, problem }) => applyPage(input, problem.status, values, problem),
  }),
]);
