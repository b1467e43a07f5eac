import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { audit, requireAdmin, type Ctx } from '../context.ts';
import { rulesOf } from './instance.ts';
import { handOverClocks } from '../events.ts';

// Roles a profile fills by appointment rather than by claiming (Tock: "The Triage Coordinator
// (currently @charles37) is responsible for: initial review ... within 48 hours, ... assignment").
// An admin appoints the person; from then on the clocks of that role belong to them from the moment a
// report arrives (src/app/events.ts emit), so reminders reach the coordinator rather than the whole
// team, and the role's clocks already running without an owner are handed to them now.

export const AppointInput = z.strictObject({
  /** The appointee's address; null ends the appointment (the role's new clocks are unowned again). */
  email: z.string().trim().toLowerCase().email().max(320).nullable(),
});

/** Who holds each appointed role now, by role id. */
export async function appointees(tx: Queryable): Promise<Map<string, string>> {
  const r = await tx.query<{ role: string; person_id: string }>(
    'SELECT a.role, a.person_id FROM role_appointments a JOIN people p ON p.id = a.person_id WHERE NOT p.disabled',
  );
  return new Map(r.rows.map((row) => [row.role, row.person_id]));
}

export interface Appointment {
  role: string;
  name: string;
  person: { id: string; name: string; email: string | null } | null;
  appointedAt: string | null;
}

/** The profile's appointed roles and who holds each (admins). */
export async function listAppointments(ctx: Ctx): Promise<Appointment[]> {
  requireAdmin(ctx);
  const db = ctx.app.db;
  const rules = await rulesOf(db);
  const r = await db.query<{ role: string; person_id: string; name: string; email: string | null; appointed_at: Date }>(
    `SELECT a.role, a.person_id, p.name, a.appointed_at,
            (SELECT e.email FROM person_emails e WHERE e.person_id = p.id ORDER BY e.is_primary DESC, e.email LIMIT 1) AS email
       FROM role_appointments a JOIN people p ON p.id = a.person_id`,
  );
  return rules.appointedRoles.map((role) => {
    const row = r.rows.find((x) => x.role === role.id);
    return {
      role: role.id,
      name: role.name,
      person: row ? { id: row.person_id, name: row.name, email: row.email } : null,
      appointedAt: row ? new Date(row.appointed_at).toISOString() : null,
    };
  });
}

/**
 * Appoints a person to one of the profile's appointed roles (or ends the appointment). The person
 * must be on the team the role comes from (the central team for a triage coordinator).
 */
export async function appointRole(ctx: Ctx, role: string, raw: unknown): Promise<{ handedOver: number }> {
  requireAdmin(ctx);
  const input = AppointInput.parse(raw);
  const now = ctx.app.clock();
  return ctx.app.db.transaction(async (tx) => {
    const rules = await rulesOf(tx);
    const def = rules.appointedRoles.find((r) => r.id === role);
    if (!def) throw new NotFoundError('role filled by appointment');
    if (input.email === null) {
      await tx.query('DELETE FROM role_appointments WHERE role = $1', [role]);
      await audit(ctx, tx, now, { action: 'role.appointment_ended', subjectType: 'role', subjectId: role });
      return { handedOver: 0 };
    }
    const p = await tx.query<{ person_id: string; name: string; on_team: boolean }>(
      `SELECT e.person_id, pe.name,
              EXISTS (SELECT 1 FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.person_id = e.person_id AND t.kind = $2) AS on_team
         FROM person_emails e JOIN people pe ON pe.id = e.person_id WHERE e.email = $1 AND NOT pe.disabled`,
      [input.email, def.team],
    );
    const person = p.rows[0];
    if (!person) throw new ValidationError(`No person with the address ${input.email}.`, [{ path: 'email', message: 'unknown person' }]);
    if (!person.on_team) {
      throw new ValidationError(`${person.name} is not on the ${def.team} security team, where the ${def.name} comes from.`, [
        { path: 'email', message: `not on the ${def.team} team` },
      ]);
    }
    await tx.query(
      `INSERT INTO role_appointments (role, person_id, appointed_by, appointed_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (role) DO UPDATE SET person_id = EXCLUDED.person_id, appointed_by = EXCLUDED.appointed_by, appointed_at = EXCLUDED.appointed_at`,
      [role, person.person_id, ctx.principal.kind === 'person' ? ctx.principal.personId : null, now],
    );
    // The role's clocks that run without an owner (reports that came in before anyone was appointed).
    const clockIds = rules.clocks.filter((c) => c.ownerRole === role).map((c) => c.id);
    const unowned = await tx.query<{ report_id: string }>(
      'SELECT DISTINCT report_id FROM deadlines WHERE clock = ANY($1) AND owner_id IS NULL AND stopped_at IS NULL ORDER BY report_id',
      [clockIds],
    );
    for (const row of unowned.rows) {
      await handOverClocks(ctx, tx, { reportId: row.report_id }, clockIds, person.person_id, now, `${person.name} appointed ${def.name}`);
    }
    await audit(ctx, tx, now, {
      action: 'role.appointed',
      subjectType: 'role',
      subjectId: role,
      data: { personId: person.person_id, handedOver: unowned.rows.length },
    });
    return { handedOver: unowned.rows.length };
  });
}
