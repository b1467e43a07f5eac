import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, readKey } from 'openpgp';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { buildServer } from '../../src/http/server.ts';
import {
  addMember,
  addProject,
  api,
  LOOPBACK,
  setupDesk,
  startHarness,
  TestClock,
  TEST_PASSWORD_COST_LOG2,
  type Harness,
  type Member,
} from '../support/harness.ts';
import { sealClearColumns } from '../../src/app/admin/at-rest.ts';
import { openKeyArmored, openKeyEmail, openKeyUserIds } from '../../src/app/keys/stored.ts';
import { handleBounce, openDeliveryText, openRecipient } from '../../src/app/delivery/deliveries.ts';
import { createApiToken, loadPrincipal } from '../../src/app/auth/auth.ts';
import { cloneTemplateDatabase, seedPgliteDataDir } from '../support/templates.ts';
import { ALIAS, deliver, plainMail } from '../inbound/support.ts';

// What a stolen disk or database dump shows without the instance key. A case is made through the
// real API with values found nowhere else (the reporter's name, address, organisation and handle, the
// report's and the incident's titles, a reason for a change), the reporter offers a key by mail whose
// user ID names them, the team confirms it and answers; then every byte of the embedded database's
// data directory (pages, WAL, everything PGlite keeps) and a pg_dump of a PostgreSQL database that
// went through the same steps are searched for each value.

const R = randomBytes(3).toString('hex');
const V = {
  name: `Zephyrine Quillfeather${R}`,
  email: `zq.${R}@quillfeather-labs.example`,
  organisation: `Quillfeather Obscura${R} Labs`,
  handle: `zquill${R}`,
  reportTitle: `Xylocarp${R} heap spray in the loader`,
  incidentTitle: `Vortexmarmot${R} overflow in BL31`,
  reason: `Kumquatreason${R} the exploit needs physical access`,
  closeReason: `Tamarillo${R} fixed upstream and released`,
  keyComment: `Vorpal${R}`,
  confirmNote: `Quinceconfirm${R} reproduced on the board`,
  // What receiving servers answer about a copy: they quote the recipient and lines of the message.
  bounceQuote: `Glockenspiel${R} quoted line of the message`,
  delayQuote: `Marimbadelay${R} greylisted`,
};

/** A byte needle and the ways a database may hold it (as typed, lower case). */
function needles(extra: Record<string, string>): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [what, value] of Object.entries({ ...V, ...extra })) {
    for (const v of new Set([value, value.toLowerCase()])) out.push([what, Buffer.from(v, 'utf8')]);
  }
  return out;
}

function* filesUnder(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(p);
    else if (e.isFile()) yield p;
  }
}

function found(chunks: Iterable<[string, Buffer]>, wanted: [string, Buffer][]): string[] {
  const hits = new Set<string>();
  for (const [where, bytes] of chunks) for (const [what, n] of wanted) if (bytes.includes(n)) hits.add(`${what} in ${where}`);
  return [...hits].sort();
}

/** Runs the case through the API and the mail intake; returns needles that only exist at run time. */
async function workACase(h: Harness): Promise<Record<string, string>> {
  const admin = await setupDesk(h, 'trusted-firmware');
  const tess = await addMember(h, admin, { name: 'Tess Triager', email: 'tess@tf.example', teams: ['security'] });
  await addProject(admin, 'tf-a', 'TF-A');
  const hana = await addMember(h, admin, { name: 'Hana Handler', email: 'hana@tf.example', teams: ['tf-a-security'] });
  assert.equal((await api(h, 'POST', '/api/admin/team-keys/generate', { as: admin, body: {} })).status, 201);

  const sent = await api(h, 'POST', '/api/reports', {
    body: {
      title: V.reportTitle,
      body: 'A crafted image overflows a heap buffer in the loader and runs code before the kernel.',
      reporter: { name: V.name, email: V.email, organisation: V.organisation, handle: V.handle },
      creditPreference: 'name',
    },
  });
  assert.equal(sent.status, 201, sent.body);
  const reportId = sent.json.reportId as string;
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tess })).status, 200);
  const accepted = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
    as: tess,
    body: { title: V.incidentTitle, projects: ['tf-a'] },
  });
  assert.equal(accepted.status, 200, accepted.body);
  const ref = accepted.json.incidentRef as string;

  // The reporter answers by mail on the case (the incident's tag, from their address) and offers a key.
  const key = await generateKey({
    userIDs: [{ name: V.name, email: V.email, comment: V.keyComment }],
    type: 'ecc',
    curve: 'curve25519Legacy',
    date: new Date(h.clock.now.getTime() - 60_000),
    format: 'object',
  });
  const keydata = Buffer.from((await readKey({ armoredKey: key.publicKey.armor() })).write()).toString('base64');
  const mail = plainMail(
    {
      from: `${V.name} <${V.email}>`,
      subject: `Re: [${ref}] the loader`,
      extra: { Autocrypt: `addr=${V.email}; prefer-encrypt=mutual; keydata=${keydata.replace(/(.{76})/g, '$1\r\n ')}` },
    },
    'Here is my key for your answers.',
  );
  const d = await deliver(h, mail, { from: V.email });
  assert.equal(d.row.status, 'done', d.row.error ?? '');
  assert.equal(d.row.report_id, reportId, 'the mail threads onto the case');
  const keys = await api(h, 'GET', `/api/reports/${reportId}/keys`, { as: tess });
  assert.equal(keys.status, 200, keys.body);
  assert.equal(keys.json.keys.length, 1, 'the key offered by mail is listed on the case');
  assert.equal(keys.json.keys[0].email, V.email);
  assert.ok((keys.json.keys[0].userIds as string[]).some((u) => u.includes(V.keyComment)));
  assert.equal((await api(h, 'POST', `/api/keys/${keys.json.keys[0].id}/confirm`, { as: tess })).status, 200);

  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/claim`, { as: hana })).status, 200);
  const sev = await api(h, 'POST', `/api/reports/${reportId}/severity`, { as: hana, body: { severity: 'low', reason: V.reason } });
  assert.equal(sev.status, 200, sev.body);
  const confirm = await api(h, 'POST', `/api/reports/${reportId}/projects/tf-a/confirm`, { as: hana, body: { note: V.confirmNote } });
  assert.equal(confirm.status, 200, confirm.body);
  const close = await api(h, 'POST', `/api/reports/${reportId}/close`, { as: hana, body: { reason: V.closeReason } });
  assert.equal(close.status, 200, close.body);

  // Two of the case's copies come back: one bounced, one delayed, each answer quoting what it was about.
  const copies = (
    await h.app.db.query<{ id: string; message_id: string }>(
      `SELECT id, message_id FROM deliveries WHERE report_id = $1 AND status = 'queued' ORDER BY id`,
      [reportId],
    )
  ).rows;
  assert.ok(copies.length >= 2, 'the case has copies to bounce');
  const system = { app: h.app, principal: { kind: 'system' as const, label: 'test' } };
  const dsn = (m: string, action: string, status: string, diagnostic: string) =>
    h.app.db.transaction((tx) =>
      handleBounce(system, tx, h.clock.now, { originalMessageId: `<${m}>`, recipient: V.email, action, status, diagnostic }),
    );
  assert.equal((await dsn(copies[0]!.message_id, 'failed', '5.1.1', `smtp; 550 ${V.bounceQuote}`))?.failed, true);
  assert.equal((await dsn(copies[1]!.message_id, 'delayed', '4.2.0', `smtp; 451 ${V.delayQuote}`))?.failed, false);
  const failed = await api(h, 'GET', '/api/deliveries/failed', { as: tess });
  assert.ok(failed.body.includes(V.bounceQuote), 'the failed list shows the bounce text');

  // Everything still reads back for the team: the queue, the case page and the case's history.
  const q = await api(h, 'GET', '/api/queue?status=closed', { as: tess });
  assert.ok(
    (q.json.incidents as { title: string }[]).some((i) => i.title === V.incidentTitle),
    'the queue shows the incident title',
  );
  const view = await api(h, 'GET', `/api/reports/${reportId}`, { as: tess });
  assert.equal(view.status, 200, view.body);
  assert.ok(view.body.includes(V.incidentTitle), 'the case shows the incident title');
  assert.ok(
    [V.reason, V.closeReason, V.confirmNote].every((r) => view.body.includes(r)),
    'the case history shows the reasons',
  );

  // A line of the armored key's body: the armored key is kept sealed, not only its user IDs.
  const armorLine = key.publicKey
    .armor()
    .split('\n')
    .find((l) => l.length >= 60)!;
  return { armoredKeyLine: armorLine };
}

function configFor(dataDir: string, databaseUrl: string | null) {
  return loadConfig(
    {},
    {
      databaseUrl,
      dataDir,
      instanceKey: randomBytes(32).toString('base64'),
      testPasswordCostLog2: TEST_PASSWORD_COST_LOG2,
      publicFormRatePerMinute: 1000,
      mailAliases: [ALIAS],
    },
  );
}

async function harnessOn(dataDir: string, databaseUrl: string | null): Promise<Harness> {
  const clock = new TestClock(new Date(Date.now() + 120_000).toISOString());
  const app = await createApp(configFor(dataDir, databaseUrl), { clock: clock.fn });
  const server = await buildServer(app);
  return {
    app,
    server,
    clock,
    baseUrl: null,
    async close() {
      await server.close();
      await app.db.close();
    },
  };
}

test('the embedded data directory holds no reporter identity, key user ID, incident title or reason in clear', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'embargo-at-rest-'));
  try {
    await seedPgliteDataDir(dataDir);
    const h = await harnessOn(dataDir, null);
    let extra: Record<string, string>;
    // The file of each table and index, so a failure names the table that holds a value.
    const relations = new Map<string, string>();
    try {
      extra = await workACase(h);
      const r = await h.app.db.query<{ file: string; name: string }>(
        `SELECT pg_relation_filenode(oid)::text AS file, relname AS name FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL`,
      );
      for (const row of r.rows) relations.set(row.file, row.name);
    } finally {
      await h.close();
    }
    const files = [...filesUnder(join(dataDir, 'pglite'))];
    assert.ok(files.some((f) => statSync(f).size > 0));
    const hits = found(
      (function* () {
        for (const f of files)
          yield [`${f.slice(dataDir.length + 1)} (${relations.get(f.split('/').pop()!.split('.')[0]!) ?? '-'})`, readFileSync(f)] as [
            string,
            Buffer,
          ];
      })(),
      needles(extra),
    );
    assert.deepEqual(hits, []);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// The PostgreSQL run of the suite names its server; CI has one at the usual address for the PGlite
// run too, so there the test runs as well and never skips.
const server =
  process.env.EMBARGO_TEST_DATABASE_URL ?? (process.env.CI === 'true' ? 'postgres://postgres@127.0.0.1:5432/postgres' : undefined);

test('a pg_dump of a PostgreSQL database holds none of them either', {
  skip: server ? false : 'runs on PostgreSQL: set EMBARGO_TEST_DATABASE_URL (CI has one, in both passes)',
}, async () => {
  const clone = await cloneTemplateDatabase(server!, 'atrest');
  const dataDir = mkdtempSync(join(tmpdir(), 'embargo-at-rest-'));
  try {
    const h = await harnessOn(dataDir, clone.url);
    let extra: Record<string, string>;
    try {
      extra = await workACase(h);
    } finally {
      await h.close();
    }
    const dump = execFileSync('pg_dump', ['--no-owner', '--dbname', clone.url], { maxBuffer: 512 * 1024 * 1024 });
    assert.ok(dump.includes(Buffer.from('CREATE TABLE public.incidents')), 'the dump has the schema');
    assert.deepEqual(found([['pg_dump', dump]], needles(extra)), []);
  } finally {
    await clone.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('values an earlier version stored in clear are sealed at the next start, and read back the same', async () => {
  const h = await startHarness({ clock: new Date(Date.now() + 120_000).toISOString(), config: { mailAliases: [ALIAS] } });
  try {
    await workACase(h);
    const db = h.app.db;
    const incident = (await db.query<{ id: string; report_id: string }>('SELECT id, report_id FROM incidents')).rows[0]!;
    const before = await api(h, 'GET', `/api/reports/${incident.report_id}`, { as: await someCentral(h) });
    // The rows as a desk before the sealing migration holds them: in clear, nothing sealed.
    const key = (
      await db.query<{ id: string; email_sealed: string; user_ids_sealed: string; armored_sealed: string }>(
        'SELECT id, email_sealed, user_ids_sealed, armored_sealed FROM correspondent_keys',
      )
    ).rows[0]!;
    await db.query(
      'UPDATE correspondent_keys SET email = $2, user_ids = $3, armored = $4, email_sealed = NULL, user_ids_sealed = NULL, armored_sealed = NULL, email_index = NULL WHERE id = $1',
      [key.id, openKeyEmail(h.app, key), openKeyUserIds(h.app, key), openKeyArmored(h.app, key)],
    );
    await db.query('UPDATE incidents SET title = $2, title_sealed = NULL WHERE id = $1', [incident.id, V.incidentTitle]);
    for (const t of (
      await db.query<{ id: string; reason_sealed: string }>(
        'SELECT id::text AS id, reason_sealed FROM transitions WHERE reason_sealed IS NOT NULL',
      )
    ).rows)
      await db.query('UPDATE transitions SET reason = $2, reason_sealed = NULL WHERE id = $1', [
        t.id,
        h.app.sealer.open(t.reason_sealed, `transitions.reason:${t.id}`),
      ]);
    for (const d of (await db.query<{ id: string; recipient_sealed: string }>('SELECT id, recipient_sealed FROM deliveries')).rows)
      await db.query('UPDATE deliveries SET recipient = $2, recipient_sealed = NULL, recipient_index = NULL WHERE id = $1', [
        d.id,
        openRecipient(h.app, d),
      ]);
    for (const d of (
      await db.query<{ id: string; failure_sealed: string | null; last_error_sealed: string | null }>(
        'SELECT id, failure_sealed, last_error_sealed FROM deliveries WHERE failure_sealed IS NOT NULL OR last_error_sealed IS NOT NULL',
      )
    ).rows)
      await db.query('UPDATE deliveries SET failure = $2, last_error = $3, failure_sealed = NULL, last_error_sealed = NULL WHERE id = $1', [
        d.id,
        openDeliveryText(h.app, d.id, 'failure', d.failure_sealed, null),
        openDeliveryText(h.app, d.id, 'last_error', d.last_error_sealed, null),
      ]);
    for (const d of (
      await db.query<{ id: string; stop_reason: string; stop_note_sealed: string }>(
        'SELECT id, stop_reason, stop_note_sealed FROM deadlines WHERE stop_note_sealed IS NOT NULL',
      )
    ).rows)
      await db.query('UPDATE deadlines SET stop_reason = $2, stop_note_sealed = NULL WHERE id = $1', [
        d.id,
        `${d.stop_reason}: ${h.app.sealer.open(d.stop_note_sealed, `deadlines.stop_note:${d.id}`)}`,
      ]);

    const lines: string[] = [];
    const done = await sealClearColumns(h.app, (l) => lines.push(l));
    assert.ok(
      done.incidents === 1 && done.correspondent_keys === 1 && (done.transitions ?? 0) >= 3 && (done.deliveries ?? 0) >= 1,
      JSON.stringify(done),
    );
    assert.match(lines.join('\n'), /backups taken before today still hold them in clear/);
    const clear = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM incidents WHERE title IS NOT NULL) + (SELECT count(*) FROM transitions WHERE reason IS NOT NULL)
            + (SELECT count(*) FROM correspondent_keys WHERE email IS NOT NULL OR user_ids IS NOT NULL OR armored IS NOT NULL)
            + (SELECT count(*) FROM deliveries WHERE recipient IS NOT NULL OR failure IS NOT NULL OR last_error IS NOT NULL)
            + (SELECT count(*) FROM deadlines WHERE stop_reason LIKE 'reassigned: %') AS n`,
    );
    assert.equal(Number(clear.rows[0]!.n), 0);
    // Nothing left to do the next time; and the case reads as it did.
    assert.deepEqual(await sealClearColumns(h.app, (l) => lines.push(l)), {});
    const after = await api(h, 'GET', `/api/reports/${incident.report_id}`, { as: await someCentral(h) });
    assert.equal(after.status, 200);
    // (Rows with equal times may come back in another order once the tables are rewritten.)
    const same = (v: any) => ({
      incident: v.incident,
      timeline: v.timeline,
      deadlines: (v.deadlines as unknown[]).map((d) => JSON.stringify(d)).sort(),
    });
    assert.deepEqual(same(after.json), same(before.json));
    const keys = await api(h, 'GET', `/api/reports/${incident.report_id}/keys`, { as: await someCentral(h) });
    assert.equal(keys.json.keys[0].email, V.email, 'the key is found by its address again');
    const failed = await api(h, 'GET', '/api/deliveries/failed', { as: await someCentral(h) });
    assert.ok(failed.body.includes(V.bounceQuote), 'the bounce text reads back');
    const queued = await api(h, 'GET', '/api/deliveries/queued', { as: await someCentral(h) });
    assert.ok(queued.body.includes(V.delayQuote), 'the delay text reads back');
  } finally {
    await h.close();
  }
});

/** The triager of workACase, signed in again (a token of their own). */
async function someCentral(h: Harness) {
  const r = await h.app.db.query<{ person_id: string }>(`SELECT person_id FROM person_emails WHERE email = 'tess@tf.example'`);
  const principal = (await loadPrincipal(h.app.db, r.rows[0]!.person_id))!;
  const { token } = await createApiToken({ app: h.app, principal }, { name: `t${randomBytes(3).toString('hex')}` }, LOOPBACK);
  return { token } as Member;
}
