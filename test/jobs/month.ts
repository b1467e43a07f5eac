import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk, addProject, backend, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { person, type Person } from './support.ts';
import { runSlaScheduler, type SchedulerResult } from '../../src/jobs/sla-scheduler.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import type { App, Ctx } from '../../src/app/context.ts';
import { submitReport } from '../../src/app/intake/intake.ts';
import { acceptReport, claimTriage, rejectReport, takeOverTriage } from '../../src/app/cases/triage.ts';
import { claimHandler, confirmVulnerability, handlerReject } from '../../src/app/cases/handling.ts';
import { updateAvailability } from '../../src/app/admin/admin.ts';
import { addDaysOff } from '../../src/app/sla/calendars.ts';
import { localDate } from '../../src/domain/calendar.ts';
import { reminderAt } from '../../src/domain/reminder.ts';

// The simulated month (test/jobs/simulated-month*.test.ts, one file per variant so that the two run
// in parallel): a Trusted Firmware desk with an injected clock. 200 reports arrive; triagers
// claim some on time, some late and some never; they accept, reject, or sit on them; others take
// over; project handlers claim late or never. People go away, become unavailable, take days off.
// The clock advances in 30-minute steps over 30 days (across the October/November DST changes in
// Europe and the US), and the scheduler runs a pass at every step: once with one scheduler, once with
// two running at the same time (on PostgreSQL two App instances with their own connection pools, as
// two servers; on PGlite two concurrent passes on one App).
//
// The expectation is computed independently of the notices table: from every deadline row (its
// owner, due instant, and the interval in which it was running), the profile's rules (reminder lead,
// escalation targets) and the test's own record of who was away when, it finds the first step at
// which each reminder and escalation had someone to go to, and who that was. The test then asserts
// that exactly those notices were sent, each once.

const START = Date.parse('2026-10-12T00:00:00Z'); // a Monday
const STEP = 30 * 60_000;
const STEPS = 30 * 48;
const HOUR = 3_600_000;

/** mulberry32: a small seeded PRNG, so every run plays the same month. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (lo: number, hi: number) => lo + next() * (hi - lo),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

interface Cast {
  admin: Member;
  central: Person[];
  teams: Record<'tf-a' | 'tf-m', Person[]>;
  byId: Map<string, Person>;
}

/** Absences as the test arranged them: instants [from, until) and days off as local dates in the person's zone. */
interface Absences {
  intervals: Map<string, [number, number][]>;
  daysOff: Map<string, string[]>;
}

interface CaseState {
  reportId: string;
  triager: Person | null;
  phase: 'triage' | 'accepted' | 'rejected';
  handlers: Map<string, Person | null>;
}

export async function simulateMonth(t: TestContext, two: boolean): Promise<void> {
  const h = await startHarness({ clock: new Date(START - 7 * 24 * HOUR).toISOString() });
  let second: App | null = null;
  try {
    const admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    await addProject(admin, 'tf-m', 'TF-M');
    const adminPerson: Person = { personId: admin.personId, name: 'Ada Admin', email: admin.email, ctx: admin.ctx };
    const central = [
      adminPerson,
      await person(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', timeZone: 'America/Los_Angeles', teams: ['security'] }),
      await person(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] }),
      await person(h, admin, { name: 'Tess Triager', email: 'tess@tf.example', timeZone: 'Asia/Kolkata', teams: ['security'] }),
    ];
    const teams = {
      'tf-a': [
        await person(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', timeZone: 'Asia/Kolkata', teams: ['tf-a-security'] }),
        await person(h, admin, { name: 'Hana Handler', email: 'hana@tf.example', teams: ['tf-a-security'] }),
      ],
      'tf-m': [
        await person(h, admin, { name: 'Mo Maintainer', email: 'mo@tf.example', timeZone: 'Pacific/Auckland', teams: ['tf-m-security'] }),
        await person(h, admin, { name: 'Mia Maintainer', email: 'mia@tf.example', timeZone: 'Europe/Berlin', teams: ['tf-m-security'] }),
      ],
    };
    const cast: Cast = {
      admin,
      central,
      teams,
      byId: new Map([...central, ...teams['tf-a'], ...teams['tf-m']].map((p) => [p.personId, p])),
    };
    const [, tina, tom, tess] = central as [Person, Person, Person, Person];
    const [hank, hana] = teams['tf-a'] as [Person, Person];
    const [mo] = teams['tf-m'] as [Person, Person];
    const absences: Absences = { intervals: new Map(), daysOff: new Map() };

    // Days off booked ahead (Tess), in her own zone; they also count in the deadlines she owns.
    const tessOff = ['2026-10-23', '2026-10-30', '2026-11-02', '2026-11-03'];
    for (const day of tessOff) await addDaysOff(tess.ctx, tess.personId, { startsOn: day });
    absences.daysOff.set(tess.personId, tessOff);

    if (two) {
      // A second server: its own App (own connection pool on PostgreSQL) on the same database.
      if (backend === 'postgres') {
        const schema = (await h.app.db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
        second = await createApp(h.app.config, { clock: h.clock.fn, schema });
      } else {
        second = h.app;
      }
    }

    const rnd = prng(20261012);
    const events = new Map<number, (() => Promise<void>)[]>();
    const at = (step: number, fn: () => Promise<void>) => {
      if (step < 0 || step >= STEPS) return;
      const list = events.get(step) ?? [];
      list.push(fn);
      events.set(step, list);
    };
    const hours = (lo: number, hi: number) => Math.round(rnd.between(lo, hi) * 2);
    const anonymous: Ctx = { app: h.app, principal: { kind: 'anonymous' } };
    const cases: CaseState[] = [];

    // Availability changes, each recorded as an absence interval for the expectation.
    const stepTime = (step: number) => START + step * STEP;
    const absent = (p: Person, from: number, until: number) => {
      const list = absences.intervals.get(p.personId) ?? [];
      list.push([stepTime(from), until]);
      absences.intervals.set(p.personId, list);
    };
    at(10 * 48, async () => {
      await updateAvailability(admin.ctx, tom.personId, { awayUntil: new Date(stepTime(17 * 48 + 24)).toISOString() });
      absent(tom, 10 * 48, stepTime(17 * 48 + 24));
    });
    at(20 * 48, async () => {
      await updateAvailability(admin.ctx, hana.personId, { available: false });
      absent(hana, 20 * 48, Infinity);
    });
    at(5 * 48 + 7, async () => {
      await updateAvailability(admin.ctx, mo.personId, { awayUntil: new Date(stepTime(8 * 48 + 7)).toISOString() });
      absent(mo, 5 * 48 + 7, stepTime(8 * 48 + 7));
    });
    at(12 * 48, async () => {
      await updateAvailability(admin.ctx, tina.personId, { awayUntil: new Date(stepTime(14 * 48)).toISOString() });
      absent(tina, 12 * 48, stepTime(14 * 48));
    });
    // In the last week the whole of TF-A (Hana is already unavailable) and Tina are away: escalations of
    // TF-A clocks that Tina triaged have no backup left and go to the central team.
    at(22 * 48, async () => {
      await updateAvailability(admin.ctx, hank.personId, { awayUntil: new Date(stepTime(28 * 48)).toISOString() });
      absent(hank, 22 * 48, stepTime(28 * 48));
      await updateAvailability(admin.ctx, tina.personId, { awayUntil: new Date(stepTime(27 * 48)).toISOString() });
      absent(tina, 22 * 48, stepTime(27 * 48));
    });

    // 200 reports over the first 27 days, each with its own fate.
    for (let i = 0; i < 200; i++) {
      const arrival = Math.floor(rnd.between(0, 27 * 48));
      at(arrival, async () => {
        const { reportId } = await submitReport(anonymous, 'api', { ...sampleReport, title: `Report ${i}` });
        const c: CaseState = { reportId, triager: null, phase: 'triage', handlers: new Map() };
        cases.push(c);
        if (rnd.chance(0.15)) return; // nobody ever claims it
        const claimer = rnd.pick(central);
        const claimStep = arrival + (rnd.chance(0.6) ? hours(0.5, 40) : hours(50, 160));
        at(claimStep, async () => {
          await claimTriage(claimer.ctx, reportId);
          c.triager = claimer;
          const fate = rnd.next();
          if (fate < 0.55) at(claimStep + hours(1, 100), () => accept(c));
          else if (fate < 0.75) at(claimStep + hours(1, 100), () => reject(c));
          else if (fate < 0.9) {
            // Sits on it; after the deadline someone else takes over and accepts.
            const other = rnd.pick(central.filter((p) => p !== claimer));
            const takeStep = claimStep + hours(72, 130);
            at(takeStep, async () => {
              if (c.phase !== 'triage') return;
              await takeOverTriage(other.ctx, reportId, { reason: 'The triager is unavailable.' });
              c.triager = other;
              at(takeStep + hours(1, 30), () => accept(c));
            });
          }
        });
      });
    }

    async function accept(c: CaseState) {
      if (c.phase !== 'triage' || !c.triager) return;
      const r = rnd.next();
      const projects: ('tf-a' | 'tf-m')[] = r < 0.5 ? ['tf-a'] : r < 0.85 ? ['tf-m'] : ['tf-a', 'tf-m'];
      await acceptReport(c.triager.ctx, c.reportId, { title: 'Accepted for analysis', projects });
      c.phase = 'accepted';
      const now = Math.round((h.clock.now.getTime() - START) / STEP);
      for (const slug of projects) {
        c.handlers.set(slug, null);
        if (rnd.chance(0.2)) continue; // the project team never claims it
        const handler = rnd.pick(cast.teams[slug]);
        const claimStep = now + (rnd.chance(0.6) ? hours(1, 100) : hours(150, 260));
        at(claimStep, async () => {
          await claimHandler(handler.ctx, c.reportId, slug);
          c.handlers.set(slug, handler);
          const next = rnd.next();
          if (next < 0.5) at(claimStep + hours(1, 100), () => confirmVulnerability(handler.ctx, c.reportId, slug, {}));
          else if (next < 0.65)
            at(claimStep + hours(1, 100), () =>
              handlerReject(handler.ctx, c.reportId, slug, { reason: 'Not reachable from the non-secure world.' }),
            );
        });
      }
    }
    async function reject(c: CaseState) {
      if (c.phase !== 'triage' || !c.triager) return;
      await rejectReport(c.triager.ctx, c.reportId, { reason: 'This is the documented behaviour of the debug build.' });
      c.phase = 'rejected';
    }

    // The month.
    const totals = { reminders: 0, escalations: 0 };
    for (let step = 0; step < STEPS; step++) {
      h.clock.set(new Date(stepTime(step)).toISOString());
      for (const fn of events.get(step) ?? []) await fn();
      const now = new Date(stepTime(step));
      const results: SchedulerResult[] = second
        ? await Promise.all([runSlaScheduler(h.app, now), runSlaScheduler(second, now)])
        : [await runSlaScheduler(h.app, now)];
      for (const r of results) {
        assert.deepEqual(r.failures, [], `step ${step}`);
        totals.reminders += r.reminders;
        totals.escalations += r.escalations;
      }
    }
    assert.equal(cases.length, 200);

    const expected = await expectation(h, cast, absences);
    const sent = await h.app.db.query<{ deadline_id: string; kind: string; person_id: string; outbox_id: string | null }>(
      'SELECT deadline_id, kind, person_id, outbox_id FROM notices',
    );
    const key = (deadline: string, kind: string, personId: string) => `${deadline} ${kind} ${cast.byId.get(personId)?.email ?? personId}`;
    const actual = sent.rows.map((n) => key(n.deadline_id, n.kind, n.person_id)).sort();
    assert.deepEqual(actual, [...expected].sort());
    assert.equal(totals.reminders + totals.escalations, actual.length, 'the passes counted each notice once');

    // Sent once: one outbox mail per notice, to that person, and one audit event each.
    const mail = await h.app.db.query<{ id: string; template_id: string; envelope_sealed: string }>(
      `SELECT id, template_id, envelope_sealed FROM outbox WHERE template_id LIKE 'sla.%'`,
    );
    assert.equal(mail.rows.length, sent.rows.length);
    const byOutbox = new Map(sent.rows.map((n) => [n.outbox_id, n]));
    assert.equal(byOutbox.size, sent.rows.length, 'no two notices share a mail');
    for (const m of mail.rows) {
      const n = byOutbox.get(m.id);
      assert.ok(n, 'every mail belongs to a notice');
      assert.equal(m.template_id, `sla.${n.kind}`);
      const envelope = h.app.sealer.openJson<{ to: string[] }>(m.envelope_sealed, `outbox.envelope:${m.id}`);
      assert.deepEqual(envelope.to, [cast.byId.get(n.person_id)!.email]);
    }
    const audited = await h.app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action IN ('sla.reminder_sent', 'sla.escalated')`,
    );
    assert.equal(audited.rows[0]!.n, sent.rows.length);

    // The month exercised what it should: both kinds, owned and unowned clocks, and absences.
    const kinds = (k: string) => sent.rows.filter((n) => n.kind === k).length;
    assert.ok(kinds('reminder') > 100 && kinds('escalation') > 100, `reminders ${kinds('reminder')}, escalations ${kinds('escalation')}`);
    t.diagnostic(
      `${cases.length} reports, ${rowsCount(expected)} deadline rows with notices; ${kinds('reminder')} reminders, ${kinds('escalation')} escalations`,
    );
  } finally {
    if (second && second !== h.app) await second.db.close();
    await h.close();
  }
}

const rowsCount = (expected: Set<string>) => new Set([...expected].map((k) => k.split(' ')[0])).size;

/**
 * Every notice that must have been sent, as "deadlineId kind email", computed from the deadline rows,
 * the TF profile's rules (triage: reminder 1 working day before, escalation to the central team;
 * project analysis: reminder 48 hours before, escalation to the project team and the triager, else
 * the central team) and the absences, step by step.
 */
async function expectation(h: Harness, cast: Cast, absences: Absences): Promise<Set<string>> {
  const rows = await h.app.db.query<{
    id: string;
    report_id: string;
    clock: string;
    project_id: string | null;
    owner_id: string | null;
    time_zone: string;
    started_at: Date;
    due_at: Date;
    stopped_at: Date | null;
    stop_reason: string | null;
  }>('SELECT id, report_id, clock, project_id, owner_id, time_zone, started_at, due_at, stopped_at, stop_reason FROM deadlines');
  const triagers = new Map(
    (await h.app.db.query<{ id: string; triager_id: string | null }>('SELECT id, triager_id FROM reports')).rows.map((r) => [
      r.id,
      r.triager_id,
    ]),
  );
  const projectSlug = new Map(
    (await h.app.db.query<{ id: string; slug: string }>('SELECT id, slug FROM projects')).rows.map((p) => [
      p.id,
      p.slug as 'tf-a' | 'tf-m',
    ]),
  );

  // When each row became visible: a row that replaced a reassigned one, when that one stopped.
  const chains = new Map<string, typeof rows.rows>();
  for (const r of rows.rows) {
    const k = `${r.report_id} ${r.clock} ${r.project_id}`;
    chains.set(k, [...(chains.get(k) ?? []), r]);
  }
  const visibleFrom = new Map<string, number>();
  for (const chain of chains.values()) {
    chain.sort((a, b) => (a.stopped_at ? +a.stopped_at : Infinity) - (b.stopped_at ? +b.stopped_at : Infinity));
    chain.forEach((r, i) => {
      const prev = chain[i - 1];
      visibleFrom.set(r.id, prev?.stop_reason?.startsWith('reassigned') ? +prev.stopped_at! : +r.started_at);
    });
  }

  const present = (personId: string, t: number) => {
    if ((absences.intervals.get(personId) ?? []).some(([from, until]) => from <= t && t < until)) return false;
    const p = cast.byId.get(personId)!;
    const off = absences.daysOff.get(personId) ?? [];
    return off.length === 0 || !off.includes(localDate(new Date(t), zoneOf(p)));
  };
  const zones = new Map<string, string>();
  const zoneOf = (p: Person) => zones.get(p.personId)!;
  for (const r of (await h.app.db.query<{ id: string; time_zone: string }>('SELECT id, time_zone FROM people')).rows)
    zones.set(r.id, r.time_zone);

  const centralIds = cast.central.map((p) => p.personId);
  const teamIds = (projectId: string) => cast.teams[projectSlug.get(projectId)!].map((p) => p.personId);
  const presentOf = (ids: string[], t: number, owner: string | null) => [...new Set(ids)].filter((id) => id !== owner && present(id, t));

  const reminderTo = (r: (typeof rows.rows)[number], t: number): string[] => {
    if (r.owner_id && present(r.owner_id, t)) return [r.owner_id];
    return presentOf(r.clock === 'triage' ? centralIds : teamIds(r.project_id!), t, r.owner_id);
  };
  const escalationTo = (r: (typeof rows.rows)[number], t: number): string[] => {
    if (r.clock === 'triage') return presentOf(centralIds, t, r.owner_id);
    const triager = triagers.get(r.report_id);
    const backups = presentOf([...teamIds(r.project_id!), ...(triager ? [triager] : [])], t, r.owner_id);
    return backups.length ? backups : presentOf(centralIds, t, r.owner_id);
  };

  const out = new Set<string>();
  const email = (id: string) => cast.byId.get(id)!.email;
  for (const r of rows.rows) {
    const due = +r.due_at;
    const from = visibleFrom.get(r.id)!;
    const until = r.stopped_at ? +r.stopped_at : Infinity;
    const lead = r.clock === 'triage' ? ({ amount: 1, unit: 'working-days' } as const) : ({ amount: 48, unit: 'hours' } as const);
    const owner = r.owner_id ? cast.byId.get(r.owner_id)! : null;
    const remind = +reminderAt(new Date(due), lead, {
      timeZone: r.time_zone,
      workingWeek: [1, 2, 3, 4, 5],
      daysOff: owner ? (absences.daysOff.get(owner.personId) ?? []) : [],
    });
    const first = (lo: number, hi: number, to: (t: number) => string[]) => {
      for (let step = Math.max(0, Math.ceil((lo - START) / STEP)); step < STEPS; step++) {
        const t = START + step * STEP;
        if (t >= hi) return;
        const who = to(t);
        if (who.length) return who;
      }
      return undefined;
    };
    for (const id of first(Math.max(from, remind), Math.min(until, due), (t) => reminderTo(r, t)) ?? [])
      out.add(`${r.id} reminder ${email(id)}`);
    for (const id of first(Math.max(from, due), until, (t) => escalationTo(r, t)) ?? []) out.add(`${r.id} escalation ${email(id)}`);
  }
  return out;
}
