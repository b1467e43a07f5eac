import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALIAS, deliver, startMailDesk, type MailDesk } from '../inbound/support.ts';
import { crlf, pgpMime, signedEntity } from './pgp-support.ts';
import {
  activeTeamKey,
  allTeamKeys,
  caseKeyCandidates,
  confirmKey,
  confirmedKeys,
  generateTeamKeyFor,
  teamPublicKey,
} from '../../src/app/keys/keys.ts';

// The mail jobs keep parsed keys in memory (src/app/keys/keys.ts) instead of parsing them for every
// message. These tests prove the cache never serves a stale view: a key confirmed after a first
// message verifies the next one, and a team key made after mail was processed is the one used to
// decrypt and to sign from then on — all in one App, whose caches were warmed by the earlier mail.

let d: MailDesk;
before(async () => {
  d = await startMailDesk();
});
after(async () => {
  await d?.close();
});

/** A PGP/MIME report by Rita: signed by her key (not attached), encrypted to the given team key. */
async function ritaMail(
  teamFingerprint: string,
  subject: string,
  messageId: string,
  extra: Record<string, string> = {},
): Promise<Uint8Array> {
  const content = `Content-Type: text/plain; charset=utf-8\n\n${subject}: the BL2 loader trusts the FIP header length.\n`;
  const signed = await signedEntity(d.gpg, content, d.reporterKey.fingerprint);
  const armored = await d.gpg.encrypt(crlf(signed), { recipients: [teamFingerprint] });
  return pgpMime(
    { From: 'Rita Reporter <rita@research.example>', To: ALIAS, Subject: '...', 'Message-ID': `<${messageId}>`, ...extra },
    armored,
  );
}

test('a reporter key confirmed after a first message verifies the next one (the cached key list follows confirmations)', async () => {
  const { h, gpg, team, reporterKey, triager } = d;
  // First message: signed, without the key, by a key the desk has never seen.
  const first = await deliver(h, await ritaMail(team.fingerprint, 'First', 'cache-first@research.example'));
  assert.equal(first.row.status, 'done', first.row.error ?? '');
  assert.equal(first.row.signature, 'unknown_key');
  assert.equal(first.row.signer_fingerprint, reporterKey.fingerprint.slice(-16));
  const reportId = first.row.report_id!;
  // The intake has parsed (and cached) the confirmed keys: the triager's only.
  assert.deepEqual(
    (await confirmedKeys(h.app, h.app.db, h.app)).map((k) => k.email),
    ['tess@tf.example'],
  );

  // Rita offers her key by mail (an attached key, signed by it), and the triager confirms it.
  const keyMail = crlf(
    `Content-Type: multipart/mixed; boundary="k"\n\n--k\nContent-Type: text/plain; charset=utf-8\n\nMy key is attached.\n--k\nContent-Type: application/pgp-keys; name="rita.asc"\nContent-Disposition: attachment; filename="rita.asc"\n\n${reporterKey.publicArmored}\n--k--\n`,
  );
  const offered = await deliver(
    h,
    pgpMime(
      {
        From: 'Rita Reporter <rita@research.example>',
        To: ALIAS,
        Subject: '...',
        'Message-ID': '<cache-key@research.example>',
        'In-Reply-To': '<cache-first@research.example>',
      },
      await gpg.encrypt(keyMail, { recipients: [team.fingerprint], signWith: reporterKey.fingerprint }),
    ),
  );
  assert.equal(offered.row.report_id, reportId, offered.row.error ?? '');
  assert.equal(offered.row.signature, 'unknown_key'); // verified only with the key it carries itself
  const candidate = (await caseKeyCandidates(triager.ctx, reportId)).find((k) => k.fingerprint === reporterKey.fingerprint);
  assert.ok(candidate, 'the offered key is a candidate on the case');
  await confirmKey(triager.ctx, candidate.id);

  // The next message from Rita, without the key: verified against the key confirmed since.
  const next = await deliver(
    h,
    await ritaMail(team.fingerprint, 'Second', 'cache-second@research.example', { 'In-Reply-To': '<cache-first@research.example>' }),
  );
  assert.equal(next.row.status, 'done', next.row.error ?? '');
  assert.equal(next.row.outcome, 'reporter_reply');
  assert.equal(next.row.signature, 'valid');
  assert.equal(next.row.signer_fingerprint, reporterKey.fingerprint);
});

test('a rotated team key is used at once: mail to it decrypts, mail to the old one still does, outbound signs with it', async () => {
  const { h, gpg, team, admin } = d;
  // Warm the caches with the first team key.
  assert.equal((await activeTeamKey(h.app))!.getFingerprint().toUpperCase(), team.fingerprint);
  const before = await deliver(h, await ritaMail(team.fingerprint, 'Before rotation', 'cache-rot-0@research.example'));
  assert.equal(before.row.status, 'done', before.row.error ?? '');
  assert.equal(before.row.encryption, 'pgp-mime');

  // GnuPG refuses a key made in its future: the desk makes the new key at the real time, as in startMailDesk.
  const deskNow = h.app.clock();
  h.clock.set(new Date(Date.now() - 1000).toISOString());
  const rotated = await generateTeamKeyFor(admin.ctx, { algorithm: 'curve25519' });
  h.clock.set(deskNow.toISOString());
  assert.notEqual(rotated.fingerprint, team.fingerprint);
  assert.equal((await teamPublicKey(h.app.db))!.fingerprint, rotated.fingerprint);
  await gpg.importKey((await teamPublicKey(h.app.db))!.armored);

  // The delivery job signs with the active key: the new one, not the cached old one.
  assert.equal((await activeTeamKey(h.app))!.getFingerprint().toUpperCase(), rotated.fingerprint);
  assert.deepEqual(
    (await allTeamKeys(h.app)).map((k) => k.getFingerprint().toUpperCase()),
    [rotated.fingerprint, team.fingerprint],
  );

  // Mail encrypted only to the new key decrypts; mail to the retired key still does.
  const toNew = await deliver(h, await ritaMail(rotated.fingerprint, 'After rotation', 'cache-rot-1@research.example'));
  assert.equal(toNew.row.status, 'done', toNew.row.error ?? '');
  assert.equal(toNew.row.outcome, 'new_report');
  assert.equal(toNew.row.encryption, 'pgp-mime');
  const toOld = await deliver(h, await ritaMail(team.fingerprint, 'Old key still', 'cache-rot-2@research.example'));
  assert.equal(toOld.row.status, 'done', toOld.row.error ?? '');
  assert.equal(toOld.row.encryption, 'pgp-mime');
});
