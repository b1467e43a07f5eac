import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHarness,
  setupDesk,
  addMember,
  addProject,
  api,
  enroll,
  sampleReport,
  type Harness,
  type Member,
} from '../support/harness.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { slaDashboard, slaMetrics, type SlaDashboard } from '../../src/app/sla/stats.ts';
import { loadShippedProfileText } from '../../src/process/loader.ts';
import { EmbargoError } from '../../src/domain/errors.ts';
import { ZodError } from 'zod';

// The SLA read model against the real use cases with an injected clock: deadlines are met, missed,
// left running past due, superseded by a claim or a resumed pause; the figures are exact, for the
// cases each person may see.

const HOUR = 3600;
const DAY = 86_400;
const T0 = Date.parse('2026-11-23T09:00:00Z'); // Monday, London

const clockOf = (d: SlaDashboard, id: string) => {
  const c = d.clocks.find((x) => x.clock === id);
  assert.ok(c, `no clock ${id}`);
  const { clock: _c, name: _n, stage: _s, ...counts } = c;
  return counts;
};
const dist = (d: SlaDashboard, m: string) => d.distributions.find((x) => x.measure === m)!;
const nonEmptyBuckets = (d: SlaDashboard, id: string) =>
  d.series
    .find((s) => s.clock === id)!
    .buckets.filter((b) => b.met + b.breached > 0)
    .map((b) => [b.start, b.met, b.breached]);
const zeros = (n = 11) => new Array<number>(n).fill(0);
const histogram = (...hits: [index: number, count: number][]) => {
  const h = zeros();
  for (const [i, c] of hits) h[i] = c;
  return h;
};

async function submit(h: Harness): Promise<{ reportId: string; statusToken: string }> {
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  return r.json;
}

async function act(h: Harness, as: Member, url: string, body?: unknown) {
  const r = await api(h, 'POST', url, { as, ...(body !== undefined ? { body } : {}) });
  assert.ok(r.status < 300, `${url}: ${r.status} ${r.body}`);
  return r.json;
}

describe('Trusted Firmware: triage and project analysis clocks', () => {
  let h: Harness;
  let tina: Member, tom: Member, hank: Member, paula: Member, cora: Member, ann: Member;
  const at = (hours: number) => h.clock.set(new Date(T0 + hours * HOUR * 1000).toISOString());

  before(async () => {
    h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
    const admin = await setupDesk(h, 'trusted-firmware');
    await addProject(admin, 'tf-a', 'TF-A');
    await addProject(admin, 'tf-m', 'TF-M');
    tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
    hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
    paula = await addMember(h, admin, { name: 'Paula Project', email: 'paula@tf.example', teams: ['tf-m-security'] });
    cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
    const pure = await addPerson(admin.ctx, { name: 'Ann Admin', emails: ['ann@tf.example'], timeZone: 'UTC', isAdmin: true });
    ann = { personId: pure.personId, ...(await enroll(h, pure.personId, pure.enrollmentToken)) };

    // Triage is due at the end of the third working day in London: Thursday 26 November for
    // reports of Monday, Friday 27 November for the report of Tuesday.
    at(0);
    const r1 = (await submit(h)).reportId;
    const r2 = (await submit(h)).reportId;
    at(1);
    const r4 = (await submit(h)).reportId;
    await act(h, tina, `/api/reports/${r1}/claim`); // the unowned row is superseded
    at(2);
    await act(h, tom, `/api/reports/${r2}/claim`);
    await act(h, tina, `/api/reports/${r4}/claim`);
    at(24);
    const r3 = (await submit(h)).reportId; // nobody ever triages it
    await act(h, tina, `/api/reports/${r3}/pull-in`, { email: 'cora@tf.example' });
    await act(h, tina, `/api/reports/${r1}/accept`, { title: 'One', projects: ['tf-a'] }); // triage met after 24 h
    at(25);
    await act(h, hank, `/api/reports/${r1}/projects/tf-a/claim`);
    at(49);
    await act(h, tina, `/api/reports/${r4}/accept`, { title: 'Four', projects: ['tf-m'] }); // met after 48 h; tf-m never claims
    at(72);
    await act(h, hank, `/api/reports/${r1}/projects/tf-a/confirm`, {}); // project analysis met after 2 days
    at(240);
    await act(h, tom, `/api/reports/${r2}/reject`, { reason: 'Not a vulnerability in our code.' }); // triage missed: 10 days
    at(19 * 24);
    await submit(h); // Saturday 12 December: due on Wednesday 16th, still running
    at(20 * 24); // Sunday 13 December, 09:00 UTC
  });
  after(() => h.close());

  test('the central team: exact counts per clock, share met, and what runs and is overdue now', async () => {
    const d = await slaDashboard(tina.ctx, {});
    assert.deepEqual(d.period, {
      from: '2026-09-14T09:00:00.000Z',
      to: '2026-12-13T09:00:00.000Z',
      asOf: '2026-12-13T09:00:00.000Z',
      bucket: 'week',
      timeZone: 'Europe/London',
    });
    assert.deepEqual(
      d.clocks.map((c) => [c.clock, c.name, c.stage]),
      [
        ['triage', 'Triage within 3 working days', 'triage'],
        ['project-analysis', 'Project analysis within 7 days', 'project-handling'],
      ],
    );
    // Triage: met r1 and r4, missed r2 (stopped late), r3 breached and still overdue, r5 running.
    assert.deepEqual(clockOf(d, 'triage'), {
      finished: 3,
      met: 2,
      missed: 1,
      breached: 2,
      running: 2,
      paused: 0,
      overdue: 1,
      shareMet: 0.5,
    });
    // Project analysis: tf-a confirmed in time; tf-m never claimed, overdue since 2 December.
    assert.deepEqual(clockOf(d, 'project-analysis'), {
      finished: 1,
      met: 1,
      missed: 0,
      breached: 1,
      running: 1,
      paused: 0,
      overdue: 1,
      shareMet: 0.5,
    });
  });

  test("share met per week, in the viewer's zone: met when stopped, breached when due", async () => {
    const d = await slaDashboard(tina.ctx, {});
    const weeks = d.series[0]!.buckets.map((b) => b.start);
    assert.equal(weeks.length, 13);
    assert.equal(weeks[0], '2026-09-13T23:00:00.000Z', 'Monday 14 September, 00:00 in London (summer time)');
    assert.equal(weeks.at(-1), '2026-12-07T00:00:00.000Z');
    assert.deepEqual(nonEmptyBuckets(d, 'triage'), [['2026-11-23T00:00:00.000Z', 2, 2]]);
    assert.deepEqual(nonEmptyBuckets(d, 'project-analysis'), [
      ['2026-11-23T00:00:00.000Z', 1, 0],
      ['2026-11-30T00:00:00.000Z', 0, 1],
    ]);
    const pa = d.series.find((s) => s.clock === 'project-analysis')!.buckets;
    assert.deepEqual(
      pa.filter((b) => b.shareMet !== null).map((b) => b.shareMet),
      [1, 0],
    );

    const months = await slaDashboard(tina.ctx, { bucket: 'month', timeZone: 'UTC' });
    assert.deepEqual(
      months.series[0]!.buckets.map((b) => b.start),
      ['2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    );
    assert.deepEqual(nonEmptyBuckets(months, 'project-analysis'), [
      ['2026-11-01T00:00:00.000Z', 1, 0],
      ['2026-12-01T00:00:00.000Z', 0, 1],
    ]);
  });

  test('distributions: exact percentiles and histogram buckets; no fix or disclosure data yet means n = 0', async () => {
    const d = await slaDashboard(tina.ctx, {});
    for (const m of ['acknowledge', 'triage'] as const) {
      const x = dist(d, m);
      // r1 after 24 h, r4 after 48 h (upper bounds are inclusive), r2 after 10 days.
      assert.deepEqual([x.n, x.p50Seconds, x.p90Seconds, x.sumSeconds], [3, 2 * DAY, 10 * DAY, 13 * DAY], m);
      assert.deepEqual(
        x.histogram.map((b) => b.count),
        histogram([1, 1], [2, 1], [6, 1]),
        m,
      );
    }
    assert.deepEqual(
      dist(d, 'acknowledge')
        .histogram.slice(0, 3)
        .map((b) => [b.fromSeconds, b.toSeconds]),
      [
        [0, 4 * HOUR],
        [4 * HOUR, DAY],
        [DAY, 2 * DAY],
      ],
    );
    assert.equal(dist(d, 'acknowledge').histogram.at(-1)!.toSeconds, null);
    for (const m of ['fix', 'disclose'] as const) {
      const x = dist(d, m);
      assert.deepEqual([x.n, x.p50Seconds, x.p90Seconds, x.meanSeconds, x.sumSeconds], [0, null, null, null, 0], m);
      assert.deepEqual(
        x.histogram.map((b) => b.count),
        zeros(),
        m,
      );
    }
  });

  test('each person sees the figures of the cases they may see, as in the queue', async () => {
    // Hank's project (tf-a) has r1: its triage clock and its project analysis.
    const hd = await slaDashboard(hank.ctx, {});
    assert.deepEqual(clockOf(hd, 'triage'), {
      finished: 1,
      met: 1,
      missed: 0,
      breached: 0,
      running: 0,
      paused: 0,
      overdue: 0,
      shareMet: 1,
    });
    assert.deepEqual(clockOf(hd, 'project-analysis'), {
      finished: 1,
      met: 1,
      missed: 0,
      breached: 0,
      running: 0,
      paused: 0,
      overdue: 0,
      shareMet: 1,
    });
    assert.deepEqual([dist(hd, 'triage').n, dist(hd, 'triage').p50Seconds], [1, DAY]);
    // Paula's (tf-m) has r4, whose project analysis nobody claimed.
    const pd = await slaDashboard(paula.ctx, {});
    assert.deepEqual(clockOf(pd, 'triage'), {
      finished: 1,
      met: 1,
      missed: 0,
      breached: 0,
      running: 0,
      paused: 0,
      overdue: 0,
      shareMet: 1,
    });
    assert.deepEqual(clockOf(pd, 'project-analysis'), {
      finished: 0,
      met: 0,
      missed: 0,
      breached: 1,
      running: 1,
      paused: 0,
      overdue: 1,
      shareMet: 0,
    });
    // Cora was pulled into r3 only: a report still in triage, overdue.
    const cd = await slaDashboard(cora.ctx, {});
    assert.deepEqual(clockOf(cd, 'triage'), {
      finished: 0,
      met: 0,
      missed: 0,
      breached: 1,
      running: 1,
      paused: 0,
      overdue: 1,
      shareMet: 0,
    });
    assert.equal(dist(cd, 'triage').n, 0);
    // An admin on no team sees no case, so no figures.
    const ad = await slaDashboard(ann.ctx, {});
    for (const c of ad.clocks)
      assert.deepEqual(clockOf(ad, c.clock), {
        finished: 0,
        met: 0,
        missed: 0,
        breached: 0,
        running: 0,
        paused: 0,
        overdue: 0,
        shareMet: null,
      });
    assert.deepEqual(
      ad.distributions.map((x) => x.n),
      [0, 0, 0, 0],
    );
  });

  test('a period in the past: the figures as they stood at its end', async () => {
    // Until Wednesday 25 November 00:00: only r1's triage was done; nothing was due yet.
    const d = await slaDashboard(tina.ctx, { from: '2026-11-01T00:00:00Z', to: '2026-11-25T00:00:00Z' });
    assert.equal(d.period.asOf, '2026-11-25T00:00:00.000Z');
    assert.deepEqual(clockOf(d, 'triage'), { finished: 1, met: 1, missed: 0, breached: 0, running: 3, paused: 0, overdue: 0, shareMet: 1 });
    assert.deepEqual(clockOf(d, 'project-analysis'), {
      finished: 0,
      met: 0,
      missed: 0,
      breached: 0,
      running: 1,
      paused: 0,
      overdue: 0,
      shareMet: null,
    });
    assert.deepEqual([dist(d, 'triage').n, dist(d, 'triage').p50Seconds], [1, DAY]);
    // From Thursday 3 December on: r2's late rejection; r4's project analysis is overdue, but it fell
    // due on 2 December, before the period, so it is not a breach of this period.
    const later = await slaDashboard(tina.ctx, { from: '2026-12-03T00:00:00Z' });
    assert.deepEqual(clockOf(later, 'triage'), {
      finished: 1,
      met: 0,
      missed: 1,
      breached: 0,
      running: 2,
      paused: 0,
      overdue: 1,
      shareMet: null,
    });
    assert.deepEqual(clockOf(later, 'project-analysis'), {
      finished: 0,
      met: 0,
      missed: 0,
      breached: 0,
      running: 1,
      paused: 0,
      overdue: 1,
      shareMet: null,
    });
  });

  test('a period that ends in the future is counted up to now', async () => {
    const d = await slaDashboard(tina.ctx, { from: '2026-11-01T00:00:00Z', to: '2027-01-01T00:00:00Z', bucket: 'month' });
    assert.equal(d.period.asOf, '2026-12-13T09:00:00.000Z');
    assert.equal(d.series[0]!.buckets.length, 2, 'November and December so far');
    assert.deepEqual(clockOf(d, 'triage'), clockOf(await slaDashboard(tina.ctx, {}), 'triage'));
  });

  test('bad periods are refused with the field that is wrong', async () => {
    const refused = async (q: unknown, path: string) => {
      await assert.rejects(
        slaDashboard(tina.ctx, q),
        (e: unknown) => {
          if (e instanceof ZodError) return e.issues.some((i) => i.path.join('.') === path);
          return e instanceof EmbargoError && e.code === 'validation_failed' && e.details.some((x) => x.path === path);
        },
        JSON.stringify(q),
      );
    };
    await refused({ from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 'from');
    await refused({ from: '2010-01-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 'from');
    await refused({ from: '2027-01-01T00:00:00Z', to: '2027-02-01T00:00:00Z' }, 'from');
    await refused({ bucket: 'year' }, 'bucket');
    await refused({ timeZone: 'Mars/Olympus' }, 'timeZone');
    await refused({ from: 'yesterday' }, 'from');
    await refused({ unknown: 1 }, '');
  });

  test('metrics: desk-wide for the central team and admins, all time; others are refused', async () => {
    const m = await slaMetrics(ann.ctx);
    assert.deepEqual(m.queue, { inTriage: 2, awaitingTriage: 2, openIncidents: 2 });
    const c = Object.fromEntries(m.clocks.map((x) => [x.clock, [x.met, x.missed, x.running, x.overdue]]));
    assert.deepEqual(c, { triage: [2, 1, 2, 1], 'project-analysis': [1, 0, 1, 1] });
    assert.deepEqual(
      m.distributions.map((x) => x.n),
      [3, 3, 0, 0],
    );
    assert.deepEqual(await slaMetrics(tom.ctx), m);
    for (const who of [hank, paula, cora]) {
      await assert.rejects(slaMetrics(who.ctx), (e: unknown) => e instanceof EmbargoError && e.code === 'forbidden');
    }
  });
});

describe('Tock: acknowledgment, priority clocks, and a clock paused while waiting for the reporter', () => {
  let h: Harness;
  let coord: Member;
  const at = (hours: number) => h.clock.set(new Date(T0 + hours * HOUR * 1000).toISOString());

  before(async () => {
    h = await startHarness({ clock: '2026-11-23T09:00:00Z' });
    const admin = await setupDesk(h, 'tock', 'Europe/London');
    coord = await addMember(h, admin, { name: 'Charles Coordinator', email: 'charles@tock.example', teams: ['security'] });
    const edited = loadShippedProfileText('tock').replace(
      '    stopsOn: [severity_assessed, report_rejected]\n',
      '    stopsOn: [severity_assessed, report_rejected]\n    pausesOn: [waiting_for_reporter]\n    resumesOn: [reporter_replied]\n',
    );
    assert.notEqual(edited, loadShippedProfileText('tock'));
    assert.equal((await api(h, 'PUT', '/api/profile', { as: admin, body: { yaml: edited } })).status, 200);
  });
  after(() => h.close());

  test('acknowledging comes before the initial review; paused clocks are not due; superseded rows are not counted', async () => {
    // Initial review is due at the end of the second working day (Tuesday 24 November in London),
    // assignment at the end of the third.
    at(0);
    const a = (await submit(h)).reportId;
    const b = await submit(h);
    const c = (await submit(h)).reportId;
    const e = (await submit(h)).reportId;
    at(3);
    await act(h, coord, `/api/reports/${a}/acknowledge`); // acknowledged after 3 hours
    // b and e: the coordinator asks the reporter on Tuesday 10:00, before the review is due: it pauses.
    at(25);
    await act(h, coord, `/api/reports/${b.reportId}/replies`, { body: 'Which board?', waitForReporter: true });
    await act(h, coord, `/api/reports/${e}/replies`, { body: 'Which board?', waitForReporter: true });
    at(26);
    // a assessed after 26 hours: the initial review stops in time; the resolution clock starts (P1).
    await act(h, coord, `/api/reports/${a}/assess`, { title: 'Report A', severity: 'high', components: ['kernel'], project: 'tock' });
    at(120);
    // c rejected after 5 days: initial review and assignment both missed.
    await act(h, coord, `/api/reports/${c}/reject`, { reason: 'Not a vulnerability: documented behaviour.' });
    at(121);
    // e rejected while its review is paused: the review was not due, so it is met; its assignment was missed.
    await act(h, coord, `/api/reports/${e}/reject`, { reason: 'Not a vulnerability: documented behaviour.' });
    at(122);

    const d = await slaDashboard(coord.ctx, {});
    assert.deepEqual(
      d.clocks.map((x) => x.clock),
      ['initial-review', 'assignment', 'resolution'],
    );
    assert.deepEqual(clockOf(d, 'initial-review'), {
      finished: 3,
      met: 2,
      missed: 1,
      breached: 1,
      running: 1,
      paused: 1,
      overdue: 0,
      shareMet: 2 / 3,
    });
    // Assignment does not pause: a and b are overdue since Thursday 00:00, c and e were stopped late.
    assert.deepEqual(clockOf(d, 'assignment'), {
      finished: 2,
      met: 0,
      missed: 2,
      breached: 4,
      running: 2,
      paused: 0,
      overdue: 2,
      shareMet: 0,
    });
    assert.deepEqual(clockOf(d, 'resolution'), {
      finished: 0,
      met: 0,
      missed: 0,
      breached: 0,
      running: 1,
      paused: 0,
      overdue: 0,
      shareMet: null,
    });
    // Acknowledgment: a by its acknowledgment after 3 h; c and e when their first-response clock
    // stopped, after 120 and 121 h. Triage (the first decision): a after 26 h, c and e as above.
    const ack = dist(d, 'acknowledge');
    assert.deepEqual([ack.n, ack.p50Seconds, ack.p90Seconds], [3, 120 * HOUR, 121 * HOUR]);
    assert.deepEqual(
      ack.histogram.map((x) => x.count),
      histogram([0, 1], [4, 1], [5, 1]),
      '120 h is exactly 5 days: bounds are inclusive',
    );
    const triage = dist(d, 'triage');
    assert.deepEqual([triage.n, triage.p50Seconds, triage.p90Seconds], [3, 120 * HOUR, 121 * HOUR]);
    assert.deepEqual(
      triage.histogram.map((x) => x.count),
      histogram([2, 1], [4, 1], [5, 1]),
    );

    // The reporter answers b on Saturday: its review resumes, due later by the pause; the paused row
    // is superseded and not counted twice.
    at(125);
    const reply = await api(h, 'POST', `/api/reporter/${b.statusToken}/messages`, { body: { body: 'Revision C.' } });
    assert.equal(reply.status, 201, reply.body);
    const resumed = await slaDashboard(coord.ctx, {});
    assert.deepEqual(clockOf(resumed, 'initial-review'), {
      finished: 3,
      met: 2,
      missed: 1,
      breached: 1,
      running: 1,
      paused: 0,
      overdue: 0,
      shareMet: 2 / 3,
    });
    const rows = await h.app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deadlines WHERE report_id = $1 AND clock = 'initial-review'`,
      [b.reportId],
    );
    assert.equal(rows.rows[0]!.n, 2, 'the resumed clock is a new row; the paused one is kept, stopped');
  });
});
