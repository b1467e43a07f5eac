import { isInitialised } from '../../app/admin/instance.ts';
import { listShippedProfiles, loadProfile } from '../../process/loader.ts';
import { aliasesOf, DOMAIN_PLACEHOLDER, type DeskAlias } from '../../process/desk-addresses.ts';
import { html, type Html } from '../html.ts';
import {
  baseUrl,
  field,
  FormRefusal,
  input,
  layout,
  notFoundPage,
  scrollTable,
  sendHtml,
  type FormBody,
  type FormProblem,
  type Viewer,
} from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages } from '../route.ts';
import { timeZoneField } from '../time-zone-field.ts';

// First-run setup: the process profile, the desk's name and time zone, its mail domain and lists,
// and the first admin, who then gets an enrollment link. Once the desk is set up the page is "not
// found". The shipped profiles name no team's lists ("{domain}"): the page asks for the team's.

const NOBODY: Viewer = { principal: null, csrfToken: null };

const PROFILE_LABELS: Record<string, string> = {
  'trusted-firmware': 'Trusted Firmware — central triager claims, forwards to project teams',
  tock: 'Tock — triage coordinator, severity → priority, subsystem contacts',
};

/** Each shipped profile's aliases, as the form asks for them: one optional field per alias. */
function profileAliases(): { profile: string; aliases: DeskAlias[] }[] {
  return listShippedProfiles().map((p) => ({ profile: p.id, aliases: aliasesOf(loadProfile(p.id)) }));
}

const aliasField = (profile: string, alias: string) => `alias.${profile}.${alias}`;

/** An address of the profile with its placeholders in words, for the field's hint. */
const inWords = (address: string) => address.replace(DOMAIN_PLACEHOLDER, 'your mail domain');

function mailFields(v: (k: string) => string, e: Record<string, string>, chosen: string): Html {
  return html`<fieldset>
        <legend>Mail addresses</legend>
        <p class="hint">The desk receives reports at your team's own lists and copies them on mail to reporters. Your mail domain gives every
          address below; write an address only for a list that lives elsewhere.</p>
        ${input({ name: 'mailDomain', label: 'Mail domain of your lists', hint: 'For example lists.example.org: the central alias becomes security@lists.example.org.', required: true, value: v('mailDomain'), error: e.mailDomain, autocomplete: 'off' })}
        ${profileAliases().map(
          ({ profile, aliases }) => html`<fieldset>
          <legend>Lists of the ${PROFILE_SHORT[profile] ?? profile} process${profile === chosen ? '' : ' (used if you choose it)'}</legend>
          ${aliases.map((a) =>
            input({
              name: aliasField(profile, a.id),
              label: `${a.description ?? a.id}${a.inbound ? '' : ' (outbound only)'}`,
              hint: `Leave empty for ${inWords(a.address)}${a.address.includes('{project}') ? " ({project} is the project's slug)" : ''}.`,
              value: v(aliasField(profile, a.id)),
              error: e[aliasField(profile, a.id)],
              autocomplete: 'off',
            }),
          )}
        </fieldset>`,
        )}
      </fieldset>`;
}

const PROFILE_SHORT: Record<string, string> = { 'trusted-firmware': 'Trusted Firmware', tock: 'Tock' };

function setupForm(values: FormBody, problem: FormProblem | null): Html {
  const v = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : '');
  const profile = v('profile') || 'trusted-firmware';
  const e = problem?.fields ?? {};
  return html`<p>This desk is not set up yet. Choose the process it runs and name its first admin.
      The admin then gets an enrollment link to set a password and an authenticator.</p>
    <form method="post" action="/setup" class="stack">
      ${
        v('setupToken')
          ? html`<input type="hidden" name="setupToken" value="${v('setupToken')}">`
          : input({
              name: 'setupToken',
              label: 'Setup token',
              hint: 'Printed by embargo serve when it started on an empty desk.',
              required: true,
              value: '',
              error: e.setupToken,
              autocomplete: 'off',
            })
      }
      <fieldset>
        <legend>Process profile</legend>
        ${e.profile ? html`<p class="field-error">${e.profile}</p>` : ''}
        ${listShippedProfiles().map((p) => html`<div class="choice"><label><input type="radio" name="profile" value="${p.id}"${p.id === profile ? html` checked` : ''}> ${PROFILE_LABELS[p.id] ?? p.id}</label></div>`)}
      </fieldset>
      ${input({ name: 'name', label: 'Name of this desk', hint: 'For example "Trusted Firmware Security Team".', required: true, value: v('name'), error: e.name })}
      ${timeZoneField({ name: 'timeZone', label: 'Time zone of the desk', hint: 'Type a city or region, like Europe/London or Asia/Kolkata. Deadlines of unowned reports count working days here.', required: true, value: v('timeZone') || 'UTC', error: e.timeZone })}
      ${mailFields(v, e, profile)}
      <fieldset>
        <legend>First admin</legend>
        ${input({ name: 'adminName', label: 'Name', required: true, value: v('adminName'), error: e.adminName, autocomplete: 'name' })}
        ${input({ name: 'adminEmail', label: 'E-mail', type: 'email', required: true, value: v('adminEmail'), error: e.adminEmail, autocomplete: 'email' })}
      </fieldset>
      <p><button type="submit">Set up the desk</button></p>
    </form>`;
}

/** The API's answer paths → the form's fields, and the fields' names in a sentence. */
const FIELD_OF: Record<string, string> = {
  setupToken: 'setupToken',
  name: 'name',
  timeZone: 'timeZone',
  profile: 'profile',
  'admin.name': 'adminName',
  'admin.email': 'adminEmail',
  'mail.domain': 'mailDomain',
};
const LABEL_OF: Record<string, string> = {
  name: 'The name of the desk',
  timeZone: 'The time zone',
  profile: 'The profile',
  adminName: "The admin's name",
  adminEmail: "The admin's e-mail",
  mailDomain: 'The mail domain',
};

/** The form field a refusal's path is about (the use case's own paths, or the route's under "instance."). */
function fieldOf(path: string, profile: string): string | undefined {
  const p = path.replace(/^instance\./, '');
  const alias = /^mail\.aliases\.([\w-]+)$/.exec(p);
  return alias ? aliasField(profile, alias[1]!) : FIELD_OF[p];
}

interface ApiAnswer {
  enrollmentToken?: string;
  aliases?: DeskAlias[];
  projects?: string[];
  error?: { code: string; message: string; details: { path?: string; message: string }[] };
}

/** The API's refusal of setup as the form's sentence and per-field messages. */
function refusalOf(status: number, json: ApiAnswer, profile: string): FormRefusal {
  const fields: Record<string, string> = {};
  const sentences: string[] = [];
  for (const d of json.error?.details ?? []) {
    const f = fieldOf(d.path ?? '', profile);
    if (f) {
      fields[f] ??= d.message;
      sentences.push(`${LABEL_OF[f] ?? (f.startsWith('alias.') ? `The address ${f.split('.')[2]}` : f)}: ${d.message}.`);
    }
  }
  const message =
    json.error?.code === 'validation_failed' && sentences.length
      ? `Please correct the form: ${sentences.join(' ')}`
      : (json.error?.message ?? 'The desk could not be set up.');
  return new FormRefusal({ status, code: json.error?.code ?? 'bad_request', message, fields });
}

const SETUP_FIELDS = ['setupToken', 'profile', 'name', 'timeZone', 'mailDomain', 'adminName', 'adminEmail'] as const;

/** Every field the form has: the fixed ones and each shipped profile's alias fields. */
const allFields = () => [...SETUP_FIELDS, ...profileAliases().flatMap((p) => p.aliases.map((a) => aliasField(p.profile, a.id)))];

export const setupPages = definePages([
  {
    method: 'GET',
    url: '/setup',
    policy: 'public',
    handler: async ({ app, viewer, query, reply }) => {
      if (await isInitialised(app.db)) return notFoundPage(reply, viewer);
      return sendHtml(
        reply,
        200,
        layout({ title: 'Set up Embargo', viewer: NOBODY, body: setupForm({ setupToken: field(query, 'token') }, null) }),
      );
    },
  },
  formPost({
    url: '/setup',
    policy: 'public',
    rateLimitPerMinute: () => 10,
    // Once set up, the page does not exist: the form's refusal is the 404 page.
    run: async ({ app, body, request }) => {
      if (await isInitialised(app.db)) throw new FormRefusal({ status: 404, code: 'not_found', message: 'Not found.' });
      const v = Object.fromEntries(SETUP_FIELDS.map((k) => [k, field(body, k)])) as Record<(typeof SETUP_FIELDS)[number], string>;
      // The addresses typed for the chosen profile's lists; an empty field keeps the domain's address.
      const chosen = profileAliases().find((p) => p.profile === v.profile);
      const aliases = Object.fromEntries(
        (chosen?.aliases ?? [])
          .map((a) => [a.id, field(body, aliasField(chosen!.profile, a.id)).trim()])
          .filter(([, address]) => address !== ''),
      );
      // The API route holds the setup token check; the page goes through it so there is one gate.
      const res = await request.server.inject({
        method: 'POST',
        url: '/api/setup',
        payload: {
          setupToken: v.setupToken,
          instance: {
            name: v.name,
            profile: v.profile,
            timeZone: v.timeZone,
            admin: { name: v.adminName, email: v.adminEmail },
            mail: { ...(v.mailDomain.trim() ? { domain: v.mailDomain } : {}), aliases },
          },
        },
      });
      const json = res.json() as ApiAnswer;
      if (res.statusCode === 201 && json.enrollmentToken) return json as ApiAnswer & { enrollmentToken: string };
      throw refusalOf(res.statusCode, json, v.profile);
    },
    done: (answer, { app, request, reply }) => {
      const link = `${baseUrl(app, request)}/enroll/${encodeURIComponent(answer.enrollmentToken)}`;
      return sendHtml(
        reply,
        201,
        layout({
          title: 'The desk is set up',
          viewer: NOBODY,
          body: html`<p>Open this enrollment link to set the admin's password and authenticator. It is shown only now and works for 7 days.</p>
            <p class="secret"><a href="${link}">${link}</a></p>
            <h2>Its mail addresses</h2>
            <p>Route these lists to the desk (an SMTP listener or an IMAP mailbox: see Mail settings once signed in).</p>
            ${scrollTable(
              'Mail addresses of the desk',
              html`<table id="desk-aliases"><thead><tr><th scope="col">List</th><th scope="col">Address</th></tr></thead>
              <tbody>${(answer.aliases ?? []).map((a) => html`<tr><td>${a.description ?? a.id}${a.inbound ? '' : ' (outbound only)'}</td><td><code>${a.address}</code></td></tr>`)}</tbody></table>`,
            )}
            ${answer.projects?.length ? html`<p>The profile's projects are created, each with its security team: ${answer.projects.join(', ')}.</p>` : ''}`,
        }),
      );
    },
    refused: async ({ reply }, { values, problem }) => {
      const typed = Object.fromEntries(allFields().map((k) => [k, field(values, k)]));
      return sendHtml(
        reply,
        problem.status,
        layout({ title: 'Set up Embargo', viewer: NOBODY, error: problem.message, body: setupForm(typed, problem) }),
      );
    },
  }),
]);
