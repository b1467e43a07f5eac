import { submitReport } from '../../app/intake/intake.ts';
import { REPORTER_CREDIT_CHOICES } from '../../domain/reporter-facing.ts';
import { html, type Html } from '../html.ts';
import { baseUrl, field, input, layout, nullable, sendHtml, textarea, type FormBody, type FormProblem } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages } from '../route.ts';

// The public report form. No session is involved; the post is rate-limited per address, and the
// reporter's private status link is shown once, in the response.

const SENSITIVE_ROWS = 4;

const LABELS: Record<string, [string, string]> = {
  title: ['title', 'The title'],
  body: ['body', 'The description'],
  'reporter.name': ['name', 'Your name'],
  'reporter.email': ['email', 'Your e-mail address'],
  'reporter.organisation': ['organisation', 'The organisation'],
  'reporter.handle': ['handle', 'The handle'],
  product: ['product', 'The product information'],
  creditPreference: ['creditPreference', 'The credit preference'],
};
for (let i = 0; i < 50; i++) {
  LABELS[`sensitive.${i}.label`] = [`label_${i}`, `The label of sensitive field ${i + 1}`];
  LABELS[`sensitive.${i}.value`] = [`value_${i}`, `The value of sensitive field ${i + 1}`];
}

function reportForm(values: FormBody, problem: FormProblem | null): Html {
  const v = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : '');
  const e = (k: string) => problem?.fields[k];
  const credit = v('creditPreference') || 'name';
  return html`<p>Tell us about a security vulnerability. What you write here reaches the security team only; it is stored encrypted.
    After sending you get a private link to follow your report and talk to the team.</p>
  <form method="post" action="/report" class="stack">
    ${input({ name: 'title', label: 'Title', required: true, value: v('title'), error: e('title'), hint: 'A short summary, e.g. "Stack overflow in the image loader".' })}
    ${textarea({ name: 'body', label: 'Description', required: true, value: v('body'), error: e('body'), rows: 10, hint: 'What is affected, how to reproduce it, what an attacker gains. At least 10 characters.' })}
    <fieldset>
      <legend>About you (optional)</legend>
      <p class="hint">Only the security teams see these details; they are redacted everywhere else.</p>
      ${input({ name: 'name', label: 'Your name', value: v('name'), error: e('name'), autocomplete: 'name' })}
      ${input({ name: 'email', label: 'Your e-mail address', type: 'email', value: v('email'), error: e('email'), autocomplete: 'email', hint: 'So the team can write to you; you can also follow the report through your private link only.' })}
      ${input({ name: 'organisation', label: 'Organisation', value: v('organisation'), error: e('organisation'), autocomplete: 'organization' })}
      ${input({ name: 'handle', label: 'Handle', value: v('handle'), error: e('handle'), hint: 'A nickname to credit, if you prefer.' })}
    </fieldset>
    ${textarea({ name: 'product', label: 'Product and version', value: v('product'), error: e('product'), rows: 2, hint: 'Treated as sensitive: for example the device or customer product where you found it.' })}
    <fieldset>
      <legend>Other sensitive information (optional)</legend>
      <p class="hint">Details to keep out of anything published, as label and value, e.g. "customer" — "Example Corp".</p>
      <table class="sensitive">
        <thead><tr><th scope="col">Label</th><th scope="col">Value</th></tr></thead>
        <tbody>${Array.from(
          { length: SENSITIVE_ROWS },
          (_, i) => html`<tr>
          <td><label class="visually-hidden" for="label_${i}">Label ${i + 1}</label>${e(`label_${i}`) ? html`<p class="field-error">${e(`label_${i}`)}</p>` : ''}<input id="label_${i}" name="label_${i}" value="${v(`label_${i}`)}"></td>
          <td><label class="visually-hidden" for="value_${i}">Value ${i + 1}</label>${e(`value_${i}`) ? html`<p class="field-error">${e(`value_${i}`)}</p>` : ''}<input id="value_${i}" name="value_${i}" value="${v(`value_${i}`)}"></td>
        </tr>`,
        )}</tbody>
      </table>
    </fieldset>
    <fieldset>
      <legend>How to credit you in the advisory</legend>
      ${e('creditPreference') ? html`<p class="field-error">${e('creditPreference')}</p>` : ''}
      ${REPORTER_CREDIT_CHOICES.map((c) => html`<div class="choice"><label><input type="radio" name="creditPreference" value="${c.value}"${c.value === credit ? html` checked` : ''}> ${c.label}</label></div>`)}
    </fieldset>
    <p><button type="submit">Send the report</button></p>
  </form>`;
}

export const reportFormPages = definePages([
  {
    method: 'GET',
    url: '/report',
    policy: 'public',
    handler: async ({ viewer, reply }) =>
      sendHtml(reply, 200, layout({ title: 'Report a vulnerability', viewer, body: reportForm({}, null) })),
  },
  formPost({
    url: '/report',
    policy: 'public',
    rateLimitPerMinute: (config) => config.publicFormRatePerMinute,
    labels: LABELS,
    notFound: 'form',
    // Always the anonymous web channel, even for a signed-in visitor: the form is the public door.
    run: ({ ctx, body: b }) => {
      const sensitive: { label: string; value: string }[] = [];
      for (let i = 0; i < SENSITIVE_ROWS; i++) {
        const label = field(b, `label_${i}`);
        const value = field(b, `value_${i}`);
        if (label.trim() || value.trim()) sensitive.push({ label, value });
      }
      return submitReport(ctx, 'web', {
        title: field(b, 'title'),
        body: field(b, 'body'),
        reporter: {
          name: nullable(b, 'name'),
          email: nullable(b, 'email'),
          organisation: nullable(b, 'organisation'),
          handle: nullable(b, 'handle'),
        },
        product: nullable(b, 'product'),
        sensitive,
        creditPreference: field(b, 'creditPreference') || 'name',
      });
    },
    // The link is the reporter's only key: shown in this response, never put in a redirect.
    done: (r, { app, viewer, request, reply }) => {
      const link = `${baseUrl(app, request)}/status/${encodeURIComponent(r.statusToken)}`;
      return sendHtml(
        reply,
        201,
        layout({
          title: 'Thank you: your report is received',
          viewer,
          body: html`<p>Your report's reference is <strong id="report-reference">${r.reference}</strong>. The security team will look at it.</p>
            <div class="notice">
              <p><strong>Keep this private link.</strong> It is the only way to see the status of your report and to talk to the team here, and it is shown only once.
              Anyone who has it can read the messages about your report.</p>
              <p class="secret"><a id="status-link" href="/status/${encodeURIComponent(r.statusToken)}">${link}</a></p>
            </div>`,
        }),
      );
    },
    refused: ({ viewer, reply }, { values, problem }) =>
      sendHtml(
        reply,
        problem.status,
        layout({ title: 'Report a vulnerability', viewer, error: problem.message, body: reportForm(values, problem) }),
      ),
  }),
]);
