import { readFileSync } from 'node:fs';
import { submitReport } from '../app/intake/intake.ts';
import { caseView, queue } from '../app/cases/queries.ts';
import { reportIdOfIncident } from '../app/cases/case.ts';
import { isUuid } from '../domain/ids.ts';
import { EmbargoError } from '../domain/errors.ts';
import { parse, UsageError } from './args.ts';
import { oneLine, type Io } from './command.ts';
import { asPerson, system, withApp } from './with-app.ts';

// Cases from the shell: import a report, list the queue and show a case as a person sees them (their
// help is in commands/cases.ts).

export async function reportImport(args: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parse(args, { as: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('give exactly one FILE (or - for standard input)');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(positionals[0] === '-' ? 0 : positionals[0]!, 'utf8'));
  } catch (e) {
    throw new EmbargoError('bad_request', `Cannot read a JSON report from ${positionals[0]}: ${(e as Error).message}`);
  }
  return withApp(async (app) => {
    const ctx = values.as ? await asPerson(app, values.as) : system(app);
    const r = await submitReport(ctx, 'import', json);
    out.write(`${r.reportId}\n`);
    return 0;
  });
}

export async function incidentList(args: string[], { out }: Io): Promise<number> {
  const { values } = parse(args, { as: { type: 'string' }, closed: { type: 'boolean' }, json: { type: 'boolean' } }, false);
  return withApp(async (app) => {
    const q = await queue(await asPerson(app, values.as), { status: values.closed ? 'closed' : 'open', limit: 200 });
    if (values.json) out.write(`${JSON.stringify(q, null, 2)}\n`);
    else {
      for (const i of [...q.reports, ...q.incidents]) {
        out.write(
          `${i.ref.padEnd(14)} ${(i.dueAt ?? '-').padEnd(24)} ${i.overdue ? 'OVERDUE ' : ''}${i.state.padEnd(18)} ${(i.owner ?? '-').padEnd(16)} ${oneLine(i.title)}\n`,
        );
      }
    }
    return 0;
  });
}

export async function incidentShow(args: string[], { out }: Io): Promise<number> {
  const { values, positionals } = parse(args, { as: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('give exactly one ID');
  return withApp(async (app) => {
    const ctx = await asPerson(app, values.as);
    const id = positionals[0]!;
    // A report id is a UUID; anything else is looked up as an incident id.
    const reportId = isUuid(id) ? id : await reportIdOfIncident(app.db, id);
    const v = await caseView(ctx, reportId);
    if (values.json) {
      out.write(`${JSON.stringify(v, null, 2)}\n`);
      return 0;
    }
    out.write(`${v.incident?.ref ?? `#${v.number}`}  ${oneLine(String(v.incident?.title ?? v.title))}\n`);
    out.write(
      `state: ${v.rmState}${v.incident ? `, incident ${v.incident.status}` : ''}   triager: ${v.triager ?? '-'}   contact: ${v.incident?.pointOfContact ?? '-'}\n`,
    );
    for (const p of v.projects) out.write(`project ${p.slug}: ${p.rmState}, handler ${p.handler ?? '-'}\n`);
    for (const d of v.deadlines)
      out.write(
        `clock ${d.clock}: due ${d.dueAt} (${d.owner ?? 'unowned'}, ${d.timeZone})${d.stoppedAt ? ` stopped ${d.stoppedAt}` : d.overdue ? ' OVERDUE' : ''}\n`,
      );
    out.write(`actions now: ${v.actions.join(', ') || '-'}\n`);
    return 0;
  });
}
