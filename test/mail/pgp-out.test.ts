// What leaves the gateway, checked by GnuPG: it must decrypt it and verify the team's (sealOutbound)
// or the member's (relaySigned) signature.

import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { startGpg, validSigPrimary, type GpgKey, type GpgPeer } from '../support/gpg.ts';
import { sealOutbound, sealForEach, relaySigned, quotedPrintable } from '../../src/mail/pgp-out.ts';
import { openInbound } from '../../src/mail/pgp-in.ts';
import { parseMessage, parseEntity, decodeTransfer, decodeText } from '../../src/mail/mime.ts';
import { generateTeamKey, importTeamKey, exportPublicArmored, fingerprintOf } from '../../src/mail/team-key.ts';
import { DEFAULT_MIME_LIMITS, type PrivateKey, type PublicKey } from '../../src/mail/types.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { bytes, crlf, signedEntity } from './pgp-support.ts';

let gpg: GpgPeer;
let rita: GpgKey; // reporter, receives
let maya: GpgKey; // member, signs her replies
let bob: GpgKey; // member, receives a copy
let team: PrivateKey;
let teamRsa: PrivateKey;
let teamRsaGpg: GpgKey;
let ritaPub: PublicKey;
let bobPub: PublicKey;
let mayaPub: PublicKey;

before(async () => {
  gpg = await startGpg();
  rita = await gpg.generateKey('Rita Reporter <rita@example.org>');
  maya = await gpg.generateKey('Maya Member <maya@project.test>');
  bob = await gpg.generateKey('Bob Member <bob@project.test>', { algorithm: 'rsa3072' });
  teamRsaGpg = await gpg.generateKey('Security RSA <security-rsa@project.test>', { algorithm: 'rsa3072' });
  teamRsa = await importTeamKey(teamRsaGpg.secretArmored);
  team = await generateTeamKey({ name: 'Project Security', email: 'security@project.test' });
  await gpg.importKey(exportPublicArmored(team));
  const read = (k: GpgKey) => openpgp.readKey({ armoredKey: k.publicArmored }) as Promise<PublicKey>;
  [ritaPub, bobPub, mayaPub] = [await read(rita), await read(bob), await read(maya)];
});

after(async () => {
  await gpg?.close();
});

const HEADERS = {
  'Message-ID': '<out-1@project.test>',
  'In-Reply-To': '<r1@example.org>',
  References: '<r1@example.org>',
  'Auto-Submitted': 'auto-generated',
};

for (const which of ['curve25519', 'rsa'] as const) {
  test(`sealOutbound (${which} team key): gpg decrypts, VALIDSIG is the team's, the real Subject is only inside`, async () => {
    const signingKey = which === 'rsa' ? teamRsa : team;
    const raw = await sealOutbound({
      from: 'Project Security <security@project.test>',
      to: ['Rita Reporter <rita@example.org>'],
      cc: ['bob@project.test'],
      subject: '[TF-2026-0007] Heap overflow — confirmed',
      text: 'Thanks, we reproduced it.\n\nLine with trailing space \nFrom the team.\n.\n',
      attachments: [{ filename: 'patch ü.diff', contentType: 'text/x-diff', bytes: bytes('--- a\n+++ b\n') }],
      headers: HEADERS,
      recipientKeys: [ritaPub, bobPub],
      signingKey,
      date: new Date('2026-11-03T10:00:00Z'),
    });
    const text = new TextDecoder().decode(raw);
    assert.doesNotMatch(text, /Heap overflow|reproduced/, 'nothing secret outside the encryption');
    assert.match(text, /^Subject: \.\.\.\r$/m);
    assert.match(text, /^Message-ID: <out-1@project.test>\r$/m);
    assert.match(text, /^Auto-Submitted: auto-generated\r$/m);
    assert.match(text, /^Date: Tue, 03 Nov 2026 10:00:00 \+0000\r$/m);

    const outer = parseMessage(raw);
    assert.equal(outer.root.contentType.value, 'multipart/encrypted');
    const armored = new TextDecoder().decode(outer.root.children[1]!.decodedBody());
    const out = await gpg.decrypt(armored);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(validSigPrimary(out.status), fingerprintOf(signingKey));
    // Both recipients can decrypt: the session key is encrypted to each of their keys.
    const encTo = out.status.filter((l) => l.startsWith('ENC_TO ')).map((l) => l.split(' ')[1]);
    assert.equal(encTo.length, 2);

    const inner = parseEntity(new Uint8Array(out.stdout), DEFAULT_MIME_LIMITS, []);
    assert.equal(inner.contentType.params['protected-headers'], 'v1');
    assert.equal(inner.headers.get('subject'), '[TF-2026-0007] Heap overflow — confirmed');
    assert.equal(inner.headers.get('to'), 'Rita Reporter <rita@example.org>');
    const body = inner.children[0]!;
    assert.equal(
      decodeText(body.decodedBody(), 'utf-8', []),
      'Thanks, we reproduced it.\r\n\r\nLine with trailing space \r\nFrom the team.\r\n.\r\n',
    );
    const att = inner.children[1]!;
    assert.equal(att.disposition?.params.filename, 'patch ü.diff');
    assert.equal(new TextDecoder().decode(att.decodedBody()), '--- a\n+++ b\n');
  });
}

for (const which of ['curve25519', 'rsa'] as const) {
  test(`sealForEach (${which} team key): one signature shared by the copies, each copy decrypted and verified by gpg`, async () => {
    const signingKey = which === 'rsa' ? teamRsa : team;
    const raws = await sealForEach({
      from: 'Project Security <security@project.test>',
      to: ['security@project.test'],
      subject: '[TF-2026-0008] Second message',
      text: 'The overflow also reaches BL31.\n',
      signingKey,
      date: new Date('2026-11-03T10:00:00Z'),
      copies: [
        { to: ['rita@example.org'], headers: { 'Message-ID': '<copy-1@project.test>' }, recipientKey: ritaPub },
        { to: ['bob@project.test'], headers: { 'Message-ID': '<copy-2@project.test>' }, recipientKey: bobPub },
      ],
    });
    assert.equal(raws.length, 2);
    const sigIds: string[] = [];
    for (const [i, raw] of raws.entries()) {
      const text = new TextDecoder().decode(raw);
      assert.doesNotMatch(text, /BL31|Second message/, 'nothing secret outside the encryption');
      assert.match(
        text,
        new RegExp(`^To: ${i === 0 ? 'rita@example.org' : 'bob@project.test'}\r$`, 'm'),
        "the outer To names the copy's recipient",
      );
      assert.match(text, new RegExp(`^Message-ID: <copy-${i + 1}@project.test>\r$`, 'm'));
      const outer = parseMessage(raw);
      const out = await gpg.decrypt(new TextDecoder().decode(outer.root.children[1]!.decodedBody()));
      assert.equal(out.code, 0, out.stderr);
      assert.equal(validSigPrimary(out.status), fingerprintOf(signingKey));
      // Each copy is encrypted to its recipient alone.
      assert.equal(out.status.filter((l) => l.startsWith('ENC_TO ')).length, 1);
      sigIds.push(out.status.find((l) => l.startsWith('SIG_ID '))!.split(' ')[1]!);
      const inner = parseEntity(new Uint8Array(out.stdout), DEFAULT_MIME_LIMITS, []);
      assert.equal(inner.headers.get('subject'), '[TF-2026-0008] Second message');
      assert.equal(inner.headers.get('to'), 'security@project.test', "the protected headers are the message's");
      assert.equal(inner.headers.get('message-id'), undefined, 'nothing of one copy inside the signed entity');
    }
    assert.equal(sigIds[0], sigIds[1], 'one signature for both copies');
  });
}

test('sealOutbound output opens with openInbound (round trip), protected Subject restored', async () => {
  const ritaSecret = await openpgp.readPrivateKey({ armoredKey: rita.secretArmored });
  const raw = await sealOutbound({
    from: 'security@project.test',
    to: ['rita@example.org'],
    subject: 'Ünïcode subject that is long enough to need more than one encoded word in the header',
    text: 'hello',
    headers: { 'Message-ID': '<rt@project.test>' },
    recipientKeys: [ritaPub],
    signingKey: team,
  });
  const opened = await openInbound(raw, { teamKeys: [ritaSecret], knownKeys: [team.toPublic()] });
  assert.equal(opened.security.signature.status, 'valid');
  assert.equal(opened.security.signature.signerFingerprint, fingerprintOf(team));
  assert.equal(opened.inner.subject, 'Ünïcode subject that is long enough to need more than one encoded word in the header');
  assert.equal(opened.inner.text, 'hello\r\n');
  assert.equal(opened.outer.subject, '...');
});

test('relaySigned (multipart/signed): the reporter decrypts and the member signature verifies with gpg', async () => {
  const content = crlf(
    'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nWe will publish on 2026-12-01.=20\nMaya\n',
  );
  const entity = await signedEntity(gpg, content, maya.fingerprint);
  // The member sends it encrypted to the team; the gateway opens it, finds the signed entity and relays it.
  const armoredIn = await gpg.encrypt(entity, { recipients: [fingerprintOf(team)] });
  const { pgpMime } = await import('./pgp-support.ts');
  const opened = await openInbound(
    pgpMime({ From: 'Maya Member <maya@project.test>', To: 'reply+tok@project.test', Subject: '...' }, armoredIn),
    { teamKeys: [team], knownKeys: [mayaPub] },
  );
  assert.equal(opened.security.signature.status, 'valid');
  assert.equal(opened.security.signature.signerFingerprint, maya.fingerprint);
  assert.equal(opened.signedEntity?.kind, 'multipart-signed');

  const relayed = await relaySigned({
    from: 'Maya Member via Project Security <security@project.test>',
    to: ['rita@example.org'],
    subject: '[TF-2026-0007] Publication date',
    headers: { 'Message-ID': '<relay-1@project.test>', 'Reply-To': 'reply+tok@project.test' },
    signed: opened.signedEntity!,
    recipientKeys: [ritaPub],
  });
  assert.doesNotMatch(new TextDecoder().decode(relayed), /2026-12-01/);
  const outer = parseMessage(relayed);
  const out = await gpg.decrypt(new TextDecoder().decode(outer.root.children[1]!.decodedBody()));
  assert.equal(out.code, 0, out.stderr);
  const inner = parseEntity(new Uint8Array(out.stdout), DEFAULT_MIME_LIMITS, []);
  assert.equal(inner.contentType.value, 'multipart/signed');
  assert.equal(inner.headers.get('subject'), '[TF-2026-0007] Publication date');
  const signedPart = inner.children[0]!.raw;
  const sig = new TextDecoder().decode(inner.children[1]!.decodedBody());
  const verified = await gpg.verifyDetached(signedPart, sig);
  assert.equal(validSigPrimary(verified.status), maya.fingerprint, verified.stderr);
  // And our own reader agrees.
  const ritaSecret = await openpgp.readPrivateKey({ armoredKey: rita.secretArmored });
  const back = await openInbound(relayed, { teamKeys: [ritaSecret], knownKeys: [mayaPub] });
  assert.equal(back.security.signature.status, 'valid');
  assert.equal(back.security.signature.signerFingerprint, maya.fingerprint);
  assert.equal(back.inner.text, 'We will publish on 2026-12-01. \r\nMaya\r\n');
});

test('relaySigned (clearsigned): gpg decrypts, and the clearsigned text inside verifies as the member', async () => {
  const clear = await gpg.clearsign('Confirmed: CVE-2026-12345 is ours.\n  indented line\n', maya.fingerprint);
  const relayed = await relaySigned({
    from: 'security@project.test',
    to: ['rita@example.org'],
    subject: 'confirmation',
    headers: {},
    signed: { kind: 'clearsigned', text: clear },
    recipientKeys: [ritaPub],
  });
  const outer = parseMessage(relayed);
  const out = await gpg.decrypt(new TextDecoder().decode(outer.root.children[1]!.decodedBody()));
  assert.equal(out.code, 0, out.stderr);
  const inner = parseEntity(new Uint8Array(out.stdout), DEFAULT_MIME_LIMITS, []);
  const text = new TextDecoder().decode(decodeTransfer(inner.rawBody, inner.transferEncoding, []));
  const verified = await gpg.run(['--verify'], text);
  assert.equal(validSigPrimary(verified.status), maya.fingerprint, verified.stderr);
});

test('refusals: header injection, no recipient key, a non-signed entity to relay', async () => {
  const base = {
    from: 'security@project.test',
    to: ['rita@example.org'],
    subject: 's',
    text: 't',
    headers: {},
    recipientKeys: [ritaPub],
    signingKey: team,
  };
  await assert.rejects(sealOutbound({ ...base, subject: 'x\r\nBcc: evil@evil.test' }), ValidationError);
  await assert.rejects(sealOutbound({ ...base, headers: { 'X-Foo': 'a\nBcc: evil@evil.test' } }), ValidationError);
  await assert.rejects(sealOutbound({ ...base, headers: { Subject: 'override' } }), ValidationError);
  await assert.rejects(sealOutbound({ ...base, to: ['not an address'] }), ValidationError);
  await assert.rejects(sealOutbound({ ...base, recipientKeys: [] }), /unencrypted/);
  await assert.rejects(
    relaySigned({
      from: 'security@project.test',
      to: ['rita@example.org'],
      subject: 's',
      headers: {},
      signed: { kind: 'multipart-signed', raw: bytes('Content-Type: text/plain\r\n\r\nnot signed') },
      recipientKeys: [ritaPub],
    }),
    ValidationError,
  );
  await assert.rejects(
    relaySigned({
      from: 'security@project.test',
      to: ['rita@example.org'],
      subject: 's',
      headers: {},
      signed: { kind: 'clearsigned', text: 'plain' },
      recipientKeys: [ritaPub],
    }),
    ValidationError,
  );
});

test('quoted-printable keeps trailing spaces, long lines and non-ASCII exactly', () => {
  const input = `a \n${'x'.repeat(200)}\nÜ=\t\nFrom here`;
  const qp = quotedPrintable(input);
  assert.ok(qp.split('\r\n').every((l) => l.length <= 76));
  assert.equal(new TextDecoder().decode(decodeTransfer(bytes(qp), 'quoted-printable', [])), input.replace(/\n/g, '\r\n'));
});

test('a header with no value is left out (no empty Reply-To when the desk has no reply address)', async () => {
  const raw = await sealOutbound({
    from: 'security@project.test',
    to: ['rita@example.org'],
    subject: 'notice',
    text: 'hello',
    headers: { 'Message-ID': '<empty-reply@project.test>', 'Reply-To': '', 'Auto-Submitted': 'auto-generated' },
    recipientKeys: [ritaPub],
    signingKey: team,
  });
  const head = new TextDecoder().decode(raw).split('\r\n\r\n')[0]!;
  assert.doesNotMatch(head, /^Reply-To:/im);
  assert.match(head, /^Auto-Submitted: auto-generated$/m);
});
