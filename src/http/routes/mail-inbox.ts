import { defineRoutes, NoQuery } from '../route.ts';
import { inboxAttention, retryInbox } from '../../app/inbound/inbox.ts';

// The inbound mail inbox for admins: stored messages that failed, were rejected or are stuck, with
// the envelope sender, size and reason (never their content), and a retry for a failed one. The same
// use cases as `embargo mail inbox` and `embargo mail retry`.

export const mailInboxRoutes = defineRoutes([
  {
    method: 'GET',
    url: '/api/admin/mail-inbox',
    policy: 'admin',
    tag: 'mail',
    query: NoQuery,
    summary:
      'Inbound mail that needs an admin: failed (retryable), rejected and stuck messages, newest first; metadata, envelope sender and reason only.',
    handler: async ({ ctx, query }) => (NoQuery.parse(query), { messages: await inboxAttention(ctx) }),
  },
  {
    method: 'POST',
    url: '/api/admin/mail-inbox/:id/retry',
    policy: 'admin',
    tag: 'mail',
    summary: 'Put a failed inbound message back in the queue; the intake job processes it again.',
    handler: async ({ ctx, params }) => (await retryInbox(ctx, params.id!), { ok: true }),
  },
]);
