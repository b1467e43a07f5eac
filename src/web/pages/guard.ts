import type { FastifyReply, FastifyRequest } from 'fastify';
import { mayDo, type DeskAction, type PersonPrincipal } from '../../domain/access.ts';
import { csrfOk, notFoundPage, seeOther, viewerOf, type Viewer, type WebDeps } from '../common.ts';
import { csrfRefused } from './account.ts';

// The door of a page meant for some people only (admins, the central team). Someone not signed in
// is sent to sign in and back; someone the page is not for sees "not found", so the page's existence
// tells them nothing; a form post without the session's CSRF token is refused.

/** A page for those the permission vocabulary allows the desk-wide action (the use cases ask the same). */
export const allowedTo =
  (action: DeskAction) =>
  (p: PersonPrincipal): boolean =>
    mayDo(p, action);

/** The viewer when they may go on; null when a reply (redirect, 404, CSRF refusal) was sent. */
export async function guardPage(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  o: { post: boolean; allow: (p: PersonPrincipal) => boolean; signInNext?: string },
): Promise<Viewer | null> {
  const viewer = await viewerOf(deps, request);
  if (!viewer.principal) {
    await seeOther(reply, `/signin?next=${encodeURIComponent(o.signInNext ?? request.url.split('?')[0]!)}`);
    return null;
  }
  if (!o.allow(viewer.principal)) {
    await notFoundPage(reply, viewer);
    return null;
  }
  if (o.post && !csrfOk(request, viewer.csrfToken)) {
    await csrfRefused(reply, viewer);
    return null;
  }
  return viewer;
}
