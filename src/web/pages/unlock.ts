import type { FastifyReply } from 'fastify';
import { unlockSignIn } from '../../app/auth/guard.ts';
import { html } from '../html.ts';
import { layout, sendHtml, type Viewer } from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages } from '../route.ts';

// The unlock link mailed to a person whose sign-in locked after failed attempts. Opening the link
// changes nothing (mail scanners and link previews open links): the page has a button, and the post
// lifts the lock, once. The link itself is the credential; no session is involved.

const NOBODY: Viewer = { principal: null, csrfToken: null };

function unlockPage(reply: FastifyReply, status: number, token: string, error: string | null) {
  return sendHtml(
    reply,
    status,
    layout({
      title: 'Unlock sign-in',
      viewer: NOBODY,
      error,
      body: error
        ? html`<p><a href="/signin">Sign in</a></p>`
        : html`<p>Sign-in to your account was locked after too many failed attempts. If they were yours, lift the lock
          and sign in again. If they were not, leave it in place and tell an admin of the desk.</p>
        <form method="post" action="/unlock/${token}" class="stack narrow">
          <p><button type="submit">Unlock sign-in</button></p>
        </form>`,
    }),
  );
}

export const unlockPages = definePages([
  {
    method: 'GET',
    url: '/unlock/:token',
    policy: 'public',
    rateLimitPerMinute: () => 30,
    handler: async ({ params, reply }) => unlockPage(reply, 200, params.token!, null),
  },
  formPost({
    url: '/unlock/:token',
    policy: 'public',
    rateLimitPerMinute: () => 30,
    // A used or unknown link is a sentence on this page, not the 404 page.
    notFound: 'form',
    run: ({ app, params, request }) => unlockSignIn(app, params.token!, { ip: request.ip }),
    done: () => '/signin?unlocked=1',
    refused: ({ params, reply }, { problem }) => unlockPage(reply, problem.status, params.token!, problem.message),
  }),
]);
