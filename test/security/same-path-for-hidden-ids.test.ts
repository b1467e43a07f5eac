import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { startHarness, api, sampleReport, type Harness, type Member } from '../support/harness.ts';
import { castOfRoles } from '../support/roles.ts';
import { buildServer } from '../../src/http/server.ts';
import type { App } from '../../src/app/context.ts';
import type { Db, Queryable } from '../../src/store/db.ts';
import { exportPublished } from '../../src/app/advisories/advisories.ts';

// Incident and advisory ids are sequential (TF-2026-0001, TF-2026-0002, ...), so "not found" must not
// say more than the words do: an id that does not exist and one that exists but is not the asker's
// must take the same path through the desk, or the time (or the work) of the answer tells which ids
// exist. These tests compare the work itself: the sequence of SQL statements and transactions each
// request runs, recorded by a Db that wraps the real one. (Timing is what leaks, but a timing
// threshold in a test is noise; the statements are the cause.)

let h: Harness;
let recorded: FastifyInstance;
const log: string[] = [];
let outsider: Member; // on another project's team: may not see the incident
let incidentRef: string;
let advisoryId: string;
let advisoryPublicId: string;

const norm = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/** The same database, every statement and transaction written to `log` (SQL text without values). */
function recording(db: Db): Db {
  const wrap = (q: Queryable): Queryable => ({
    query: <R>(sql: string, params?: unknown[]) => {
      log.push(`${norm(sql)} [${params?.length ?? 0}]`);
      return q.query<R>(sql, params);
    },
    exec: (sql: string) => {
      log.push(norm(sql));
      return q.exec(sql);
    },
  });
  return {
    ...wrap(db),
    kind: db.kind,
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>) => {
      log.push('BEGIN');
      try {
        return await db.transaction((tx) => fn(wrap(tx)));
      } finally {
        log.push('END');
      }
    },
    close: () => db.close(),
  };
}

before(async () => {
  h = await startHarness();
  const { as } = await castOfRoles(h);
  outsider = as.otherProject!;
  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  const reportId = r.json.reportId;
  await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: as.central! });
  incidentRef = (
    await api(h, 'POST', `/api/reports/${reportId}/accept`, { as: as.central!, body: { title: 'Hidden incident', projects: ['tf-a'] } })
  ).json.incidentRef;
  advisoryId = (await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: as.central! })).json.advisoryId;
  advisoryPublicId = (await h.app.db.query<{ public_id: string }>('SELECT public_id FROM advisories WHERE id = $1', [advisoryId])).rows[0]!
    .public_id;
  const app: App = { ...h.app, db: recording(h.app.db) };
  recorded = await buildServer(app);
});
after(async () => {
  await recorded?.close();
  await h?.close();
});

/** The next id of the same sequence: one that does not exist (yet). */
const nextOf = (id: string) => id.replace(/(\d+)$/, (n) => String(Number(n) + 1).padStart(n.length, '0'));

async function traced(method: 'GET' | 'PUT' | 'POST', url: string, as: Member, body?: unknown) {
  log.length = 0;
  const r = await recorded.inject({
    method,
    url,
    headers: { authorization: `Bearer ${as.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.body, statements: [...log] };
}

/** Asks for the hidden id and the unknown one (twice each, interleaved) and compares everything. */
async function samePath(method: 'GET' | 'PUT' | 'POST', hidden: string, unknown: string, body?: unknown) {
  await traced(method, hidden, outsider, body); // warm: the first use of a token may be noted once
  const runs = [];
  for (const url of [hidden, unknown, hidden, unknown]) runs.push(await traced(method, url, outsider, body));
  const [a, b] = runs;
  assert.equal(a!.status, 404, `${hidden}: ${a!.body}`);
  assert.deepEqual([b!.status, b!.body], [a!.status, a!.body], 'the same answer');
  assert.deepEqual(b!.statements, a!.statements, `${unknown} and ${hidden} run the same statements`);
  assert.deepEqual(runs[2]!.statements, a!.statements);
  assert.deepEqual(runs[3]!.statements, a!.statements);
}

test('an incident by its id: unknown and not-yours run the same statements', async () => {
  await samePath('GET', `/api/incidents/${incidentRef}`, `/api/incidents/${nextOf(incidentRef)}`);
});

test('scoring an incident by its id: the same', async () => {
  const body = { vectors: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] };
  await samePath('PUT', `/api/incidents/${incidentRef}/cvss`, `/api/incidents/${nextOf(incidentRef)}/cvss`, body);
});

test('an advisory by its public id (the CVE request, the CVE records): the same', async () => {
  await samePath('GET', `/api/cve/advisories/${advisoryPublicId}/request`, `/api/cve/advisories/${nextOf(advisoryPublicId)}/request`);
  await samePath('GET', `/api/cve/advisories/${advisoryPublicId}/records`, `/api/cve/advisories/${nextOf(advisoryPublicId)}/records`);
});

test('an advisory by its id: the same', async () => {
  const unknown = advisoryId.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
  await samePath('GET', `/api/advisories/${advisoryId}`, `/api/advisories/${unknown}`);
});

test('the public record of an advisory not yet published: the same as for one that does not exist', async () => {
  const app: App = { ...h.app, db: recording(h.app.db) };
  const ctx = { app, principal: { kind: 'system', label: 'test' } } as const;
  const run = async (id: string) => {
    log.length = 0;
    await assert.rejects(exportPublished(ctx, id, 'osv'), /No such published advisory/);
    return [...log];
  };
  assert.deepEqual(await run(nextOf(advisoryPublicId)), await run(advisoryPublicId));
});
