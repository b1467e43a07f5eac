import { defineRoutes } from '../route.ts';
import { SignedReplyInput, signedReplyFromBrowser } from '../../app/relay/relay-web.ts';

// Replies to the reporter signed by the member's own key, for clients that sign themselves (the web
// page's script, or a member's own tooling around gpg): the MIME entity exactly as signed and its
// detached signature. The server verifies against the member's confirmed key and relays it intact.

export const relayRoutes = defineRoutes([
  {
    method: 'POST',
    url: '/api/reports/:id/signed-replies',
    policy: 'signed-in',
    tag: 'cases',
    status: 201,
    body: SignedReplyInput,
    summary:
      'Reply to the reporter with a reply you signed: entity (text/plain; charset=utf-8, 7bit or quoted-printable, CRLF) and its armored detached signature. ' +
      'Verified against your confirmed key; the reporter gets it encrypted to their key with your signature intact (in clear only where the profile allows it). 409 when nothing may be sent.',
    handler: ({ ctx, params, body }) => signedReplyFromBrowser(ctx, params.id!, body),
  },
]);
