// Benchmark: the cryptographic intake cost of one encrypted 20 KB report fanned out to 10 members.
//
//   PATH=$PWD/node_modules/.bin:$PATH node bench/mail-crypto.ts [--rounds=20] [--warmup=3] [--members=10] [--size=20480]
//
// For an RSA-4096 and a Curve25519 team key it times, interleaved round by round (so load from elsewhere
// hits every mode alike):
//   intake       openInbound (MIME parse, decrypt, verify the reporter's signature, protected headers)
//                + one sealOutbound per member (each copy encrypted to that member's key, signed by the team)
//   in           openInbound alone;   raw-decrypt   openpgp.decrypt + verify of the same OpenPGP message
//   out          the 10 sealOutbound; raw-encrypt   10 x openpgp.encrypt+sign of the same 20 KB entity
//   pkesk        openpgp.decryptSessionKeys: the team key's private-key operation alone, as OpenPGP.js does it
//   openssl      node:crypto on the same key material: RSA-4096 privateDecrypt (PKCS#1 v1.5 and no padding)
//                or X25519 derivation, the floor any OpenPGP implementation on OpenSSL would pay
// and prints intake/raw and pkesk/openssl ratios. Results go to bench/results/mail-crypto.json (gitignored).

import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import {
  constants,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import * as openpgp from 'openpgp';
import { intArg, stats, timeLoop, type Stats } from './support.ts';
import { openInbound } from '../src/mail/pgp-in.ts';
import { sealOutbound } from '../src/mail/pgp-out.ts';
import { generateTeamKey } from '../src/mail/team-key.ts';
import type { PrivateKey, PublicKey } from '../src/mail/types.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    members: { type: 'string', default: '10' },
    size: { type: 'string', default: '20480' },
  },
  strict: true,
});
const rounds = intArg('rounds', args.rounds, 1, 10_000);
const warmup = intArg('warmup', args.warmup, 0, 1000);
const memberCount = intArg('members', args.members, 1, 200);
const size = intArg('size', args.size, 100, 10_000_000);

function reportText(bytes: number): string {
  const line = 'The parser trusts the length field of the TLV header; a crafted value overflows the heap. ';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

function toB64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

/** The same RSA key material as the OpenPGP key's decryption subkey, as a node:crypto KeyObject. */
function rsaKeyObject(key: PrivateKey): { priv: KeyObject; pub: KeyObject } {
  const sub = key.subkeys[0]!.keyPacket as unknown as {
    publicParams: { n: Uint8Array; e: Uint8Array };
    privateParams: { d: Uint8Array; p: Uint8Array; q: Uint8Array; u: Uint8Array };
  };
  const { n, e } = sub.publicParams;
  const { d, p, q } = sub.privateParams;
  const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
  const toBytes = (x: bigint) => {
    let h = x.toString(16);
    if (h.length % 2) h = `0${h}`;
    return new Uint8Array(Buffer.from(h, 'hex'));
  };
  const P = big(p),
    Q = big(q),
    D = big(d);
  const modInv = (a: bigint, m: bigint): bigint => {
    let [r0, r1, s0, s1] = [m, ((a % m) + m) % m, 0n, 1n];
    while (r1) {
      const qq = r0 / r1;
      [r0, r1] = [r1, r0 - qq * r1];
      [s0, s1] = [s1, s0 - qq * s1];
    }
    return ((s0 % m) + m) % m;
  };
  const jwk = {
    kty: 'RSA',
    n: toB64url(n),
    e: toB64url(e),
    d: toB64url(d),
    p: toB64url(p),
    q: toB64url(q),
    dp: toB64url(toBytes(D % (P - 1n))),
    dq: toB64url(toBytes(D % (Q - 1n))),
    qi: toB64url(toBytes(modInv(Q, P))),
  };
  const priv = createPrivateKey({ key: jwk, format: 'jwk' });
  return { priv, pub: createPublicKey(priv) };
}

interface Scenario {
  name: string;
  team: PrivateKey;
  openssl: () => void;
  opensslLabel: string;
  opensslAlt?: { label: string; fn: () => void };
}

async function main(): Promise<void> {
  console.log(
    `mail-crypto bench: ${rounds} rounds (+${warmup} warm-up), ${memberCount} members, ${size} byte report; node ${process.version}, OpenSSL ${process.versions.openssl}, ${cpus().length} CPUs`,
  );
  const reporter = await generateTeamKey({ name: 'Rita Reporter', email: 'rita@example.org' });
  const members: PublicKey[] = [];
  for (let i = 0; i < memberCount; i++)
    members.push((await generateTeamKey({ name: `Member ${i}`, email: `m${i}@project.test` })).toPublic());
  const text = reportText(size);

  const scenarios: Scenario[] = [];
  for (const algorithm of ['rsa4096', 'curve25519'] as const) {
    const t0 = performance.now();
    const team = await generateTeamKey({ name: 'Project Security', email: 'security@project.test', algorithm });
    console.log(`  ${algorithm} team key generated in ${(performance.now() - t0).toFixed(0)} ms`);
    if (algorithm === 'rsa4096') {
      const { priv, pub } = rsaKeyObject(team);
      const ct = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, randomBytes(35));
      scenarios.push({
        name: 'RSA-4096',
        team,
        opensslLabel: 'privateDecrypt PKCS#1 v1.5 (implicit rejection)',
        openssl: () => void privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_PADDING }, ct),
        opensslAlt: {
          label: 'privateDecrypt RSA_NO_PADDING',
          fn: () => void privateDecrypt({ key: priv, padding: constants.RSA_NO_PADDING }, ct),
        },
      });
    } else {
      const a = generateKeyPairSync('x25519');
      const b = generateKeyPairSync('x25519');
      scenarios.push({
        name: 'Curve25519',
        team,
        opensslLabel: 'X25519 derivation',
        openssl: () => void diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }),
      });
    }
  }

  const results: Record<string, unknown> = {};
  for (const sc of scenarios) {
    const report = await sealOutbound({
      from: 'Rita Reporter <rita@example.org>',
      to: ['security@project.test'],
      subject: 'Heap overflow',
      text,
      headers: { 'Message-ID': '<bench@example.org>' },
      recipientKeys: [sc.team.toPublic()],
      signingKey: reporter,
    });
    const armored = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/.exec(new TextDecoder().decode(report))![0];
    const keys = { teamKeys: [sc.team], knownKeys: [reporter.toPublic()] };
    const check = await openInbound(report, keys);
    if (check.security.signature.status !== 'valid' || !check.inner.text?.startsWith(text.slice(0, 50)))
      throw new Error('bench setup: the report did not open');
    const innerEntity = check.inner.raw;

    const fanOut = () =>
      Promise.all(
        members.map((m, i) =>
          sealOutbound({
            from: 'security@project.test',
            to: [`m${i}@project.test`],
            subject: check.inner.subject,
            text: check.inner.text!,
            headers: {},
            recipientKeys: [m],
            signingKey: sc.team,
          }),
        ),
      );
    const modes: Record<string, () => Promise<unknown>> = {
      intake: async () => {
        const o = await openInbound(report, keys);
        await Promise.all(
          members.map((m, i) =>
            sealOutbound({
              from: 'security@project.test',
              to: [`m${i}@project.test`],
              subject: o.inner.subject,
              text: o.inner.text!,
              headers: {},
              recipientKeys: [m],
              signingKey: sc.team,
            }),
          ),
        );
      },
      in: () => openInbound(report, keys),
      'raw-decrypt': async () => {
        const r = await openpgp.decrypt({
          message: await openpgp.readMessage({ armoredMessage: armored }),
          decryptionKeys: sc.team,
          verificationKeys: reporter.toPublic(),
          format: 'binary',
        });
        await Promise.all(r.signatures.map((s) => s.verified));
      },
      out: fanOut,
      'raw-encrypt': () =>
        Promise.all(
          members.map(async (m) =>
            openpgp.encrypt({ message: await openpgp.createMessage({ binary: innerEntity }), encryptionKeys: m, signingKeys: sc.team }),
          ),
        ),
      pkesk: async () =>
        openpgp.decryptSessionKeys({ message: await openpgp.readMessage({ armoredMessage: armored }), decryptionKeys: sc.team }),
      openssl: async () => sc.openssl(),
      ...(sc.opensslAlt ? { 'openssl-alt': async () => sc.opensslAlt!.fn() } : {}),
    };
    for (const fn of Object.values(modes)) for (let i = 0; i < warmup; i++) await fn();
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(modes)) samples[name]!.push(...(await timeLoop(1, fn)));
    }
    const st: Record<string, Stats> = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
    const p50 = (k: string) => st[k]!.p50;
    console.log(`\n${sc.name} team key (p50 ms; mean in brackets)`);
    for (const [k, s] of Object.entries(st)) console.log(`  ${k.padEnd(12)} ${s.p50.toFixed(2).padStart(9)}  [${s.mean.toFixed(2)}]`);
    const ratios = {
      'intake / (raw-decrypt + raw-encrypt)': p50('intake') / (p50('raw-decrypt') + p50('raw-encrypt')),
      'in / raw-decrypt': p50('in') / p50('raw-decrypt'),
      'out / raw-encrypt': p50('out') / p50('raw-encrypt'),
      [`pkesk (OpenPGP.js) / openssl (${sc.opensslLabel})`]: p50('pkesk') / p50('openssl'),
      ...(sc.opensslAlt ? { [`pkesk / openssl-alt (${sc.opensslAlt.label})`]: p50('pkesk') / p50('openssl-alt') } : {}),
      'reports per second, one core (1000 / intake p50)': 1000 / p50('intake'),
    };
    for (const [k, v] of Object.entries(ratios)) console.log(`  ${k}: ${v.toFixed(2)}`);
    results[sc.name] = { stats: st, ratios };
  }
  const out = {
    when: new Date().toISOString(),
    node: process.version,
    openssl: process.versions.openssl,
    loadavg: loadavg(),
    rounds,
    warmup,
    members: memberCount,
    size,
    results,
  };
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL('mail-crypto.json', dir);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    `\nload average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; results in ${file.pathname}`,
  );
}

await main();
