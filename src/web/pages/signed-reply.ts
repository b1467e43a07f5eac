import { readFileSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { signedReplyContext, signedReplyFromBrowser, checkReplyEntity, type SignedReplyContext } from '../../app/relay/relay-web.ts';
import { html, raw, type Html } from '../html.ts';
import { field, hiddenCsrf, layout, notFoundPage, optional, problemOf, sendScript, type Viewer } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';

// The signed-reply page: a reply to the reporter signed in the browser with the member's own key.
// It is the one page that needs JavaScript: OpenPGP.js and our small script, both served by Embargo itself
// (script-src 'self', nothing inline, nothing from elsewhere), and only on this page. Without
// JavaScript the page says what is needed and offers the reply address for a mail client instead.
// Before anything is signed, it says what will happen to the reporter's copy: encrypted to their key,
// sent in clear (only where the profile allows it), refused, or status page only.

/** This page only: our own scripts, nothing inline, no network access from script. */
export const SIGNED_REPLY_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SCRIPT = readFileSync(new URL('../static/signed-reply.mjs', import.meta.url), 'utf8');
// The browser build of the same OpenPGP.js release the server uses (node_modules/openpgp/dist).
const OPENPGP = readFileSync(new URL('../openpgp.min.mjs', import.meta.resolve('openpgp')), 'utf8');

function send(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply.status(status).header('content-security-policy', SIGNED_REPLY_CSP).type('text/html; charset=utf-8').send(page.value);
}

function reporterNotice(ctx: SignedReplyContext): Html {
  const r = ctx.reporter;
  switch (r.mode) {
    case 'encrypted':
      return html`<p class="flash">The reporter's copy will be encrypted to their key <code>${r.fingerprint}</code>, with your signature inside.${r.warning ? html` Note: ${r.warning}` : ''}</p>`;
    case 'plaintext':
      return html`<div class="error" role="alert"><p><strong>This reply will be sent to the reporter unencrypted</strong> (signed by you, but readable in transit): ${r.why}. This desk's process profile allows mail in clear to a reporter without a key.</p></div>`;
    case 'refused':
      return html`<div class="error" role="alert"><p>${r.why}</p></div>`;
    case 'none':
      return html`<p class="flash">The reporter gave no e-mail address: the reply will appear on their status page only.</p>`;
  }
}

function render(ctx: SignedReplyContext, viewer: Viewer, values: { subject?: string; body?: string }): Html {
  const canSign = ctx.myKey.usable && ctx.reporter.mode !== 'refused';
  const mailAlternative = ctx.replyAddress
    ? html`<p>You can also reply from your own mail client: reply to a mail of this case and address it to <code>${ctx.replyAddress}</code>, signed with your key and encrypted to the team key (its key carries that address). The desk checks your signature and relays the message to the reporter with it intact. A plain Reply to the desk's mail reaches the team only.</p>`
    : '';
  const form =
    canSign && ctx.myKey.usable
      ? html`<form method="post" action="/cases/${ctx.reportId}/signed-reply" id="signed-reply-form" data-fingerprint="${ctx.myKey.fingerprint}">
  ${hiddenCsrf(viewer)}
  <input type="hidden" name="entity" value="">
  <input type="hidden" name="signature" value="">
  <div class="field"><label for="signed-reply-subject">Subject</label>
    <p class="hint">Optional; a subject with the case reference is used otherwise. The subject is not part of what you sign.</p>
    <input id="signed-reply-subject" name="subject" type="text" value="${values.subject ?? ''}"></div>
  <div class="field"><label for="signed-reply-body">Message to the reporter <span class="req">(required)</span></label>
    <textarea id="signed-reply-body" rows="8" required>${values.body ?? ''}</textarea></div>
  <div class="field"><label for="signed-reply-key">Your private key file <span class="req">(required)</span></label>
    <p class="hint">The key whose public part is on the desk (<code>${ctx.myKey.fingerprint}</code>). It is read by this page in your browser and never sent: only the signed message and the signature are.</p>
    <input id="signed-reply-key" type="file" accept=".asc,.gpg,.key,.pgp,application/pgp-keys"></div>
  <div class="field"><label for="signed-reply-passphrase">Passphrase of the key</label>
    <input id="signed-reply-passphrase" type="password" autocomplete="off"></div>
  <div class="choice"><label><input type="checkbox" name="waitForReporter" value="true"> This asks the reporter something: pause the clocks that wait for the reporter</label></div>
  <p id="signed-reply-status" class="hint" role="status"></p>
  <button type="submit" disabled>Sign and send</button>
</form>`
      : ctx.myKey.usable
        ? ''
        : html`<div class="error" role="alert"><p>You cannot sign a reply yet: ${ctx.myKey.why}. Upload your public key on <a href="/me">your account page</a> first.</p></div>`;
  return html`<p><a href="/cases/${ctx.reportId}">Back to ${ctx.label}</a></p>
${reporterNotice(ctx)}
<noscript><div class="error"><p>Signing in the browser needs JavaScript: this page uses OpenPGP.js, served by this desk, to sign with your private key on your computer. Enable JavaScript for this site, or reply from your mail client as described below.</p></div></noscript>
<p id="signed-reply-needs-js" class="hint">This page signs your reply in the browser with your own OpenPGP key; it needs JavaScript (OpenPGP.js and one small script, both served by this desk).</p>
${form}
${mailAlternative}
${canSign ? raw('<script type="module" src="/static/signed-reply.mjs"></script>') : ''}`;
}

async function show(
  { ctx, viewer, reply, params }: PageInput,
  status: number,
  error: string | null,
  values: { subject?: string; body?: string },
) {
  const reportId = params.reportId!;
  let c: SignedReplyContext;
  try {
    c = await signedReplyContext(ctx, reportId);
  } catch (e) {
    const p = problemOf(e);
    if (p.status === 404) return notFoundPage(reply, viewer);
    if (p.status === 403)
      return send(
        reply,
        403,
        layout({ title: 'Signed reply', viewer, error: p.message, body: html`<p><a href="/cases/${reportId}">Back to the case</a></p>` }),
      );
    throw e;
  }
  return send(
    reply,
    status,
    layout({ title: `Signed reply to the reporter · ${c.label}`, viewer, error, body: render(c, viewer, values) }),
  );
}

const here = (params: Record<string, string>) => `/cases/${params.reportId}/signed-reply`;

export const signedReplyPages = definePages([
  { method: 'GET', url: '/static/signed-reply.mjs', policy: 'public', handler: async ({ reply }) => sendScript(reply, SCRIPT) },
  { method: 'GET', url: '/static/openpgp.min.mjs', policy: 'public', handler: async ({ reply }) => sendScript(reply, OPENPGP) },
  {
    method: 'GET',
    url: '/cases/:reportId/signed-reply',
    policy: 'signed-in',
    signInNext: here,
    handler: async (input) => show(input, 200, null, {}),
  },
  formPost({
    url: '/cases/:reportId/signed-reply',
    policy: 'signed-in',
    signInNext: here,
    run: ({ ctx, params, body: b }) =>
      signedReplyFromBrowser(ctx, params.reportId!, {
        entity: field(b, 'entity'),
        signature: field(b, 'signature'),
        ...(optional(b, 'subject') ? { subject: optional(b, 'subject') } : {}),
        waitForReporter: field(b, 'waitForReporter') === 'true',
      }),
    done: (_r, { params }) => `/cases/${encodeURIComponent(params.reportId!)}?done=case.reply`,
    refused: (input, { problem }) => {
      const b = input.body;
      let body = '';
      try {
        body = checkReplyEntity(field(b, 'entity'));
      } catch {
        body = '';
      }
      const message = field(b, 'entity')
        ? problem.message
        : 'Nothing was signed: this page needs JavaScript to sign your reply in the browser.';
      return show(input, problem.status, message, { ...(optional(b, 'subject') ? { subject: optional(b, 'subject')! } : {}), body });
    },
  }),
]);
