import { test, before, after } from 'node:test';
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
import { totpCode } from '../../src/crypto/totp.ts';

// GET /api/sla/dashboard and GET /metrics over HTTP: authentication, refusals, the JSON shape, and the
// Prometheus text format (0.0.4) read back by a strict parser.

let h: Harness;
let tina: Member, hank: Member, ann: Member;

before(async () => {
  h = await startHarness({ clock: '2026-11-23T09:00:00Z' }); // Monday, London
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  hank = await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  const pure = await addPerson(admin.ctx, { name: 'Ann Admin', emails: ['ann@tf.example'], timeZone: 'UTC', isAdmin: true });
  ann = { personId: pure.personId, ...(await enroll(h, pure.personId, pure.enrollmentToken)) };

  h.clock.set('2026-11-23T09:00:00Z');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await api(h, 'POST', '/api/reports', { body: sampleReport })).json.reportId);
  h.clock.set('2026-11-23T12:00:00Z');
  await api(h, 'POST', `/api/reports/${ids[0]}/claim`, { as: tina });
  h.clock.set('2026-11-24T09:00:00Z'); // triage after 24 hours: met
  assert.equal(
    (await api(h, 'POST', `/api/reports/${ids[0]}/accept`, { as: tina, body: { title: 'Accepted one', projects: ['tf-a'] } })).status,
    200,
  );
  await api(h, 'POST', `/api/reports/${ids[1]}/claim`, { as: tina });
  h.clock.set('2026-11-30T09:00:00Z'); // after 7 days: missed
  assert.equal(
    (await api(h, 'POST', `/api/reports/${ids[1]}/reject`, { as: tina, body: { reason: 'Not a vulnerability at all.' } })).status,
    200,
  );
  // The third is never triaged: overdue since the end of Thursday 26 November. The project analysis
  // of the first (7 days from Tuesday 09:00) is due on Tuesday 1 December.
  h.clock.set('2026-12-01T12:00:00Z');
});
after(() => h.close());

test('the dashboard needs a session or token; it answers with the figures this person may see', async () => {
  const anon = await api(h, 'GET', '/api/sla/dashboard');
  assert.equal(anon.status, 401);
  assert.equal(anon.json.error.code, 'unauthenticated');

  const r = await api(h, 'GET', '/api/sla/dashboard?bucket=month', { as: tina });
  assert.equal(r.status, 200, r.body);
  assert.match(String(r.headers['content-type']), /application\/json/);
  assert.equal(r.json.period.bucket, 'month');
  assert.equal(r.json.period.timeZone, 'Europe/London');
  const triage = r.json.clocks.find((c: any) => c.clock === 'triage');
  assert.deepEqual(
    [triage.finished, triage.met, triage.missed, triage.breached, triage.running, triage.overdue, triage.shareMet],
    [2, 1, 1, 2, 1, 1, 1 / 3],
  );
  const pa = r.json.clocks.find((c: any) => c.clock === 'project-analysis');
  assert.deepEqual([pa.running, pa.overdue, pa.breached], [1, 1, 1]);
  assert.deepEqual(
    r.json.distributions.map((d: any) => [d.measure, d.n]),
    [
      ['acknowledge', 2],
      ['triage', 2],
      ['fix', 0],
      ['disclose', 0],
    ],
  );
  assert.deepEqual(r.json.distributions[1].p50Seconds, 86_400);

  // Hank's team sees the accepted incident only.
  const hk = (await api(h, 'GET', '/api/sla/dashboard', { as: hank })).json;
  const ht = hk.clocks.find((c: any) => c.clock === 'triage');
  assert.deepEqual([ht.finished, ht.met, ht.running], [1, 1, 0]);

  for (const [q, field] of [
    ['from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z', 'from'],
    ['bucket=day', 'bucket'],
    ['timeZone=Nowhere/Land', 'timeZone'],
    ['extra=1', ''],
  ] as const) {
    const bad = await api(h, 'GET', `/api/sla/dashboard?${q}`, { as: tina });
    assert.equal(bad.status, 400, `${q}: ${bad.body}`);
    assert.equal(bad.json.error.code, 'validation_failed');
    assert.ok(
      bad.json.error.details.some((d: any) => d.path === field),
      `${q}: ${bad.body}`,
    );
  }
  const doc = (await api(h, 'GET', '/api/openapi.json')).json;
  assert.equal(doc.paths['/api/sla/dashboard'].get['x-policy'], 'signed-in');
  assert.deepEqual(doc.paths['/api/sla/dashboard'].get.parameters.map((p: any) => p.name).sort(), ['bucket', 'from', 'timeZone', 'to']);
});

// --- The Prometheus text format, read strictly ---

interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_PAIR = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{(${LABEL_PAIR}(?:,${LABEL_PAIR})*)?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)|\\+Inf|-Inf|NaN)$`,
);

function parseExposition(text: string): Parsed {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed');
  const out: Parsed = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) {
      assert.ok(!out.help.has(help[1]!), `HELP for ${help[1]} once`);
      out.help.set(help[1]!, help[2]!);
      continue;
    }
    if (type) {
      assert.ok(!out.type.has(type[1]!), `TYPE for ${type[1]} once`);
      out.type.set(type[1]!, type[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of m[2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? [])
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    const declared = out.type.has(m[1]!) ? m[1]! : family;
    assert.ok(out.type.has(declared), `sample ${m[1]} comes after its # TYPE`);
    out.samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return out;
}

const value = (p: Parsed, name: string, labels: Record<string, string> = {}) => {
  const s = p.samples.filter(
    (x) =>
      x.name === name &&
      Object.entries(labels).every(([k, v]) => x.labels[k] === v) &&
      Object.keys(x.labels).length === Object.keys(labels).length,
  );
  assert.equal(s.length, 1, `${name}${JSON.stringify(labels)}`);
  return s[0]!.value;
};

test('/metrics: Prometheus text for the central team and admins (a bearer token, as Prometheus scrapes)', async () => {
  const anon = await api(h, 'GET', '/metrics');
  assert.equal(anon.status, 401);
  const bad = await api(h, 'GET', '/metrics', { headers: { authorization: 'Bearer not-a-token' } });
  assert.equal(bad.status, 401);
  const member = await api(h, 'GET', '/metrics', { as: hank });
  assert.equal(member.status, 403);
  assert.equal(member.json.error.code, 'forbidden');

  for (const who of [tina, ann]) {
    const r = await api(h, 'GET', '/metrics', { as: who });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const p = parseExposition(r.body);
    assert.equal(p.type.get('embargo_deadlines_total'), 'counter');
    assert.equal(value(p, 'embargo_deadlines_total', { clock: 'triage', outcome: 'met' }), 1);
    assert.equal(value(p, 'embargo_deadlines_total', { clock: 'triage', outcome: 'missed' }), 1);
    assert.equal(value(p, 'embargo_deadlines_total', { clock: 'project-analysis', outcome: 'met' }), 0);
    assert.equal(value(p, 'embargo_deadlines_overdue', { clock: 'triage' }), 1);
    assert.equal(value(p, 'embargo_deadlines_overdue', { clock: 'project-analysis' }), 1);
    assert.equal(value(p, 'embargo_deadlines_running', { clock: 'triage' }), 1);
    assert.equal(value(p, 'embargo_queue_reports_in_triage'), 1);
    assert.equal(value(p, 'embargo_queue_reports_awaiting_triage'), 1);
    assert.equal(value(p, 'embargo_incidents_open'), 1);
    // Time to triage: 24 h and 7 days, as a histogram with cumulative "le" buckets.
    assert.equal(p.type.get('embargo_time_to_triage_seconds'), 'histogram');
    assert.equal(value(p, 'embargo_time_to_triage_seconds_count'), 2);
    assert.equal(value(p, 'embargo_time_to_triage_seconds_sum'), 8 * 86_400);
    assert.equal(value(p, 'embargo_time_to_triage_seconds_bucket', { le: '14400' }), 0);
    assert.equal(value(p, 'embargo_time_to_triage_seconds_bucket', { le: '86400' }), 1);
    assert.equal(value(p, 'embargo_time_to_triage_seconds_bucket', { le: '432000' }), 1);
    assert.equal(value(p, 'embargo_time_to_triage_seconds_bucket', { le: '604800' }), 2);
    assert.equal(value(p, 'embargo_time_to_triage_seconds_bucket', { le: '+Inf' }), 2);
    const buckets = p.samples.filter((s) => s.name === 'embargo_time_to_triage_seconds_bucket').map((s) => s.value);
    assert.deepEqual(
      buckets,
      [...buckets].sort((a, b) => a - b),
      'cumulative',
    );
    assert.equal(value(p, 'embargo_time_to_fix_seconds_count'), 0);
    assert.equal(value(p, 'embargo_time_to_disclose_seconds_bucket', { le: '+Inf' }), 0);
    for (const name of p.type.keys()) assert.ok(p.help.has(name), `HELP for ${name}`);
  }
});

test('/metrics also answers a browser session of the central team', async () => {
  h.clock.advance(31_000);
  const s = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: tina.email, password: tina.password, totp: totpCode(tina.totpSecret, h.clock.now) },
  });
  assert.equal(s.statusCode, 200, s.body);
  const cookie = String(s.headers['set-cookie']).split(';')[0]!;
  const r = await h.server.inject({ method: 'GET', url: '/metrics', headers: { cookie } });
  assert.equal(r.statusCode, 200);
  assert.match(r.body, /^# HELP embargo_deadlines_total /);
});
