import type { FastifyReply } from 'fastify';
import { html } from './html.ts';
import { input, layout, sendHtml, type Viewer } from './common.ts';

// The stakeholder portal's sign-in page: an organisation gives its alias and gets a one-time link
// there, encrypted to the alias's key. It is what any portal page shows without the organisation's
// session — never a person's sign-in, which opens nothing of the portal.

export function portalSignInPage(
  reply: FastifyReply,
  viewer: Viewer,
  o: { status: number; flash?: string | null; error?: string | null; alias?: string; aliasError?: string | undefined },
): FastifyReply {
  return sendHtml(
    reply,
    o.status,
    layout({
      title: 'Stakeholder portal',
      viewer: { ...viewer, portal: null },
      flash: o.flash ?? null,
      error: o.error ?? null,
      body: html`<p>Organisations told of vulnerabilities before the public read here what their tier may know of each incident,
        acknowledge it and ask the security team.</p>
      <form method="post" action="/portal/sign-in" class="stack" aria-label="Ask for a sign-in link">
        ${input({
          name: 'alias',
          label: "Your organisation's security alias",
          type: 'email',
          required: true,
          autocomplete: 'email',
          value: o.alias ?? '',
          error: o.aliasError,
          hint: 'The address the security team knows you by. A one-time sign-in link goes there, encrypted to its key.',
        })}
        <p><button type="submit">Send me a sign-in link</button></p>
      </form>
      <p class="muted">Not a stakeholder yet? <a href="/stakeholders/apply">Apply to be told early</a>.</p>`,
    }),
  );
}
