import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readKey } from 'openpgp';
import { setupDesk, addMember, api, type Member } from '../support/harness.ts';
import { startWebHarness, type WebHarness } from '../../test-browser/support.ts';
import { webUser } from '../support/web-client.ts';
import { startGpg, type GpgKey, type GpgPeer } from '../support/gpg.ts';
import { ALIAS, deliver, plainMail } from '../inbound/support.ts';
import { groupedFingerprint } from '../../src/web/pages/case-keys.ts';

// A reporter's OpenPGP keys offered by mail (an Autocrypt header made from a GnuPG key, and a key
// attached to the mail) on the case page, over HTTP on a real socket: who sees them, what the page
// says about each (fingerprint in groups of four, user IDs, source, address match, dates,
// usability, the out-of-band check), confirming one and dismissing another with CSRF.

let h: WebHarness;
let gpg: GpgPeer;
let admin: Member, tess: Member, cora: Member;
let reportId: string;
let acKey: GpgKey, attachedKey: GpgKey;
const keyIdOf = new Map<string, string>();

before(async () => {
  h = await startWebHarness({ config: { mailAliases: [ALIAS] } });
  admin = await setupDesk(h, 'trusted-firmware');
  tess = await addMember(h, admin, { name: 'Tess Triager', email: 'tess@tf.example', teams: ['security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  assert.equal((await api(h, 'POST', '/api/admin/team-keys/generate', { as: admin, body: {} })).status, 201);
  gpg = await startGpg();
  acKey = await gpg.generateKey('Rita Reporter <rita@research.example>', { algorithm: 'ed25519' });
  attachedKey = await gpg.generateKey('Rita R. <rita@research.example>', { algorithm: 'ed25519' });
  // GnuPG made the keys at the real time; the desk's clock moves past it.
  h.clock.set(new Date(Date.now() + 60_000).toISOString());

  const keydata = Buffer.from((await readKey({ armoredKey: acKey.publicArmored })).write()).toString('base64');
  const boundary = 'mix-1';
  const raw = plainMail(
    {
      subject: 'Overflow in the FIP parser',
      extra: {
        Autocrypt: `addr=rita@research.example; prefer-encrypt=mutual; keydata=${keydata.replace(/(.{76})/g, '$1\r\n ')}`,
        'Content-Type': `multipart/mixed; boundary="${boundary}"`,
      },
    },
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nA crafted FIP image overflows a stack buffer in BL2.\r\n--${boundary}\r\nContent-Type: application/pgp-keys; name="rita.asc"\r\nContent-Disposition: attachment; filename="rita.asc"\r\n\r\n${attachedKey.publicArmored}\r\n--${boundary}--\r\n`,
  );
  const d = await deliver(h, raw);
  assert.equal(d.row.status, 'done', d.row.error ?? '');
  reportId = d.row.report_id!;
  const keys = await h.app.db.query<{ id: string; fingerprint: string; source: string; status: string }>(
    'SELECT id, fingerprint, source, status FROM correspondent_keys WHERE report_id = $1',
    [reportId],
  );
  assert.deepEqual(keys.rows.map((k) => [k.source, k.status]).sort(), [
    ['attachment', 'candidate'],
    ['autocrypt', 'candidate'],
  ]);
  for (const k of keys.rows) keyIdOf.set(k.fingerprint, k.id);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tess })).status, 200);
  assert.equal((await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tess, body: { email: 'cora@tf.example' } })).status, 200);
});
after(async () => {
  await gpg?.close();
  await h?.close();
});

const statusOf = async (id: string) =>
  (await h.app.db.query<{ status: string }>('SELECT status FROM correspondent_keys WHERE id = $1', [id])).rows[0]!.status;

test('a member who sees the reporter sees each offered key with what is needed to check it', async () => {
  const t = await webUser(h, tess);
  const page = await t.get(`/cases/${reportId}`);
  assert.equal(page.status, 200, page.body);
  const start = page.body.indexOf('id="reporter-keys"');
  assert.ok(start > 0, 'the section is there');
  const section = page.body.slice(start, page.body.indexOf('</section>', start));
  assert.match(section, /out of band/);
  assert.match(section, /never by replying to the mail that carried the key/);
  for (const [k, source] of [
    [acKey, 'Autocrypt header of their mail'],
    [attachedKey, 'key attached to their mail'],
  ] as const) {
    const id = keyIdOf.get(k.fingerprint)!;
    const card = section.slice(section.indexOf(`id="key-${id}"`));
    const grouped = groupedFingerprint(k.fingerprint);
    assert.match(grouped, /^([0-9A-F]{4} ){4}[0-9A-F]{4} {2}([0-9A-F]{4} ){4}[0-9A-F]{4}$/);
    assert.ok(card.includes(grouped), `fingerprint ${grouped} in groups of four`);
    assert.ok(card.includes(k.uid.replace('<', '&lt;').replace('>', '&gt;')), 'user ID, escaped');
    assert.ok(card.includes(source));
    assert.match(card.slice(0, card.indexOf('</dl>')), /matches the reporter(&#39;|')s address on this case/);
    assert.match(card, /Usable for encryption/);
    assert.match(card, /<dt>Expires<\/dt><dd><time|<dt>Expires<\/dt><dd><span class="muted">never/);
    assert.ok(card.includes(`action="/cases/${reportId}/keys/${id}/confirm"`));
    assert.ok(card.includes(`action="/cases/${reportId}/keys/${id}/dismiss"`));
  }
});

test('someone pulled into the case sees no key section and cannot confirm or dismiss', async () => {
  const c = await webUser(h, cora);
  const page = await c.get(`/cases/${reportId}`);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, /reporter-keys|Fingerprint/);
  const id = keyIdOf.get(acKey.fingerprint)!;
  assert.equal((await c.post(`/cases/${reportId}/keys/${id}/confirm`)).status, 404);
  assert.equal((await c.post(`/cases/${reportId}/keys/${id}/dismiss`)).status, 404);
  assert.equal(await statusOf(id), 'candidate');
});

test('confirming needs the CSRF token; then mail to the reporter is encrypted to that key', async () => {
  const t = await webUser(h, tess);
  const id = keyIdOf.get(acKey.fingerprint)!;
  assert.equal((await t.post(`/cases/${reportId}/keys/${id}/confirm`, {}, { csrf: false })).status, 403);
  assert.equal(await statusOf(id), 'candidate');
  // A key id under another case's URL is not found there.
  assert.equal((await t.post(`/cases/${crypto.randomUUID()}/keys/${id}/confirm`)).status, 404);
  assert.equal(await statusOf(id), 'candidate');

  const ok = await t.post(`/cases/${reportId}/keys/${id}/confirm`);
  assert.equal(ok.status, 303, ok.body);
  assert.equal(ok.location, `/cases/${reportId}?done=key-confirmed#reporter-keys`);
  assert.equal(await statusOf(id), 'confirmed');
  const page = await t.get(`/cases/${reportId}?done=key-confirmed`);
  assert.match(page.body, /mail to the reporter is encrypted to it from now on/);
  const card = page.body.slice(page.body.indexOf(`id="key-${id}"`));
  assert.match(card.slice(0, card.indexOf('</dl>')), /<strong>Confirmed<\/strong>/);
  assert.ok(!card.slice(0, card.indexOf('</div>\n  </div>') + 1).includes(`/keys/${id}/confirm`), 'no second confirm button');
  const ev = await h.app.db.query<{ actor_id: string }>(
    `SELECT actor_id FROM audit_events WHERE action = 'key.confirmed' AND subject_id = $1`,
    [reportId],
  );
  assert.deepEqual(
    ev.rows.map((x) => x.actor_id),
    [tess.personId],
  );
  // Confirming it again is refused with the reason, on the case page.
  const again = await t.post(`/cases/${reportId}/keys/${id}/confirm`);
  assert.equal(again.status, 409);
  assert.match(again.body, /only a candidate can be confirmed/);
});

test('dismissing a key marks it rejected: it leaves the page and is never used', async () => {
  const t = await webUser(h, tess);
  const id = keyIdOf.get(attachedKey.fingerprint)!;
  const ok = await t.post(`/cases/${reportId}/keys/${id}/dismiss`);
  assert.equal(ok.status, 303, ok.body);
  assert.equal(await statusOf(id), 'rejected');
  const page = await t.get(`/cases/${reportId}?done=key-dismissed`);
  assert.match(page.body, /The key is dismissed/);
  assert.ok(!page.body.includes(`id="key-${id}"`));
  assert.equal((await t.post(`/cases/${reportId}/keys/${id}/dismiss`)).status, 404, 'no longer offered on this case');
  // The API says the same.
  const keys = (await api(h, 'GET', `/api/reports/${reportId}/keys`, { as: tess })).json.keys;
  assert.deepEqual(
    keys.map((k: any) => [k.fingerprint, k.status]),
    [[acKey.fingerprint, 'confirmed']],
  );
});
