import { createTransport } from 'nodemailer';
import type { Harness, Member } from '../support/harness.ts';
import { addMember, addProject, setupDesk, startHarness } from '../support/harness.ts';
import { acceptReport as accept, claimTriage } from '../../src/app/cases/triage.ts';
import { generateTeamKeyFor, teamPublicKey, uploadMyKey } from '../../src/app/keys/keys.ts';
import { storeRaw } from '../../src/app/inbound/inbox.ts';
import { runIntakePass } from '../../src/jobs/mail-intake.ts';
import { webPlugin } from '../../src/web/index.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { startGpg, type GpgKey, type GpgPeer } from '../support/gpg.ts';

// Shared set-up of the ingress tests: a TF desk with a team key, a central member with their own
// GnuPG key on file, and a reporter's GnuPG; helpers to put a message in and process it.

export const ALIAS = 'security@lists.trustedfirmware.org';

export interface MailDesk {
  h: Harness;
  admin: Member;
  triager: Member;
  gpg: GpgPeer;
  team: { fingerprint: string; armored: string };
  reporterKey: GpgKey;
  triagerKey: GpgKey;
  close(): Promise<void>;
}

export async function startMailDesk(config: Record<string, unknown> = {}): Promise<MailDesk> {
  // GnuPG makes keys and signatures at the real time, the desk at its clock: the desk's clock starts at
  // the real time (its team key is not from GnuPG's future) and moves on once GnuPG's keys exist.
  const h = await startHarness({ clock: new Date().toISOString(), plugins: [webPlugin], config: { mailAliases: [ALIAS], ...config } });
  const admin = await setupDesk(h, 'trusted-firmware');
  const triager = await addMember(h, admin, { name: 'Tess Triager', email: 'tess@tf.example', teams: ['security'] });
  h.clock.set(new Date(Date.now() - 1000).toISOString()); // enrolling moved the clock on
  await generateTeamKeyFor(admin.ctx, { algorithm: 'curve25519' });
  const team = (await teamPublicKey(h.app.db))!;
  const gpg = await startGpg();
  await gpg.importKey(team.armored);
  const reporterKey = await gpg.generateKey('Rita Reporter <rita@research.example>', { algorithm: 'ed25519' });
  const triagerKey = await gpg.generateKey('Tess Triager <tess@tf.example>', { algorithm: 'ed25519' });
  h.clock.set(new Date(Date.now() + 60_000).toISOString());
  await uploadMyKey(triager.ctx, { armored: triagerKey.publicArmored });
  return {
    h,
    admin,
    triager,
    gpg,
    team,
    reporterKey,
    triagerKey,
    async close() {
      await gpg.close();
      await h.close();
    },
  };
}

/** Stores a raw message as a door would and runs the intake job until the inbox is empty. */
export async function deliver(
  h: Harness,
  raw: string | Uint8Array,
  envelope: { from?: string; to?: string[]; via?: 'smtp' | 'imap' | 'import' } = {},
) {
  const stored = await storeRaw(h.app, {
    raw: Buffer.from(typeof raw === 'string' ? raw.replace(/\r?\n/g, '\r\n') : raw),
    via: envelope.via ?? 'smtp',
    envelopeFrom: envelope.from ?? 'rita@research.example',
    envelopeTo: envelope.to ?? [ALIAS],
  });
  const pass = await runIntakePass(h.app, { leaseMs: 60_000 });
  return { stored, pass, row: await inboxRow(h, stored.id) };
}

export async function inboxRow(h: Harness, id: string) {
  const r = await h.app.db.query<{
    status: string;
    outcome: string | null;
    error: string | null;
    report_id: string | null;
    encryption: string | null;
    signature: string | null;
    signer_fingerprint: string | null;
    signer_person_id: string | null;
    protected_subject: boolean | null;
    html_converted: boolean | null;
    attempts: number;
  }>(
    'SELECT status, outcome, error, report_id, encryption, signature, signer_fingerprint, signer_person_id, protected_subject, html_converted, attempts FROM mail_inbox WHERE id = $1',
    [id],
  );
  return r.rows[0]!;
}

export async function threadOf(h: Harness, reportId: string) {
  const r = await h.app.db.query<{ id: string; kind: string; author_id: string | null; body_sealed: string; sender_role: string | null }>(
    'SELECT m.id, m.kind, m.author_id, m.body_sealed, mm.sender_role FROM messages m LEFT JOIN message_mail mm ON mm.message_id = m.id WHERE m.report_id = $1 ORDER BY m.seq',
    [reportId],
  );
  return r.rows.map((m) => ({ ...m, body: h.app.sealer.open(m.body_sealed, `messages.body:${m.id}`) }));
}

export async function count(h: Harness, sql: string, params: unknown[] = []): Promise<number> {
  const r = await h.app.db.query<{ n: string }>(sql, params);
  return Number(r.rows[0]!.n);
}

/** Outbox mail to an address (the envelopes queued), newest last. */
export async function outboxTo(h: Harness, address: string) {
  const r = await h.app.db.query<{ id: string; template_id: string | null; envelope_sealed: string }>(
    'SELECT id, template_id, envelope_sealed FROM outbox ORDER BY seq',
  );
  return r.rows
    .map((o) => ({
      id: o.id,
      templateId: o.template_id,
      ...h.app.sealer.openJson<{ to: string[]; cc: string[]; subject: string; body: string }>(o.envelope_sealed, `outbox.envelope:${o.id}`),
    }))
    .filter((o) => o.to.includes(address));
}

/** A plain RFC 5322 message. */
export function plainMail(
  h: { from?: string; to?: string; subject?: string; messageId?: string; extra?: Record<string, string> } = {},
  body = 'A crafted FIP image overflows a stack buffer in BL2 and runs code before the kernel.',
): string {
  const headers: Record<string, string> = {
    From: h.from ?? 'Rita Reporter <rita@research.example>',
    To: h.to ?? ALIAS,
    Subject: h.subject ?? 'Stack overflow in BL2',
    Date: 'Mon, 23 Nov 2026 09:00:00 +0000',
    'Message-ID': `<${h.messageId ?? `${crypto.randomUUID()}@research.example`}>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...h.extra,
  };
  return `${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`;
}

/** Sends a message with nodemailer (a real SMTP client) to a listener on loopback. */
export async function sendWithNodemailer(
  port: number,
  mail: {
    from: string;
    to: string[];
    raw?: string | Buffer;
    subject?: string;
    text?: string;
    attachments?: { filename: string; content: Buffer }[];
    envelopeFrom?: string;
  },
) {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, tls: { rejectUnauthorized: false } });
  try {
    return await transport.sendMail({
      envelope: { from: mail.envelopeFrom ?? mail.from, to: mail.to },
      ...(mail.raw !== undefined
        ? { raw: mail.raw }
        : {
            from: mail.from,
            to: mail.to,
            subject: mail.subject ?? 'test',
            text: mail.text ?? 'hello',
            attachments: mail.attachments ?? [],
          }),
    });
  } finally {
    transport.close();
  }
}

/** The triager claims and accepts the report into an incident of project tf-a; returns its ref. */
export async function acceptReport(d: MailDesk, reportId: string): Promise<string> {
  const projects = await d.h.app.db.query('SELECT 1 FROM projects WHERE slug = $1', ['tf-a']);
  if (!projects.rows.length) await addProject(d.admin, 'tf-a', 'TF-A');
  await claimTriage(d.triager.ctx, reportId);
  return (await accept(d.triager.ctx, reportId, { title: 'Incident from mail', projects: ['tf-a'] })).incidentRef;
}

/** The case page as a signed-in member's browser gets it (HTML). */
export async function casePage(h: Harness, m: Member, reportId: string): Promise<string> {
  h.clock.advance(31_000);
  const s = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: m.email, password: m.password, totp: totpCode(m.totpSecret, h.clock.now) },
  });
  const cookie = String(s.headers['set-cookie']).split(';')[0]!;
  const r = await h.server.inject({ method: 'GET', url: `/cases/${reportId}`, headers: { cookie } });
  if (r.statusCode !== 200) throw new Error(`GET /cases/${reportId}: ${r.statusCode}`);
  return r.body;
}
