// openInbound against GnuPG: every message here was encrypted and/or signed by gpg and wrapped in MIME
// the way mail clients do.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { startGpg, type GpgKey, type GpgPeer } from '../support/gpg.ts';
import { openInbound, UndecryptableError } from '../../src/mail/pgp-in.ts';
import { generateTeamKey, importTeamKey, exportPublicArmored, fingerprintOf } from '../../src/mail/team-key.ts';
import { MessageRejectedError, type PrivateKey, type PublicKey } from '../../src/mail/types.ts';
import { bytes, crlf, headersBlock, pgpMime, signedEntity } from './pgp-support.ts';

let gpg: GpgPeer;
let rita: GpgKey; // the reporter
let other: GpgKey; // someone who is not the team
let team: PrivateKey; // Curve25519 team key made by us
let teamRsa: PrivateKey; // RSA team key made by gpg, imported
let teamRsaGpg: GpgKey;
let ritaPublic: PublicKey;
let teamFpr: string;

const OUTER = {
  From: 'Rita Reporter <rita@example.org>',
  To: 'security@project.test',
  Subject: '...',
  'Message-ID': '<r1@example.org>',
  Date: 'Tue, 03 Nov 2026 10:00:00 +0000',
};

before(async () => {
  gpg = await startGpg();
  rita = await gpg.generateKey('Rita Reporter <rita@example.org>');
  other = await gpg.generateKey('Other Person <other@elsewhere.test>');
  teamRsaGpg = await gpg.generateKey('Project Security RSA <security-rsa@project.test>', { algorithm: 'rsa3072' });
  teamRsa = await importTeamKey(teamRsaGpg.secretArmored);
  team = await generateTeamKey({ name: 'Project Security', email: 'security@project.test' });
  teamFpr = fingerprintOf(team);
  await gpg.importKey(exportPublicArmored(team));
  ritaPublic = await openpgp.readKey({ armoredKey: rita.publicArmored });
});

after(async () => {
  await gpg?.close();
});

const keys = () => ({ teamKeys: [team, teamRsa], knownKeys: [ritaPublic] });

// Thunderbird 115: protected headers on the root of the encrypted payload and a legacy-display part.
function thunderbirdPayload(subject: string, text: string): string {
  return crlf(`Content-Type: multipart/mixed; boundary="tb-inner"; protected-headers="v1"
Subject: ${subject}
From: Rita Reporter <rita@example.org>
To: security@project.test
Message-ID: <r1@example.org>

--tb-inner
Content-Type: text/rfc822-headers; protected-headers="v1"
Content-Disposition: inline

Subject: ${subject}

--tb-inner
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

${text}
--tb-inner
Content-Type: text/x-c; charset=UTF-8; name="poc.c"
Content-Disposition: attachment; filename="poc.c"
Content-Transfer-Encoding: base64

aW50IG1haW4oKSB7IHJldHVybiAwOyB9Cg==
--tb-inner--
`);
}

test('PGP/MIME signed and encrypted in one OpenPGP message (Thunderbird): decrypted, verified, protected Subject, legacy part dropped', async () => {
  const payload = thunderbirdPayload('Heap overflow in parse_header()', 'Sending a crafted header overflows the heap. Überprüft.');
  const armored = await gpg.encrypt(payload, { recipients: [teamFpr], signWith: rita.fingerprint });
  const opened = await openInbound(pgpMime(OUTER, armored), keys());
  assert.equal(opened.security.encrypted, true);
  assert.equal(opened.security.encryptionShape, 'pgp-mime');
  assert.equal(opened.security.decryptedWithFingerprint, teamFpr);
  assert.equal(opened.security.signature.status, 'valid');
  assert.equal(opened.security.signature.signerFingerprint, rita.fingerprint);
  assert.equal(opened.security.signature.shape, 'encrypted-signed');
  assert.equal(opened.security.protectedHeaders, true);
  assert.equal(opened.outer.subject, '...');
  assert.equal(opened.inner.subject, 'Heap overflow in parse_header()');
  assert.equal(opened.inner.text?.trim(), 'Sending a crafted header overflows the heap. Überprüft.');
  assert.equal(opened.inner.messageId, 'r1@example.org');
  assert.deepEqual(
    opened.inner.attachments.map((a) => [a.filename, a.contentType]),
    [['poc.c', 'text/x-c']],
  );
  assert.equal(new TextDecoder().decode(opened.inner.attachments[0]!.bytes), 'int main() { return 0; }\n');
});

test('the RSA team key (made by gpg, imported) decrypts too, and is reported as the one used', async () => {
  const armored = await gpg.encrypt(crlf('Content-Type: text/plain\n\nto the rsa key\n'), { recipients: [teamRsaGpg.fingerprint] });
  const opened = await openInbound(pgpMime(OUTER, armored), keys());
  assert.equal(opened.security.decryptedWithFingerprint, teamRsaGpg.fingerprint);
  assert.equal(opened.inner.text?.trim(), 'to the rsa key');
  assert.equal(opened.security.signature.status, 'none');
});

test('multipart/signed inside the encryption (Enigmail/Mutt: sign, then encrypt the signed entity)', async () => {
  const content =
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nDetails with trailing space=20\r\nand more.\r\n';
  const entity = await signedEntity(gpg, content, rita.fingerprint);
  const armored = await gpg.encrypt(entity, { recipients: [teamFpr] });
  const opened = await openInbound(pgpMime(OUTER, armored), keys());
  assert.equal(opened.security.encrypted, true);
  assert.equal(opened.security.signature.status, 'valid');
  assert.equal(opened.security.signature.shape, 'multipart-signed');
  assert.equal(opened.security.signature.signerFingerprint, rita.fingerprint);
  assert.equal(opened.inner.text, 'Details with trailing space \r\nand more.\r\n');
  assert.equal(opened.inner.attachments.length, 0, 'the signature part is not an attachment');
});

test('multipart/signed without encryption: valid; a changed byte makes it invalid; a text-mode signature verifies too', async () => {
  const content = 'Content-Type: text/plain; charset=us-ascii\r\n\r\nThe fix is in commit abc123.\r\n';
  const entity = await signedEntity(gpg, content, rita.fingerprint);
  const raw = bytes(
    headersBlock({ From: 'rita@example.org', To: 'security@project.test', Subject: 'fix', 'MIME-Version': '1.0' }) + entity,
  );
  const ok = await openInbound(raw, keys());
  assert.equal(ok.security.encrypted, false);
  assert.equal(ok.security.signature.status, 'valid');
  assert.equal(ok.inner.text, 'The fix is in commit abc123.\r\n');

  const tampered = bytes(new TextDecoder().decode(raw).replace('abc123', 'abc124'));
  const bad = await openInbound(tampered, keys());
  assert.equal(bad.security.signature.status, 'invalid');
  assert.equal(bad.security.signature.signerFingerprint, rita.fingerprint);
  assert.match(bad.security.signature.detail ?? '', /altered|mangled/);

  const textmode = await signedEntity(gpg, content, rita.fingerprint, { textmode: true });
  const tm = await openInbound(bytes(headersBlock({ From: 'rita@example.org', 'MIME-Version': '1.0' }) + textmode), keys());
  assert.equal(tm.security.signature.status, 'valid');

  // An LF-only copy of the same message (as an MTA pipe may hand it over) still verifies: RFC 3156 canonical CRLF.
  const lf = await openInbound(bytes(new TextDecoder().decode(raw).replace(/\r\n/g, '\n')), keys());
  assert.equal(lf.security.signature.status, 'valid');
});

test('a signature by a key not on record is unknown_key; with that key attached it is valid_offered_key and the key is offered', async () => {
  const content = 'Content-Type: text/plain\r\n\r\nfrom a stranger\r\n';
  const entity = await signedEntity(gpg, content, other.fingerprint);
  const raw = bytes(headersBlock({ From: 'Other Person <other@elsewhere.test>', 'MIME-Version': '1.0' }) + entity);
  const opened = await openInbound(raw, keys());
  assert.equal(opened.security.signature.status, 'unknown_key');
  assert.equal(opened.security.signature.signerKeyId, other.keyId);
  assert.deepEqual(opened.offeredKeys, []);

  // Signed and encrypted, with the public key attached inside (Thunderbird's "attach my public key").
  const inner = crlf(`Content-Type: multipart/mixed; boundary="k"

--k
Content-Type: text/plain

first contact
--k
Content-Type: application/pgp-keys; name="OpenPGP_0x${other.keyId}.asc"
Content-Disposition: attachment; filename="OpenPGP_0x${other.keyId}.asc"

${other.publicArmored}
--k--
`);
  const armored = await gpg.encrypt(inner, { recipients: [teamFpr], signWith: other.fingerprint });
  const first = await openInbound(pgpMime({ ...OUTER, From: 'Other Person <other@elsewhere.test>' }, armored), keys());
  assert.equal(first.security.signature.status, 'valid_offered_key');
  assert.equal(first.security.signature.signerFingerprint, other.fingerprint);
  assert.equal(first.offeredKeys.length, 1);
  assert.equal(first.offeredKeys[0]!.source, 'attachment');
  assert.equal(first.offeredKeys[0]!.fingerprint, other.fingerprint);
  assert.equal(first.offeredKeys[0]!.matchesSender, true);
  assert.deepEqual(first.offeredKeys[0]!.userIds, ['Other Person <other@elsewhere.test>']);
  assert.match(first.offeredKeys[0]!.armored, /BEGIN PGP PUBLIC KEY BLOCK/);
});

test('a key whose user ID does not match the sender is offered with matchesSender=false', async () => {
  const raw = bytes(
    crlf(`From: Mallory <mallory@evil.test>
To: security@project.test
Subject: my key
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: text/plain

here is "my" key
--m
Content-Type: application/pgp-keys

${other.publicArmored}
--m--
`),
  );
  const opened = await openInbound(raw, keys());
  assert.equal(opened.offeredKeys.length, 1);
  assert.equal(opened.offeredKeys[0]!.matchesSender, false);
  assert.equal(opened.security.encrypted, false);
});

test('Autocrypt header: a key for the From address is offered; one for another address is ignored (Autocrypt 1.1)', async () => {
  const keydata = (await gpg.run(['--export', rita.fingerprint])).stdout.toString('base64').replace(/.{72}/g, '$&\r\n ');
  const mk = (addr: string) =>
    bytes(
      `From: Rita Reporter <rita@example.org>\r\nTo: security@project.test\r\nSubject: hello\r\nAutocrypt: addr=${addr}; prefer-encrypt=mutual; keydata=\r\n ${keydata}\r\n\r\nplain hello\r\n`,
    );
  const ok = await openInbound(mk('rita@example.org'), { teamKeys: [team], knownKeys: [] });
  assert.equal(ok.offeredKeys.length, 1);
  assert.equal(ok.offeredKeys[0]!.source, 'autocrypt');
  assert.equal(ok.offeredKeys[0]!.fingerprint, rita.fingerprint);
  assert.equal(ok.offeredKeys[0]!.matchesSender, true);
  assert.equal(ok.security.encrypted, false);
  assert.equal(ok.security.signature.status, 'none');
  assert.equal(ok.inner.text, 'plain hello\r\n');
  const ignored = await openInbound(mk('someone-else@example.org'), { teamKeys: [team], knownKeys: [] });
  assert.deepEqual(ignored.offeredKeys, []);
});

test('inline PGP: an armored block in text/plain, signed and encrypted', async () => {
  const armored = await gpg.encrypt('Inline report: the token is logged.\n', { recipients: [teamFpr], signWith: rita.fingerprint });
  const raw = bytes(
    headersBlock({ From: 'rita@example.org', To: 'security@project.test', Subject: 'inline' }) +
      'Content-Type: text/plain; charset=us-ascii\r\n\r\n' +
      crlf(armored),
  );
  const opened = await openInbound(raw, keys());
  assert.equal(opened.security.encrypted, true);
  assert.equal(opened.security.encryptionShape, 'inline');
  assert.equal(opened.security.signature.status, 'valid');
  assert.equal(opened.security.signature.signerFingerprint, rita.fingerprint);
  assert.equal(opened.inner.text, 'Inline report: the token is logged.\n');
  assert.equal(opened.inner.subject, 'inline');
});

test('inline clearsigned text: valid; altered text: invalid; inline signed (not clearsigned): valid', async () => {
  const signed = await gpg.clearsign('I confirm the embargo date.\n', rita.fingerprint);
  const mk = (body: string) =>
    bytes(`From: rita@example.org\r\nSubject: confirm\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\n${crlf(body)}`);
  const ok = await openInbound(mk(signed), keys());
  assert.equal(ok.security.signature.status, 'valid');
  assert.equal(ok.security.signature.shape, 'inline-clearsigned');
  assert.equal(ok.inner.text, 'I confirm the embargo date.');
  assert.equal(ok.signedEntity?.kind, 'clearsigned', 'ready to relay with the signature intact');
  const bad = await openInbound(mk(signed.replace('embargo date', 'embargo dates')), keys());
  assert.equal(bad.security.signature.status, 'invalid');

  const inlineSigned = await gpg.signInline('signed, not encrypted\n', rita.fingerprint);
  const s = await openInbound(mk(inlineSigned), keys());
  assert.equal(s.security.encrypted, false);
  assert.equal(s.security.signature.status, 'valid');
  assert.equal(s.inner.text, 'signed, not encrypted\n');
});

test('a message encrypted to another key: UndecryptableError not_for_us naming the key, explained for a reply', async () => {
  const armored = await gpg.encrypt(crlf('Content-Type: text/plain\n\nsecret\n'), { recipients: [other.fingerprint] });
  await assert.rejects(openInbound(pgpMime(OUTER, armored), keys()), (e: unknown) => {
    assert.ok(e instanceof UndecryptableError);
    assert.equal(e.reason, 'not_for_us');
    assert.ok(e.recipientKeyIds.length >= 1);
    assert.match(e.message, /not a key of this team/);
    assert.match(e.message, /team key attached/);
    return true;
  });
});

test('PGP garbage and broken packets: UndecryptableError, never a crash', async () => {
  const garbage = '-----BEGIN PGP MESSAGE-----\n\nThis is not base64 at all!!\n-----END PGP MESSAGE-----\n';
  await assert.rejects(
    openInbound(pgpMime(OUTER, garbage), keys()),
    (e: unknown) => e instanceof UndecryptableError && e.reason === 'garbage',
  );

  // Real ciphertext with bytes flipped in the encrypted data packet: the integrity check fails.
  const binary = Buffer.from(
    await gpg.encrypt(crlf('Content-Type: text/plain\n\nintegrity\n'), { recipients: [teamFpr], armor: false }),
    'latin1',
  );
  const flipped = Buffer.from(binary);
  for (let i = flipped.length - 20; i < flipped.length - 10; i++) flipped[i] = flipped[i]! ^ 0xff;
  const rearmored = openpgp.armor(openpgp.enums.armor.message, new Uint8Array(flipped));
  await assert.rejects(openInbound(pgpMime(OUTER, rearmored), keys()), (e: unknown) => {
    assert.ok(e instanceof UndecryptableError, String(e));
    assert.ok(e.reason === 'corrupt' || e.reason === 'garbage');
    return true;
  });

  // Truncated armour.
  const truncated = `${(await gpg.encrypt('x', { recipients: [teamFpr] })).slice(0, 120)}\n-----END PGP MESSAGE-----\n`;
  await assert.rejects(openInbound(pgpMime(OUTER, truncated), keys()), UndecryptableError);

  // multipart/encrypted with only the control part.
  const broken = bytes(
    crlf(`From: rita@example.org
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b

--b
Content-Type: application/pgp-encrypted

Version: 1
--b--
`),
  );
  await assert.rejects(openInbound(broken, keys()), (e: unknown) => e instanceof UndecryptableError && e.reason === 'bad_structure');
});

test('a compression bomb is a typed too_large error, not an out-of-memory', async () => {
  const zeros = new Uint8Array(40 * 1024 * 1024);
  const armored = await gpg.run(
    ['--armor', '--compress-algo', 'zlib', '--compress-level', '9', '--recipient', teamFpr, '--encrypt'],
    zeros,
  );
  assert.equal(armored.code, 0);
  assert.ok(armored.stdout.length < 1024 * 1024);
  await assert.rejects(
    openInbound(pgpMime(OUTER, armored.stdout.toString('utf8')), keys(), { maxBytes: 10 * 1024 * 1024 }),
    (e: unknown) => {
      assert.ok(e instanceof MessageRejectedError, String(e));
      assert.equal(e.rejection, 'too_large');
      return true;
    },
  );
});

test('plain mail is accepted and marked as such; MIME limits apply before any crypto', async () => {
  const opened = await openInbound(bytes('From: a@b.test\r\nSubject: plain\r\n\r\nhello'), keys());
  assert.equal(opened.security.encrypted, false);
  assert.equal(opened.security.signature.status, 'none');
  assert.equal(opened.inner, opened.outer);
  await assert.rejects(openInbound(bytes('garbage without headers'), keys()), MessageRejectedError);
});
