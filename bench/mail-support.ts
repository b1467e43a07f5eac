// Shared by the mail benchmarks (mail-intake.ts, mail-fanout.ts): reports made as real mail, the
// node:crypto floor of their cryptography, a prompt SMTP sink standing in for the relay, and a
// statement counter.

import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type * as openpgp from 'openpgp';
import { headerValue, type SmtpSink } from '../test/support/smtp-sink.ts';
import { sealOutbound } from '../src/mail/pgp-out.ts';
import { generateTeamKey } from '../src/mail/team-key.ts';
import type { Db, Queryable } from '../src/store/db.ts';

export const ALIAS = 'security@lists.trustedfirmware.org';

export type Algorithm = 'curve25519' | 'rsa4096';

// ---------------------------------------------------------------------------------------------
// Reports as real mail, made before any timing

/** ~bytes of report text that does not repeat (a hex dump after the prose), so nothing compresses it away. */
export function reportText(i: number, bytes: number): string {
  const head =
    `Report ${i}: heap overflow in the FIP image parser of BL2.\n\n` +
    'The parser trusts the length field of the TLV header; a crafted value makes memcpy write past the\n' +
    'end of the image buffer. Steps to reproduce, the crash log and a proof of concept follow.\n\nCrash dump:\n';
  const lines: string[] = [head];
  let size = head.length;
  for (let off = 0; size < bytes; off += 16) {
    const line = `${off.toString(16).padStart(8, '0')}  ${randomBytes(16).toString('hex').replace(/(..)/g, '$1 ').trim()}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('').slice(0, bytes);
}

/** An Autocrypt header (Level 1) carrying the reporter's public key, folded at 76 columns. */
export function autocryptHeader(addr: string, key: openpgp.PublicKey): string {
  const b64 = Buffer.from(key.write()).toString('base64');
  const lines = b64.match(/.{1,76}/g) ?? [];
  return `Autocrypt: addr=${addr}; prefer-encrypt=mutual; keydata=\r\n ${lines.join('\r\n ')}\r\n`;
}

export interface PreparedReport {
  raw: Buffer;
  reporter: openpgp.PrivateKey;
  from: string;
  /** The armored OpenPGP message inside, for the raw baseline. */
  armored: string;
}

export async function makeReport(i: number, teamPublic: openpgp.PublicKey, tag: string, size: number): Promise<PreparedReport> {
  const addr = `reporter${i}.${tag}@research.example`;
  const reporter = await generateTeamKey({ name: `Reporter ${i}`, email: addr });
  const sealed = await sealOutbound({
    from: `Reporter ${i} <${addr}>`,
    to: [ALIAS],
    subject: `Heap overflow in the FIP parser (${tag} ${i})`,
    text: reportText(i, size),
    headers: { 'Message-ID': `<${randomBytes(12).toString('hex')}@research.example>` },
    recipientKeys: [teamPublic],
    signingKey: reporter,
  });
  const raw = Buffer.concat([Buffer.from(autocryptHeader(addr, reporter.toPublic())), Buffer.from(sealed)]);
  const armored = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/.exec(raw.toString('latin1'))![0];
  return { raw, reporter, from: addr, armored };
}

// ---------------------------------------------------------------------------------------------
// The node:crypto floor

export interface Floor {
  label: string;
  run(entity: Uint8Array): void;
}

/** The OpenSSL operations an OpenPGP implementation on OpenSSL would do for one report and its copies. */
export function makeFloor(algorithm: Algorithm, members: number): Floor {
  const reporter = generateKeyPairSync('ed25519');
  const memberKeys = Array.from({ length: members }, () => generateKeyPairSync('x25519'));
  let teamPrivateOp: () => void;
  let teamSign: (digest: Buffer) => void;
  if (algorithm === 'rsa4096') {
    const team = generateKeyPairSync('rsa', { modulusLength: 4096 });
    const ct = publicEncrypt({ key: team.publicKey, padding: constants.RSA_PKCS1_PADDING }, randomBytes(35));
    teamPrivateOp = () => void privateDecrypt({ key: team.privateKey, padding: constants.RSA_PKCS1_PADDING }, ct);
    teamSign = (digest) => void sign('sha256', digest, team.privateKey);
  } else {
    const teamX = generateKeyPairSync('x25519');
    const eph = generateKeyPairSync('x25519');
    const teamEd = generateKeyPairSync('ed25519');
    teamPrivateOp = () => void diffieHellman({ privateKey: teamX.privateKey, publicKey: eph.publicKey });
    teamSign = (digest) => void sign(null, digest, teamEd.privateKey);
  }
  const key = randomBytes(32);
  const iv = Buffer.alloc(16);
  const reporterSig = sign(null, createHash('sha256').update('x').digest(), reporter.privateKey);
  const aes = (decrypt: boolean, data: Uint8Array) => {
    const c = decrypt ? createDecipheriv('aes-256-cfb', key, iv) : createCipheriv('aes-256-cfb', key, iv);
    return Buffer.concat([c.update(data), c.final()]);
  };
  const agree = (pub: KeyObject) => {
    const e = generateKeyPairSync('x25519');
    return diffieHellman({ privateKey: e.privateKey, publicKey: pub });
  };
  return {
    label:
      algorithm === 'rsa4096'
        ? 'RSA-4096 PKCS#1 v1.5 decrypt + Ed25519 verify + AES/SHA over the entity; per member X25519 + RSA-4096 sign + AES/SHA + base64'
        : 'X25519 + Ed25519 verify + AES/SHA over the entity; per member X25519 + Ed25519 sign + AES/SHA + base64',
    run(entity) {
      teamPrivateOp();
      const plain = aes(true, entity);
      createHash('sha1').update(plain).digest();
      const digest = createHash('sha256').update(plain).digest();
      verify(null, createHash('sha256').update('x').digest(), reporter.publicKey, reporterSig);
      for (const m of memberKeys) {
        agree(m.publicKey);
        teamSign(createHash('sha256').update(entity).update(digest).digest());
        const ct = aes(false, entity);
        createHash('sha1').update(entity).digest();
        ct.toString('base64');
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The relay: a prompt SMTP sink

/**
 * A minimal SMTP server on loopback that greets at once and records what it accepts: the stand-in for
 * the team's relay MTA (Postfix's smtpd greets at once too). smtp-server, which test/support/smtp-sink.ts
 * uses, holds every new connection 100 ms before its greeting to catch early talkers
 * (smtp-connection.js, connectionReady), so with it the bench would time that pause once per copy;
 * --sink=smtp-server shows how much.
 */
export async function startPromptSink(): Promise<SmtpSink> {
  const sink: SmtpSink = { port: 0, host: '127.0.0.1', received: [], refused: [], reply: null, onAccepted: null, close: async () => {} };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    let inData = false;
    let from = '';
    let rcpt: string[] = [];
    socket.on('error', () => {});
    socket.write('220 bench-relay ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = Buffer.from(
            buf
              .subarray(0, end + 2)
              .toString('latin1')
              .replace(/^\.\./gm, '.'),
            'latin1',
          );
          buf = buf.subarray(end + 5);
          inData = false;
          const m = { mailFrom: from, rcptTo: rcpt, raw, messageId: headerValue(raw, 'Message-ID')?.replace(/^<|>$/g, '') ?? null };
          sink.received.push(m);
          socket.write('250 2.0.0 accepted\r\n');
          sink.onAccepted?.(m);
          continue;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.subarray(0, eol).toString('latin1');
        buf = buf.subarray(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-bench-relay\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n');
        else if (verb === 'HELO' || verb === 'NOOP') socket.write('250 ok\r\n');
        else if (verb === 'RSET') {
          from = '';
          rcpt = [];
          socket.write('250 ok\r\n');
        } else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          rcpt = [];
          socket.write('250 ok\r\n');
        } else if (verb === 'RCPT') {
          rcpt.push((/<([^>]*)>/.exec(line)?.[1] ?? '').toLowerCase());
          socket.write('250 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
          return;
        } else socket.write('502 not implemented\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server.address() as AddressInfo).port;
  sink.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const so of sockets) so.destroy();
    });
  return sink;
}

// ---------------------------------------------------------------------------------------------
// Counting statements: on PGlite every statement costs a WebAssembly round trip, on PostgreSQL a network
// one, so how many a report takes is part of the answer to "where does the time go".

export interface QueryCounter {
  queries: number;
  transactions: number;
  bySql: Map<string, number>;
}

/** Wraps the App's Db (and every transaction's Queryable) so statements are counted; returns the live counter. */
export function countQueries(db: Db): QueryCounter {
  const c: QueryCounter = { queries: 0, transactions: 0, bySql: new Map() };
  const note = (sql: string) => {
    c.queries++;
    const k = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    c.bySql.set(k, (c.bySql.get(k) ?? 0) + 1);
  };
  const wrapQ = (q: Queryable): Queryable => ({
    query: <R>(sql: string, params?: unknown[]) => (note(sql), q.query<R>(sql, params)),
    exec: (sql: string) => (note(sql), q.exec(sql)),
  });
  const query = db.query.bind(db);
  const transaction = db.transaction.bind(db);
  Object.assign(db, {
    query: <R>(sql: string, params?: unknown[]) => (note(sql), query<R>(sql, params)),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => (c.transactions++, transaction((tx) => fn(wrapQ(tx)))),
  });
  return c;
}

export function snapshot(c: QueryCounter): QueryCounter {
  return { queries: c.queries, transactions: c.transactions, bySql: new Map(c.bySql) };
}

export function diff(a: QueryCounter, b: QueryCounter): QueryCounter {
  const bySql = new Map<string, number>();
  for (const [k, v] of b.bySql) if (v - (a.bySql.get(k) ?? 0) > 0) bySql.set(k, v - (a.bySql.get(k) ?? 0));
  return { queries: b.queries - a.queries, transactions: b.transactions - a.transactions, bySql };
}
