import type { Queryable } from '../../store/db.ts';
import { deskUrl } from '../../config.ts';
import { readableInstant } from '../../domain/reader-dates.ts';
import { aad, type Ctx } from '../context.ts';
import { openIncidentTitle, type LoadedCase } from './case.ts';
import { queueMail } from './messaging.ts';
import type { ProfileRules } from '../profile/rules.ts';

// Mail to a team's own list, as the written processes have people write it: the triager "replies to
// the list to say they will be the triager", the handler "immediately replies to the list", the
// triager "forwards the incident to <project>-security@". The desk writes it on the person's action and
// queues it to the team's alias; planning (src/app/delivery/deliveries.ts) turns the alias into one copy
// per member who may see the case, each encrypted to that member's own key (a notice without content
// for a member without a usable key). It never goes to the alias itself, which would loop back in.

export type ListMailTemplate =
  | 'list.triager_claimed'
  | 'list.triager_taken_over'
  | 'list.handler_claimed'
  | 'list.handler_taken_over'
  | 'list.forwarded'
  | 'list.serious'
  | 'list.credit_changed';

/** The label a case goes by in a subject: its incident id, else its report number. */
export function caseLabel(c: LoadedCase): string {
  return c.row.incidentRef ?? `Report #${c.row.number}`;
}

/** Queues one message to the lists (aliases) given, in the caller's transaction. Null: no alias to write to. */
export async function mailLists(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  c: LoadedCase,
  aliases: readonly (string | null)[],
  mail: { templateId: ListMailTemplate; subject: string; body: string },
): Promise<string | null> {
  const to = [...new Set(aliases.filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase()))];
  if (to.length === 0) return null;
  return queueMail(ctx, tx, at, {
    reportId: c.row.reportId,
    incidentId: c.row.incidentId,
    templateId: mail.templateId,
    envelope: {
      to,
      cc: [],
      subject: `[${caseLabel(c)}] ${mail.subject}`,
      body: `${mail.body}\n\n-- \nOn the desk: ${deskUrl(ctx.app.config)}/cases/${c.row.reportId}`,
      // The desk wrote it for the person who acted: no vacation notice should answer it (RFC 3834).
      automatic: 'auto-generated',
    },
  });
}

/** "due 3 December 2026, 00:00 GMT" for the running clock of this id (and project), or null. */
export async function runningDue(tx: Queryable, reportId: string, clock: string, projectId: string | null = null): Promise<string | null> {
  const r = await tx.query<{ due_at: Date; time_zone: string }>(
    `SELECT due_at, time_zone FROM deadlines WHERE report_id = $1 AND clock = $2 AND stopped_at IS NULL
        AND ($3::uuid IS NULL OR project_id = $3) ORDER BY due_at LIMIT 1`,
    [reportId, clock, projectId],
  );
  const d = r.rows[0];
  return d ? readableInstant(new Date(d.due_at), d.time_zone) : null;
}

/** T2 / T5: the central list learns who the triager is now. */
export async function announceTriager(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  c: LoadedCase,
  rules: ProfileRules,
  who: { name: string; previous?: string | null; reason?: string },
): Promise<void> {
  const clock = rules.clocks.find((k) => k.ownerDuty === 'triage');
  const due = clock ? await runningDue(tx, c.row.reportId, clock.id) : null;
  const takeOver = who.reason !== undefined;
  await mailLists(ctx, tx, at, c, [rules.centralAlias], {
    templateId: takeOver ? 'list.triager_taken_over' : 'list.triager_claimed',
    subject: takeOver ? `${who.name} takes over as the triager` : `${who.name} will be the triager`,
    body: [
      takeOver
        ? `${who.name} takes over the triager's duties for report #${c.row.number}${who.previous ? ` from ${who.previous}` : ''}: ${who.reason}`
        : `${who.name} will be the triager for report #${c.row.number}.`,
      ...(due && clock ? ['', `${clock.name}: due ${due}.`] : []),
    ].join('\n'),
  });
}

/** P2: the project's list learns who its incident handler is now. */
export async function announceHandler(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  c: LoadedCase,
  rules: ProfileRules,
  part: LoadedCase['projects'][number],
  who: { name: string; previous?: string | null; reason?: string },
): Promise<void> {
  const clock = rules.clocks.find((k) => k.ownerDuty === 'handler' && k.ownerTeam === 'project');
  const due = clock ? await runningDue(tx, c.row.reportId, clock.id, part.projectId) : null;
  const takeOver = who.reason !== undefined;
  await mailLists(ctx, tx, at, c, [part.alias], {
    templateId: takeOver ? 'list.handler_taken_over' : 'list.handler_claimed',
    subject: takeOver
      ? `${who.name} takes over as the ${part.name} incident handler`
      : `${who.name} will be the ${part.name} incident handler`,
    body: [
      takeOver
        ? `${who.name} takes over the ${part.name} incident handler's duties${who.previous ? ` from ${who.previous}` : ''}: ${who.reason}`
        : `${who.name} will be the ${part.name} project incident handler for ${caseLabel(c)}.`,
      ...(due && clock ? ['', `${clock.name}: due ${due}.`] : []),
    ].join('\n'),
  });
}

/**
 * T3b: the triager forwards the incident to the project's list: what it is, who triaged it, what is
 * due, and the report as it came in (each member's copy is encrypted to them; the project team may read
 * all of it).
 */
export async function forwardToProjectList(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  c: LoadedCase,
  rules: ProfileRules,
  part: LoadedCase['projects'][number],
  by: string,
): Promise<void> {
  const incident = await tx.query<{ id: string; title_sealed: string }>('SELECT id, title_sealed FROM incidents WHERE id = $1', [
    c.row.incidentId,
  ]);
  const report = await tx.query<{ body_sealed: string }>('SELECT body_sealed FROM reports WHERE id = $1', [c.row.reportId]);
  const title = ctx.app.sealer.open(c.row.titleSealed, aad('reports', 'title', c.row.reportId));
  const body = ctx.app.sealer.open(report.rows[0]!.body_sealed, aad('reports', 'body', c.row.reportId));
  const clock = rules.clocks.find((k) => k.ownerTeam === 'project' && k.startsOn === 'project_received');
  const due = clock ? await runningDue(tx, c.row.reportId, clock.id, part.projectId) : null;
  const others = c.projects.filter((p) => p.projectId !== part.projectId).map((p) => p.name);
  await mailLists(ctx, tx, at, c, [part.alias], {
    templateId: 'list.forwarded',
    subject: `Forwarded to the ${part.name} security team: ${incident.rows[0] ? openIncidentTitle(ctx, incident.rows[0]) : title}`,
    body: [
      `${by} triaged report #${c.row.number} and forwards it to the ${part.name} security team as ${caseLabel(c)}.`,
      others.length
        ? `It affects ${others.join(', ')} too; the triager stays the reporter's point of contact.`
        : rules.workflow.singleProjectHandlerIsContact
          ? `Someone on this list now says they will be the project incident handler (claim it on the desk); the handler becomes the reporter's point of contact.`
          : `Someone on this list now says they will be the project incident handler (claim it on the desk).`,
      ...(due && clock ? [`${clock.name}: due ${due}.`] : []),
      '',
      'Strip the sensitive information (the reporter, their organisation and its product, what they marked) before anything leaves the security teams.',
      '',
      '---------- The report ----------',
      `Subject: ${title}`,
      '',
      body,
    ].join('\n'),
  });
}
