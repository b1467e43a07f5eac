import { aad, type App, type Ctx } from '../../src/app/context.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { acceptReport, claimTriage } from '../../src/app/cases/triage.ts';
import { sampleReport, type Member } from './harness.ts';

// A long-running case, as the footprint benchmark and the memory test read it: a report accepted
// through the real use cases, then (set-based, keeping every constraint of the schema valid) people
// pulled into it and a long thread of notes and mail, each body sealed to its own row as the desk
// seals it. Bodies name the reporter and their organisation now and then, so the page's redaction
// for outsiders has real work to do.

export interface BigCase {
  reportId: string;
  incidentRef: string;
  /** The people pulled in, as collaborators. */
  people: string[];
  messages: number;
}

const KINDS = ['note', 'to_reporter', 'from_reporter', 'note', 'note'] as const;

function bodyOf(i: number): string {
  const lines = [
    `Update ${i} on the BL2 image loader overflow.`,
    i % 7 === 0 ? `${sampleReport.reporter.name} of ${sampleReport.reporter.organisation} confirmed the crash on their board.` : '',
    'The FIP header length is trusted before the signature check; a crafted image overflows the stack buffer.',
    `Tried the candidate fix on revision ${1000 + i}: the loader now refuses images whose header exceeds the buffer.`,
    'Next: run the fuzzing corpus again and compare coverage with the previous build.',
  ].filter(Boolean);
  return `${lines.join('\n')}\n${'Details of the analysis follow in the attached log excerpt. '.repeat(6)}`;
}

/**
 * Submits, claims and accepts a report (as `central`), pulls `people` new people into it as
 * collaborators and writes a thread of `messages` messages by them and by `central`, one minute
 * apart, ending before the harness clock's now.
 */
export async function loadBigCase(
  app: App,
  central: Member,
  opts: { messages: number; people: number; project: string },
): Promise<BigCase> {
  const anonymous: Ctx = { app, principal: { kind: 'anonymous' } };
  const { reportId } = await submitReport(anonymous, 'api', sampleReport);
  await claimTriage(central.ctx, reportId);
  const { incidentRef } = await acceptReport(central.ctx, reportId, {
    title: 'Stack overflow in the BL2 image loader',
    projects: [opts.project],
  });
  const now = app.clock();
  const people = Array.from({ length: opts.people }, () => crypto.randomUUID());
  await app.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO people (id, name, time_zone, created_at)
       SELECT id, 'Person ' || n, (ARRAY['Europe/London', 'America/New_York', 'Asia/Tokyo', 'UTC'])[1 + n % 4], $2
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
      [people, now],
    );
    await tx.query(
      `INSERT INTO case_participants (report_id, person_id, role, added_by, added_at)
       SELECT $1, id, 'collaborator', $3, $4 FROM unnest($2::uuid[]) AS id`,
      [reportId, people, central.personId, now],
    );
    const incident = await tx.query<{ id: string }>('SELECT id FROM incidents WHERE report_id = $1', [reportId]);
    const incidentId = incident.rows[0]!.id;
    // In chunks: one statement per 200 messages keeps the parameter arrays small.
    for (let start = 0; start < opts.messages; start += 200) {
      const ids: string[] = [];
      const kinds: string[] = [];
      const authors: (string | null)[] = [];
      const bodies: string[] = [];
      const times: Date[] = [];
      for (let i = start; i < Math.min(opts.messages, start + 200); i++) {
        const id = crypto.randomUUID();
        const kind = KINDS[i % KINDS.length]!;
        ids.push(id);
        kinds.push(kind);
        authors.push(kind === 'from_reporter' ? null : i % 3 === 0 ? central.personId : people[i % people.length]!);
        bodies.push(app.sealer.seal(bodyOf(i), aad('messages', 'body', id)));
        times.push(new Date(now.getTime() - (opts.messages - i) * 60_000));
      }
      await tx.query(
        `INSERT INTO messages (id, report_id, incident_id, kind, author_id, body_sealed, created_at)
         SELECT id, $2, $3, kind, author_id, body_sealed, created_at
           FROM unnest($1::uuid[], $4::text[], $5::uuid[], $6::text[], $7::timestamptz[]) AS t(id, kind, author_id, body_sealed, created_at)
          ORDER BY created_at`,
        [ids, reportId, incidentId, kinds, authors, bodies, times],
      );
    }
  });
  return { reportId, incidentRef, people, messages: opts.messages };
}
