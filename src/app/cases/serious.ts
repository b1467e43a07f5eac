import { z } from 'zod';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { audit, requirePerson, type Ctx } from '../context.ts';
import { clearIncidentSerious, markIncidentSerious } from './records/incidents.ts';
import { withCase } from '../gate.ts';
import { recordTransition } from './case.ts';
import { mailLists } from './list-mail.ts';

// Tock 2.2: "Establish a communication channel for the response team if deemed serious enough."
// Deeming an incident serious records who, when and why, and opens the response team's channel: the
// case itself, whose internal notes are from then on mailed to everyone on the case (each copy
// encrypted to its reader; see addNote), and, where the team talks elsewhere too (a chat room, a
// call bridge), that place, shown on the case to those who may see it. Everyone on the case is
// mailed that the channel is open. Standing it down ends the mailing of notes.

export const SeriousInput = z.strictObject({
  /** true: deem it serious and open the channel; false: stand the response team down. */
  serious: z.boolean().default(true),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(2000),
  /** Where the response team talks besides the case (a room, a bridge); the case thread when absent. */
  channel: z.string().trim().min(1).max(500).optional(),
});

export async function setSerious(ctx: Ctx, reportId: string, raw: unknown): Promise<{ serious: boolean }> {
  const input = SeriousInput.parse(raw);
  const me = requirePerson(ctx);
  return withCase(ctx, reportId, { lock: true, action: 'incident.mark_serious' }, async (tx, c, rules, now) => {
    const incidentId = c.row.incidentId!;
    const lists = [rules.centralAlias, ...c.projects.map((p) => p.alias)];
    if (input.serious) {
      if (!(await markIncidentSerious(tx, incidentId, me.personId, input.channel ?? null, now))) {
        throw new ConflictError('This incident is already deemed serious; its response-team channel is open.');
      }
      await recordTransition(ctx, tx, 'serious', reportId, 'case', 'no', 'yes', now, input.reason);
      await mailLists(ctx, tx, now, c, lists, {
        templateId: 'list.serious',
        subject: 'Deemed serious: response-team channel open',
        body: [
          `${me.name} deems this incident serious enough for a response-team channel: ${input.reason}`,
          '',
          input.channel ? `The response team talks at: ${input.channel}` : 'The response team talks on the case itself.',
          'Until it is stood down, every internal note on the case is mailed to everyone on it, each copy encrypted to its reader.',
        ].join('\n'),
      });
    } else {
      if (input.channel) {
        throw new ValidationError('A channel is given only when the incident is deemed serious.', [
          { path: 'channel', message: 'only with serious: true' },
        ]);
      }
      if (!(await clearIncidentSerious(tx, incidentId, now))) throw new ConflictError('This incident is not deemed serious.');
      await recordTransition(ctx, tx, 'serious', reportId, 'case', 'yes', 'no', now, input.reason);
    }
    await audit(ctx, tx, now, {
      action: input.serious ? 'incident.deemed_serious' : 'incident.stood_down',
      subjectType: 'report',
      subjectId: reportId,
      data: { channel: input.channel ?? null },
      secret: { reason: input.reason },
    });
    return { serious: input.serious };
  });
}
