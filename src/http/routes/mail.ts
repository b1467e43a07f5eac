import { defineRoutes, NoQuery } from '../route.ts';
import { listFailedDeliveries, resendDelivery } from '../../app/delivery/deliveries.ts';
import { listQueuedDeliveries, outboundMailStatus, sendTestMail, TestMailInput } from '../../app/delivery/outbound-status.ts';
import {
  AliasInput,
  ImapAccountInput,
  mailSettings,
  removeAlias,
  removeImapAccount,
  saveImapAccount,
  setAlias,
  setSmtpRelay,
  SmtpRelayInput,
} from '../../app/delivery/settings.ts';

// Mail: whether outbound mail goes out, the queued and failed deliveries with resend (admins and the
// central team), and the mail settings (admins): aliases, SMTP relay, IMAP accounts, a test mail.
// Passwords go in, never come back out.

export const mailRoutes = defineRoutes([
  {
    method: 'GET',
    url: '/api/deliveries/failed',
    policy: 'signed-in',
    tag: 'mail',
    query: NoQuery,
    summary: 'Deliveries that failed (refused, bounced, held for want of a key, given up), newest first, with the reason.',
    handler: async ({ ctx, query }) => (NoQuery.parse(query), { deliveries: await listFailedDeliveries(ctx) }),
  },
  {
    method: 'GET',
    url: '/api/deliveries/queued',
    policy: 'signed-in',
    tag: 'mail',
    query: NoQuery,
    summary: 'Deliveries not sent yet, oldest first, with the next attempt and why the last one did not send.',
    handler: async ({ ctx, query }) => (NoQuery.parse(query), { deliveries: await listQueuedDeliveries(ctx) }),
  },
  {
    method: 'GET',
    url: '/api/deliveries/status',
    policy: 'signed-in',
    tag: 'mail',
    query: NoQuery,
    summary:
      'Whether outbound mail goes out, and why not (no SMTP relay, no team key, no delivery job), with the counts waiting and failed.',
    handler: async ({ ctx, query }) => (NoQuery.parse(query), outboundMailStatus(ctx)),
  },
  {
    method: 'POST',
    url: '/api/admin/mail-settings/test-mail',
    policy: 'admin',
    tag: 'mail',
    status: 201,
    body: TestMailInput,
    summary: "Queue a test mail through the relay (to the admin's own address unless another is given); refused while no relay is set up.",
    handler: ({ ctx, body }) => sendTestMail(ctx, body),
  },
  {
    method: 'POST',
    url: '/api/deliveries/:id/resend',
    policy: 'signed-in',
    tag: 'mail',
    summary: 'Queue a failed delivery again (same Message-ID; built afresh with the keys on file now).',
    handler: async ({ ctx, params }) => (await resendDelivery(ctx, params.id!), { ok: true }),
  },
  {
    method: 'GET',
    url: '/api/admin/mail-settings',
    policy: 'admin',
    tag: 'mail',
    summary: 'Aliases, SMTP relay and IMAP accounts (no passwords), each marked as set in the config file or here.',
    handler: ({ ctx }) => mailSettings(ctx),
  },
  {
    method: 'PUT',
    url: '/api/admin/mail-settings/smtp-relay',
    policy: 'admin',
    tag: 'mail',
    body: SmtpRelayInput,
    summary: 'Set the SMTP relay (a password left out keeps the stored one; null removes it).',
    handler: async ({ ctx, body }) => (await setSmtpRelay(ctx, body), { ok: true }),
  },
  {
    method: 'PUT',
    url: '/api/admin/mail-settings/aliases',
    policy: 'admin',
    tag: 'mail',
    body: AliasInput,
    summary: 'Add or change an alias: the address and the team (slug) whose mail it is.',
    handler: async ({ ctx, body }) => (await setAlias(ctx, body), { ok: true }),
  },
  {
    method: 'DELETE',
    url: '/api/admin/mail-settings/aliases/:address',
    policy: 'admin',
    tag: 'mail',
    summary: "Remove an alias added here (not a team's own alias, not one from the config file).",
    handler: async ({ ctx, params }) => (await removeAlias(ctx, params.address!), { ok: true }),
  },
  {
    method: 'PUT',
    url: '/api/admin/mail-settings/imap-accounts',
    policy: 'admin',
    tag: 'mail',
    body: ImapAccountInput,
    summary: 'Add or change an IMAP account by name (a password left out keeps the stored one).',
    handler: async ({ ctx, body }) => saveImapAccount(ctx, body),
  },
  {
    method: 'DELETE',
    url: '/api/admin/mail-settings/imap-accounts/:name',
    policy: 'admin',
    tag: 'mail',
    summary: 'Remove an IMAP account added here.',
    handler: async ({ ctx, params }) => (await removeImapAccount(ctx, params.name!), { ok: true }),
  },
]);
