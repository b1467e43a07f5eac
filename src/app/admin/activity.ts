import { requireAdmin, type Ctx } from '../context.ts';

// What admins did, for admins to see: the audit events of administration (people, teams, projects,
// roles, the profile, mail servers and aliases, the CNA account and CVE pool, stakeholder organisations, team keys, API tokens
// and step-ups, locks lifted by an admin), newest first, with who did it, when and from which address
// (recorded for every action a person takes through the API or the pages: src/app/context.ts). The
// operator's commands at the server's shell have no address. An API token used from an address it
// was never used from before is listed too: a stolen token shows up here with the address it came from.

export const ADMIN_ACTIONS = [
  'person.added',
  'person.enrollment_reissued',
  'person.disabled',
  'person.enabled',
  'team.created',
  'team.member_added',
  'team.member_removed',
  'project.created',
  'project.subsystem_contacts_set',
  'role.appointed',
  'role.appointment_ended',
  'instance.initialised',
  'instance.profile_updated',
  'mail.smtp_relay_set',
  'mail.alias_set',
  'mail.alias_removed',
  'mail.imap_account_saved',
  'mail.imap_account_removed',
  'mail.config_applied',
  'mail.test_queued',
  'mail.retried',
  'mail.delivery_resent',
  'cve.account_set',
  'cve.account_removed',
  'cve.block_added',
  'cve.removed_from_pool',
  'stakeholder.added',
  'stakeholder.approved',
  'stakeholder.rejected',
  'stakeholder.removed',
  'stakeholder.tiers_set',
  'team_key.generated',
  'team_key.imported',
  'auth.api_token_created',
  'auth.api_token_revoked',
  'auth.api_token_new_place',
  'auth.reauthenticated',
  'auth.unlocked',
] as const;

export interface AdminActivity {
  seq: number;
  at: string;
  action: string;
  /** Who did it: a person's name, or the operator at the server's shell. */
  actor: string;
  actorId: string | null;
  subjectType: string;
  /** The subject in words where the desk has them (a person's name, a team's or project's slug). */
  subject: string;
  /** The address the request came from; null for the command line and the desk's own jobs. */
  ip: string | null;
}

export async function listAdminActivity(ctx: Ctx, limit = 200): Promise<AdminActivity[]> {
  requireAdmin(ctx);
  const r = await ctx.app.db.query<{
    seq: number;
    at: Date;
    action: string;
    actor_id: string | null;
    actor_label: string;
    actor_name: string | null;
    subject_type: string;
    subject_id: string;
    subject_name: string | null;
    data: Record<string, unknown>;
  }>(
    `SELECT a.seq, a.at, a.action, a.actor_id, a.actor_label, pa.name AS actor_name, a.subject_type, a.subject_id, a.data,
            CASE a.subject_type
              WHEN 'person' THEN (SELECT name FROM people WHERE id::text = a.subject_id)
              WHEN 'team' THEN (SELECT slug FROM teams WHERE id::text = a.subject_id)
              WHEN 'project' THEN (SELECT slug FROM projects WHERE id::text = a.subject_id)
            END AS subject_name
       FROM audit_events a LEFT JOIN people pa ON pa.id = a.actor_id
      WHERE a.action = ANY($1) AND (a.action <> 'auth.unlocked' OR a.data->>'via' = 'admin')
      ORDER BY a.seq DESC LIMIT $2`,
    [[...ADMIN_ACTIONS], Math.max(1, Math.min(limit, 1000))],
  );
  return r.rows.map((row) => ({
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    action: row.action,
    actor: row.actor_name ?? row.actor_label,
    actorId: row.actor_id,
    subjectType: row.subject_type,
    subject: row.subject_name ?? row.subject_id,
    ip: typeof row.data.ip === 'string' ? row.data.ip : null,
  }));
}
