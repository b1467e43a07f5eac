import { listAdminActivity } from '../../app/admin/activity.ts';
import { html } from '../html.ts';
import { layout, scrollTable, sendHtml, zoneOf } from '../common.ts';
import { when } from '../format.ts';
import { adminNav } from '../admin-nav.ts';
import { definePages } from '../route.ts';

// Admin page /admin/activity: every admin action of the audit log, newest first, with who did it,
// when and from which address, and API tokens used from a new address. Admins watch each other here.

const WHAT: Record<string, string> = {
  'person.added': 'added a person',
  'person.enrollment_reissued': 'reset password and authenticator',
  'person.disabled': 'disabled a person',
  'person.enabled': 'enabled a person',
  'team.created': 'created a team',
  'team.member_added': 'added a team member',
  'team.member_removed': 'removed a team member',
  'project.created': 'created a project',
  'project.subsystem_contacts_set': 'set subsystem contacts',
  'role.appointed': 'appointed a role',
  'role.appointment_ended': 'ended a role appointment',
  'instance.initialised': 'set up the desk',
  'instance.profile_updated': 'changed the process profile',
  'mail.smtp_relay_set': 'changed the SMTP relay',
  'mail.alias_set': 'set a mail alias',
  'mail.alias_removed': 'removed a mail alias',
  'mail.imap_account_saved': 'saved an IMAP account',
  'mail.imap_account_removed': 'removed an IMAP account',
  'mail.config_applied': 'mail settings from the config file applied',
  'mail.test_queued': 'sent a test mail',
  'mail.retried': 'retried inbound mail',
  'mail.delivery_resent': 'resent a failed delivery',
  'cve.account_set': 'changed the CVE Services account',
  'cve.account_removed': 'removed the CVE Services account',
  'cve.block_added': 'added CVE ids',
  'cve.removed_from_pool': 'removed a CVE id',
  'stakeholder.added': 'added a stakeholder organisation',
  'stakeholder.approved': 'approved a stakeholder organisation',
  'stakeholder.rejected': 'rejected a stakeholder organisation',
  'stakeholder.removed': 'removed a stakeholder organisation',
  'stakeholder.tiers_set': "set a stakeholder organisation's tiers",
  'team_key.generated': 'generated a team key',
  'team_key.imported': 'imported a team key',
  'auth.api_token_created': 'created an API token',
  'auth.api_token_revoked': 'revoked an API token',
  'auth.api_token_new_place': 'API token used from a new address',
  'auth.reauthenticated': 'confirmed with password and code',
  'auth.unlocked': 'lifted a sign-in lock',
};

export const adminActivityPages = definePages([
  {
    method: 'GET',
    url: '/admin/activity',
    policy: 'admin.manage',
    handler: async ({ ctx, viewer, reply }) => {
      const events = await listAdminActivity(ctx);
      return sendHtml(
        reply,
        200,
        layout({
          title: 'Admin activity',
          viewer,
          body: html`${adminNav('/admin/activity')}
      <p class="muted">Every change an admin made, from the audit log, with the address it came from. The command line at the
        server (and the desk's own start-up) have no address. An API token used from an address it was never used from before is listed as well.</p>
      ${
        events.length === 0
          ? html`<p>No admin actions yet.</p>`
          : scrollTable(
              'Admin actions',
              html`<table>
        <caption class="visually-hidden">Admin actions from the audit log, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Subject</th><th scope="col">From address</th></tr></thead>
        <tbody>${events.map(
          (e) => html`<tr>
          <td>${when(e.at, zoneOf(viewer))}</td>
          <td>${e.actor}</td>
          <td>${WHAT[e.action] ?? e.action}</td>
          <td>${e.subject}</td>
          <td>${e.ip ? html`<code>${e.ip}</code>` : html`<span class="muted">${e.actorId ? 'none recorded' : 'at the server'}</span>`}</td>
        </tr>`,
        )}</tbody></table>`,
            )
      }`,
        }),
      );
    },
  },
]);
