// Mutt as a member's real mail client: a temporary HOME with a muttrc, the member's GnuPG home (Mutt's
// gpgme uses it), a sendmail that only writes the message to a file. mutt-driver.py runs Mutt on a
// pseudo-terminal and presses the keys a person would (Enter at the prompts Mutt pre-fills, "y" on
// the compose screen); a question Mutt would ask a person, above all "Enter keyID", is reported, not
// answered. What lands in the file is byte for byte what Mutt would have handed to a real MTA.
//
//   const sent = await muttSend({ gnupgHome: gpg.home, from: 'Alice <alice@tf.example>', to: [address],
//     subject: 'Re: ...', body: 'Hello', signAs: alice.fingerprint, headers: { 'In-Reply-To': '<id>' } });
//   sent.raw  // the message, or null when Mutt stopped to ask (sent.events says what)

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipWithout } from './tools.ts';

export const MUTT = '/usr/bin/mutt';
export const skipWithoutMutt = skipWithout(MUTT, 'mutt');

export interface MuttSendOptions {
  /** The member's GNUPGHOME (their key and the team key in it). */
  gnupgHome: string;
  from: string;
  to: string[];
  subject: string;
  /** The text as typed (LF line ends, as Mutt keeps them). */
  body: string;
  /** Fingerprint of the key Mutt signs with. */
  signAs: string;
  /** More header lines of the draft (In-Reply-To, References). */
  headers?: Record<string, string>;
  /** Files to attach. */
  attach?: string[];
  /** Extra muttrc lines. */
  muttrc?: string[];
}

export interface MuttSent {
  raw: Buffer | null;
  /** What the driver did and saw: enter, send, sent, keyid-prompt, question:... */
  events: string[];
  screen: string;
}

const DRIVER = new URL('./mutt-driver.py', import.meta.url).pathname;

export async function muttSend(opts: MuttSendOptions): Promise<MuttSent> {
  const home = await mkdtemp(join(tmpdir(), 'emb-mutt-'));
  try {
    const out = join(home, 'sent.eml');
    const sendmail = join(home, 'sendmail.sh');
    await writeFile(sendmail, `#!/bin/sh\ncat > '${out}'\n`);
    await chmod(sendmail, 0o755);
    await mkdir(join(home, 'Mail'));
    await writeFile(join(home, 'Mail', 'inbox'), '');
    const rc = [
      `set sendmail="${sendmail}"`,
      `set from="${opts.from.replace(/"/g, '')}"`,
      'set use_from=yes',
      `set folder="${join(home, 'Mail')}"`,
      `set spoolfile="${join(home, 'Mail', 'inbox')}"`,
      'set record=""',
      'set editor="true"',
      'set abort_unmodified=no',
      'set crypt_use_gpgme=yes',
      'set crypt_autosign=yes',
      'set crypt_autoencrypt=yes',
      `set pgp_sign_as="${opts.signAs}"`,
      `set pgp_default_key="${opts.signAs}"`,
      'set pgp_self_encrypt=no',
      'set postpone=no',
      ...(opts.muttrc ?? []),
    ];
    await writeFile(join(home, 'muttrc'), `${rc.join('\n')}\n`);
    const draft =
      `From: ${opts.from}\nTo: ${opts.to.join(', ')}\nSubject: ${opts.subject}\n` +
      Object.entries(opts.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\n`)
        .join('') +
      `\n${opts.body}`;
    await writeFile(join(home, 'draft'), draft);
    const args = [
      DRIVER,
      '30',
      MUTT,
      '-n',
      '-F',
      join(home, 'muttrc'),
      ...(opts.attach ?? []).flatMap((a) => ['-a', a]),
      '-H',
      join(home, 'draft'),
    ];
    const result = await new Promise<string>((resolve, reject) => {
      const child = spawn('python3', args, {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, GNUPGHOME: opts.gnupgHome, TERM: 'vt100', LC_ALL: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const chunks: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => chunks.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(new Error(`cannot run python3 for the Mutt driver: ${e.message}`)));
      child.on('close', (code) =>
        code === 0
          ? resolve(Buffer.concat(chunks).toString('utf8'))
          : reject(new Error(`Mutt driver failed (${code}): ${Buffer.concat(err)}`)),
      );
    });
    const parsed = JSON.parse(result) as { events: string[]; screen: string };
    const raw = parsed.events.includes('sent') ? await readFile(out) : null;
    return { raw, events: parsed.events, screen: parsed.screen };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
