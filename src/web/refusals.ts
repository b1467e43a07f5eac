import type { FastifyReply } from 'fastify';
import { html } from './html.ts';
import { layout, sendHtml, startOf, type Viewer } from './common.ts';

// The page shown when a form post on a session lacks its CSRF token: nothing was changed.

export function csrfRefused(reply: FastifyReply, viewer: Viewer): FastifyReply {
  return sendHtml(
    reply,
    403,
    layout({
      title: 'Refused',
      viewer,
      error: 'The form’s security token is missing or wrong, so nothing was changed. Reload the page and try again.',
      body: html`<p><a href="${startOf(viewer)}">${viewer.portal ? 'Back to the portal' : viewer.principal ? 'Back to the queue' : 'Back to the start'}</a></p>`,
    }),
  );
}
