import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, MessageRejectedError, MAX_MIME_DEPTH, MAX_MESSAGE_BYTES, sanitizeFilename } from '../../src/mail/mime.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

function rejectedWith(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof MessageRejectedError, `expected MessageRejectedError, got ${String(e)}`);
    assert.equal(e.rejection, code);
    assert.ok(e.message.length > 10);
    return true;
  };
}

test('a Thunderbird-style multipart/mixed message: headers, threading fields, text, html, attachment', () => {
  const raw = enc(
    crlf(`Return-Path: <alice@example.org>
From: =?UTF-8?Q?Al=C3=AFce?= <alice@EXAMPLE.org>
To: security@project.test, "Bob, B." <bob@project.test>
Cc: carol@project.test
Subject: =?UTF-8?B?VnVsbjogw6lsw6l2YXRpb24gZGUgcHJpdmlsw6hnZXM=?=
Date: Tue, 03 Nov 2026 10:00:00 +0100
Message-ID: <m1@example.org>
In-Reply-To: <m0@project.test>
References: <a@x> <m0@project.test>
Auto-Submitted: no
Precedence: Bulk
List-Id: <security.project.test>
Autocrypt: addr=alice@example.org; keydata=AAAA
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 overflow in parse()=
 here.
--inner
Content-Type: text/html; charset=utf-8

<p>Caf\u00e9</p>
--inner--
--outer
Content-Type: application/octet-stream; name="../../etc/passwd"
Content-Disposition: attachment; filename*=utf-8''po%C3%A7.bin
Content-Transfer-Encoding: base64

AAECAwQ=
--outer--
epilogue
`),
  );
  const m = parseMessage(raw);
  assert.equal(m.subject, 'Vuln: élévation de privilèges');
  assert.deepEqual(m.from, { name: 'Alïce', address: 'alice@example.org' });
  assert.deepEqual(
    m.to.map((a) => a.address),
    ['security@project.test', 'bob@project.test'],
  );
  assert.equal(m.to[1]!.name, 'Bob, B.');
  assert.deepEqual(
    m.cc.map((a) => a.address),
    ['carol@project.test'],
  );
  assert.equal(m.messageId, 'm1@example.org');
  assert.deepEqual(m.inReplyTo, ['m0@project.test']);
  assert.deepEqual(m.references, ['a@x', 'm0@project.test']);
  assert.equal(m.autoSubmitted, 'no');
  assert.equal(m.precedence, 'bulk');
  assert.equal(m.returnPath, 'alice@example.org');
  assert.equal(m.list.id, '<security.project.test>');
  assert.deepEqual(m.autocrypt, ['addr=alice@example.org; keydata=AAAA']);
  assert.equal(m.date?.toISOString(), '2026-11-03T09:00:00.000Z');
  assert.equal(m.text, 'Café overflow in parse() here.');
  assert.equal(m.html?.trim(), '<p>Café</p>');
  assert.equal(m.attachments.length, 1);
  assert.equal(m.attachments[0]!.filename, 'poç.bin');
  assert.deepEqual([...m.attachments[0]!.bytes], [0, 1, 2, 3, 4]);
  assert.equal(m.attachments[0]!.partPath, '2');
  assert.deepEqual(m.warnings, []);

  // Raw bytes of every part are exactly the bytes between the delimiters (what multipart/signed signs).
  const alt = m.root.children[0]!;
  const text = new TextDecoder().decode(alt.raw);
  assert.ok(text.startsWith('Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n'));
  assert.ok(text.endsWith('--inner--'), JSON.stringify(text.slice(-20)));
  const plain = new TextDecoder().decode(alt.children[0]!.raw);
  assert.equal(
    plain,
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 overflow in parse()=\r\n here.',
  );
});

test('LF-only mail (as an MTA pipe may deliver it) parses the same', () => {
  const m = parseMessage(
    enc(
      'From: a@b.test\nSubject: hi\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nbody one\n--x\nContent-Type: text/plain\n\nbody two\n--x--\n',
    ),
  );
  assert.equal(m.text, 'body one\nbody two');
  assert.equal(new TextDecoder().decode(m.root.children[0]!.raw), '\nbody one');
});

test('non-UTF-8 text: ISO-8859-1 and Shift_JIS declared are decoded; a wrong or unknown charset never crashes', () => {
  const latin = new Uint8Array([
    ...enc('From: a@b.test\r\nSubject: =?ISO-8859-1?Q?r=E9sum=E9?=\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\n'),
    0x72,
    0xe9,
    0x73,
    0x75,
    0x6d,
    0xe9,
  ]);
  const m1 = parseMessage(latin);
  assert.equal(m1.subject, 'résumé');
  assert.equal(m1.text, 'résumé');

  const sjis = new Uint8Array([...enc('From: a@b.test\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n'), 0x93, 0xfa, 0x96, 0x7b]);
  assert.equal(parseMessage(sjis).text, '日本');

  const lying = new Uint8Array([...enc('From: a@b.test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'), 0x72, 0xe9, 0xff]);
  const m3 = parseMessage(lying);
  assert.equal(m3.text, 'r\ufffd\ufffd');
  assert.match(m3.warnings.join(), /not valid utf-8/);

  const unknown = new Uint8Array([...enc('From: a@b.test\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nplain ascii')]);
  const m4 = parseMessage(unknown);
  assert.equal(m4.text, 'plain ascii');
  assert.match(m4.warnings.join(), /unknown charset/);

  // 8-bit header bytes that are not UTF-8 are kept (windows-1252), not dropped.
  const header8 = new Uint8Array([...enc('From: a@b.test\r\nSubject: caf'), 0xe9, ...enc('\r\n\r\nx')]);
  assert.equal(parseMessage(header8).subject, 'café');
});

test('broken base64 decodes what it can and warns', () => {
  const m = parseMessage(enc(crlf('From: a@b.test\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8g!!d29y*bGQ=\n')));
  assert.equal(m.text, 'hello world');
  assert.match(m.warnings.join(), /broken base64/);
});

test('wrong boundaries: the body stays readable as text, with a warning; a missing close boundary keeps the last part', () => {
  const wrong = parseMessage(
    enc(
      crlf(
        'From: a@b.test\nContent-Type: multipart/mixed; boundary="expected"\n\n--other\nContent-Type: text/plain\n\nsecret report\n--other--\n',
      ),
    ),
  );
  assert.match(wrong.text ?? '', /secret report/);
  assert.match(wrong.warnings.join(), /boundary/);

  const missingParam = parseMessage(enc(crlf('From: a@b.test\nContent-Type: multipart/mixed\n\nreport text\n')));
  assert.equal(missingParam.text, 'report text\r\n');

  const unclosed = parseMessage(
    enc(crlf('From: a@b.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\n--b\n\nsecond, never closed\n')),
  );
  assert.equal(unclosed.text, 'first\nsecond, never closed\r\n');
  assert.match(unclosed.warnings.join(), /closing boundary/);

  // A line that merely starts with the boundary text is not a delimiter.
  const prefix = parseMessage(
    enc(crlf('From: a@b.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--bb not a delimiter\n--b--\n')),
  );
  assert.equal(prefix.text, 'one\r\n--bb not a delimiter');
});

test('malformed MIME: garbage without headers is refused with a typed error; odd headers are survivable', () => {
  assert.throws(() => parseMessage(enc('\r\n\r\njust some bytes')), rejectedWith('malformed'));
  assert.throws(() => parseMessage(new Uint8Array(0)), rejectedWith('malformed'));
  const odd = parseMessage(enc(crlf('From a@b.test Mon Jan 1\nFrom: a@b.test\nContent-Type: ;;;=\nbroken header line\n\nbody')));
  assert.equal(odd.text, 'body');
  const badType = parseMessage(enc(crlf('From: a@b.test\nContent-Type: text/plain/evil"; charset=utf-8\n\nbody')));
  assert.equal(badType.text, 'body');
});

test('1,000 nested multiparts: a typed too_deep error, no stack overflow', () => {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost';
  for (let i = 0; i < 1000; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--`;
  const raw = enc(`From: a@b.test\r\n${body}`);
  assert.throws(() => parseMessage(raw), rejectedWith('too_deep'));
  // The same shape within the limit parses.
  let ok = 'Content-Type: text/plain\r\n\r\ninnermost';
  for (let i = 0; i < MAX_MIME_DEPTH; i++) ok = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${ok}\r\n--b${i}--`;
  assert.equal(parseMessage(enc(`From: a@b.test\r\n${ok}`)).text, 'innermost');
});

test('too many sibling parts: typed error', () => {
  const parts = Array.from({ length: 600 }, () => '--b\r\n\r\nx\r\n').join('');
  assert.throws(
    () => parseMessage(enc(`From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`)),
    rejectedWith('too_many_parts'),
  );
});

test('a 30 MB attachment: typed too_large error before any parsing', () => {
  const payload = Buffer.alloc(30 * 1024 * 1024, 7)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  const raw = enc(
    `From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${payload}\r\n--b--\r\n`,
  );
  assert.ok(raw.length > MAX_MESSAGE_BYTES);
  assert.throws(() => parseMessage(raw), rejectedWith('too_large'));
  // A caller may lower the limit; the error still says what the limit is.
  assert.throws(() => parseMessage(enc(`From: a@b.test\r\n\r\n${'x'.repeat(2000)}`), { maxBytes: 1000 }), /limit/);
});

test('a huge header block is refused', () => {
  const raw = enc(`From: a@b.test\r\nX-Junk: ${'a'.repeat(300 * 1024)}\r\n\r\nbody`);
  assert.throws(() => parseMessage(raw), rejectedWith('header_too_large'));
});

test('embedded message/rfc822 is one attachment; its tree is still parsed within the limits', () => {
  const m = parseMessage(
    enc(
      crlf(
        'From: a@b.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nsee forwarded\n--b\nContent-Type: message/rfc822\n\nFrom: x@y.test\nSubject: inner\n\ninner body\n--b--\n',
      ),
    ),
  );
  assert.equal(m.text, 'see forwarded');
  assert.equal(m.attachments.length, 1);
  assert.equal(m.attachments[0]!.filename, 'attachment.eml');
  assert.equal(m.root.children[1]!.children[0]!.headers.get('subject'), 'inner');
});

test('file names are sanitised', () => {
  assert.equal(sanitizeFilename('../../etc/passwd', 'text/plain'), 'passwd');
  assert.equal(sanitizeFilename('C:\\Users\\x\\evil.exe', 'x/y'), 'evil.exe');
  assert.equal(sanitizeFilename('.hidden', 'text/plain'), 'hidden');
  assert.equal(sanitizeFilename('a\u0000b\u202egpj.exe', 'x/y'), 'a_b_gpj.exe');
  assert.equal(sanitizeFilename('CON.txt', 'text/plain'), '_CON.txt');
  assert.equal(sanitizeFilename('', 'application/pdf'), 'attachment.pdf');
  assert.equal(sanitizeFilename('...', 'x/y'), 'attachment.bin');
  const long = sanitizeFilename(`${'é'.repeat(300)}.tar.gz`, 'x/y');
  assert.ok(new TextEncoder().encode(long).length <= 200);
  assert.ok(long.endsWith('.gz'));
});

test('RFC 2231 continuations and a bounce return path', () => {
  const m = parseMessage(
    enc(
      crlf(`Return-Path: <>
From: MAILER-DAEMON@b.test
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: application/pdf
Content-Disposition: attachment; filename*0*=utf-8''r%C3%A9p; filename*1="ort.pdf"

%PDF
--b--
`),
    ),
  );
  assert.equal(m.returnPath, '');
  assert.equal(m.attachments[0]!.filename, 'réport.pdf');
});

test('an encoded word hiding CR/LF in a header decodes to one line (no header injection downstream)', () => {
  const hidden = Buffer.from('Hello\r\nBcc: victim@example.org\r\n\0x').toString('base64');
  const m = parseMessage(enc(crlf(`From: a@example.org\nTo: security@example.org\nSubject: =?UTF-8?B?${hidden}?=\n\nbody\n`)));
  assert.equal(m.subject, 'Hello Bcc: victim@example.org x');
  assert.doesNotMatch(m.subject ?? '', /[\r\n\0]/);
});
