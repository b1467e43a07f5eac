import { deskUrl } from '../../config.ts';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { PrivateKey, PublicKey } from 'openpgp';
import type { Queryable } from '../../store/db.ts';
import { aad, type App } from '../context.ts';
import { loadCase } from '../cases/case.ts';
import type { rulesOf } from '../admin/instance.ts';
import { stageOf, threadHeaders, type Envelope } from '../cases/messaging.ts';
import { confirmedKeyFor } from '../keys/keys.ts';
import { LOOP_HEADER, loopMarker } from '../../mail/inbound-hygiene.ts';
import { messageIdDomain, openCopy } from './deliveries.ts';
import type { OutboundAttachment } from '../../mail/types.ts';
import { keyUsability, whyUnusable } from '../../mail/key-quality.ts';
import type { KeyUsability } from '../../mail/types.ts';
import { sealForEach } from '../../mail/pgp-out.ts';
import { type Attempt, type ClaimedRow, retryOrFail, storeCopies } from './attempts.ts';
import { heldReason } from './held.ts';

// The copy each delivery sends, built once and stored sealed, so that retries send the same bytes
// with the same Message-ID. What the copies of one outbox row share (the envelope, the case, the
// reply address) is loaded once. Which copy a recipient gets is the desk's mail policy:
// - a member: encrypted to their own usable key; otherwise (or when the case is shared with them
//   without the reporter's details) a notice that a message waits on the desk, except mail that holds
//   nothing secret (about their own account), which goes in clear;
// - anyone else: encrypted to the confirmed key for the address; otherwise in clear only where the
//   profile allows unencrypted mail or the mail holds nothing secret, else refused.

export type Built = { mode: 'encrypted' | 'notice' | 'plaintext'; raw: Uint8Array } | { refuse: string; held?: boolean } | { wait: string };

async function composePlain(m: {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  messageId: string;
  date: Date;
  headers: Record<string, string>;
  attachments?: OutboundAttachment[];
}): Promise<Uint8Array> {
  const mail = new MailComposer({
    from: m.from,
    to: m.to,
    ...(m.cc?.length ? { cc: m.cc } : {}),
    subject: m.subject,
    text: m.text,
    messageId: `<${m.messageId}>`,
    date: m.date,
    headers: m.headers,
    textEncoding: 'quoted-printable',
    ...(m.attachments?.length
      ? {
          attachments: m.attachments.map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            content: Buffer.from(a.bytes),
            contentDisposition: 'attachment' as const,
          })),
        }
      : {}),
  });
  return mail.compile().build();
}

/**
 * Every copy the job sends carries the desk's X-Loop marker, whoever built it (copies prebuilt
 * elsewhere, such as a relayed signed reply, included): the inbound hygiene check recognises it when
 * the copy comes back (a forward, an auto-reply quoting headers, a misrouted alias). Outer headers are
 * outside any signature or encryption, so adding one changes nothing a recipient verifies.
 */
/** The X-Loop marker every copy this desk sends carries, from the domain of its Message-IDs. */
export async function deskLoopMarker(app: App): Promise<string> {
  return loopMarker(await messageIdDomain({ app, principal: { kind: 'system', label: 'mail-delivery' } }, app.db));
}

export function withLoopHeader(raw: Uint8Array, marker: string): Uint8Array {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end >= 0 ? text.slice(0, end) : text;
  const present = new RegExp(`^${LOOP_HEADER}:[ \\t]*(.*)$`, 'gim');
  for (const m of head.replace(/\r?\n[ \t]+/g, ' ').matchAll(present)) {
    if (m[1]!.trim().toLowerCase() === marker) return raw;
  }
  return new Uint8Array(Buffer.concat([Buffer.from(`${LOOP_HEADER}: ${marker}\r\n`, 'latin1'), Buffer.from(raw)]));
}

function attachmentsOf(env: Envelope): OutboundAttachment[] {
  return (env.attachments ?? []).map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    bytes: new Uint8Array(Buffer.from(a.contentBase64, 'base64')),
  }));
}

/** What every copy of one outbox row shares: loaded once per row and pass, not once per copy. */
export interface Shared {
  env: Envelope;
  templateId: string | null;
  from: string;
  /** The address the message comes from: the case's team alias. */
  fromAddress: string;
  /** Where replies go; null when the desk has no address to offer (then no Reply-To at all). */
  replyTo: string | null;
  teamName: string;
  unencryptedMail: Awaited<ReturnType<typeof rulesOf>>['unencryptedMail'];
  loop: Record<string, string>;
  attachments: OutboundAttachment[];
}

/** The outbox row's envelope (unsealed), its sender, its reply address: the same for all its copies. */
async function loadShared(app: App, tx: Queryable, outboxId: string, reportId: string | null, pass: PassFacts): Promise<Shared> {
  const o = await tx.query<{ envelope_sealed: string; template_id: string | null }>(
    'SELECT envelope_sealed, template_id FROM outbox WHERE id = $1',
    [outboxId],
  );
  const env = app.sealer.openJson<Envelope>(o.rows[0]!.envelope_sealed, aad('outbox', 'envelope', outboxId));
  const rules = await pass.rules();
  const c = reportId ? await loadCase(tx, reportId) : null;
  const projectAlias = c && stageOf(c) === 'project' ? c.projects.find((p) => p.alias)?.alias : undefined;
  const fromAddress = projectAlias ?? rules.centralAlias;
  // "Reply" goes to the central alias, a user ID of the team key (a mail client encrypts to it without
  // asking) and never the reporter: the answer threads onto the case by the copy's Message-ID, and a
  // member's answer stays with the team. A member answers the reporter by writing to the reporter
  // address instead, deliberately (the team's copies say so).
  const replyTo = rules.centralAlias || fromAddress || null;
  return {
    env,
    templateId: o.rows[0]!.template_id,
    replyTo,
    teamName: rules.teamName,
    unencryptedMail: rules.unencryptedMail,
    from: `"${rules.teamName.replace(/["\\\r\n]/g, '')}" <${fromAddress}>`,
    fromAddress,
    loop: { [LOOP_HEADER]: pass.marker },
    attachments: attachmentsOf(env),
  };
}

/** A Reply-To header only when there is an address to reply to: an empty one is a broken header. */
function replyHeader(replyTo: string | null): Record<string, string> {
  return replyTo ? { 'Reply-To': replyTo } : {};
}

/** Read once per pass. */
export interface PassFacts {
  marker: string;
  rules: () => ReturnType<typeof rulesOf>;
}

/** A copy to encrypt: the recipient's key and which of the message's texts it carries. */
type ToSeal = { seal: { key: PublicKey; variant: 'member' | 'outsider' } };

/** What a pass has looked up once for the copies it builds: member keys and their usability. */
export interface PassKeys {
  /** The confirmed key of each member the pass sends to, by person id. */
  members: Map<string, { key: PublicKey; email: string }>;
  /** keyUsability per key and address, computed once per pass. */
  usability: Map<PublicKey, Map<string, Promise<KeyUsability>>>;
}

function usabilityOf(keys: PassKeys, key: PublicKey, email: string, now: Date): Promise<KeyUsability> {
  let byEmail = keys.usability.get(key);
  if (!byEmail) keys.usability.set(key, (byEmail = new Map()));
  let u = byEmail.get(email);
  if (!u) byEmail.set(email, (u = keyUsability(key, now, email)));
  return u;
}

/**
 * What one delivery's copy is, with the keys and policy as they are now: built here when it goes in
 * clear or as a notice, or a key to encrypt to (sealed together with the other copies of its
 * message, sealShared).
 */
async function planCopy(app: App, tx: Queryable, d: ClaimedRow, shared: Shared, keys: PassKeys, now: Date): Promise<Built | ToSeal> {
  const { env, from, replyTo, loop, attachments } = shared;
  const headers = copyHeaders(d, shared);
  const { to, cc } = addressees(d, shared);
  const memberText = env.teamNote ? `${env.teamNote}\n\n${env.body}` : env.body;
  const outsiderText = env.reporterOnly ? `${env.body}\n\n${env.reporterOnly}` : env.body;

  if (d.recipient_kind === 'member') {
    const own = d.person_id ? keys.members.get(d.person_id) : undefined;
    const usability = own
      ? await usabilityOf(keys, own.key, own.email, now)
      : { usable: false, reason: 'no OpenPGP key is on file for you' };
    if (!d.notice_only && usability.usable) return { seal: { key: own!.key, variant: 'member' } };
    // Mail that holds nothing of any case (about the member's own account: an unlock link) is no use
    // as a notice pointing at the desk; it goes in clear, as it would to anyone without a key.
    if (!d.notice_only && env.nothingSecret) {
      const raw = await composePlain({
        from,
        to,
        cc,
        subject: env.subject,
        text: memberText,
        attachments,
        messageId: d.message_id,
        date: now,
        headers,
      });
      return { mode: 'plaintext', raw };
    }
    const link = d.report_id ? `${deskUrl(app.config)}/cases/${d.report_id}` : `${deskUrl(app.config)}/`;
    const why = d.notice_only
      ? "this case is shared with you without the reporter's details, so its messages are shown only on the desk"
      : `it could not be encrypted to you: ${whyUnusable(usability)}. Upload your OpenPGP public key at ${deskUrl(app.config)}/me to receive messages encrypted to it`;
    const raw = await composePlain({
      from,
      to: [d.recipient],
      subject: `[${shared.teamName}] A message is waiting for you`,
      text: `A message is waiting for you at ${link}\n\nIts content is not in this mail because ${why}.\n`,
      messageId: d.message_id,
      date: now,
      headers: { ...replyHeader(replyTo), 'Auto-Submitted': 'auto-generated', ...loop },
    });
    return { mode: 'notice', raw };
  }
  const key = await confirmedKeyFor(app, tx, d.recipient);
  const usability = key
    ? await usabilityOf(keys, key, d.recipient, now)
    : { usable: false, reason: 'no confirmed OpenPGP key is on file for this address' };
  if (usability.usable) return { seal: { key: key!, variant: 'outsider' } };
  // Mail that holds nothing confidential (the answer to undecryptable mail) may go in clear.
  if (shared.unencryptedMail !== 'allow' && !env.nothingSecret) {
    return { refuse: heldReason(whyUnusable(usability)), held: true };
  }
  const raw = await composePlain({
    from,
    to,
    cc,
    subject: env.subject,
    text: outsiderText,
    attachments,
    messageId: d.message_id,
    date: now,
    headers,
  });
  return { mode: 'plaintext', raw };
}

/** A copy's outer headers: its own Message-ID, where replies go, threading, Auto-Submitted, X-Loop. */
function copyHeaders(d: ClaimedRow, shared: Shared): Record<string, string> {
  const { env, replyTo, loop } = shared;
  // The reporter's own Message-IDs go on the reporter's copy only (their client threads the answer).
  const answers = [...(d.recipient_kind === 'external' ? (env.answersReporter ?? []) : []), ...(env.inReplyTo ? [env.inReplyTo] : [])];
  // Auto-Submitted is what the queueing code said the mail is (RFC 3834), never guessed here.
  return {
    'Message-ID': `<${d.message_id}>`,
    ...replyHeader(replyTo),
    ...threadHeaders(answers),
    ...(env.automatic ? { 'Auto-Submitted': env.automatic } : {}),
    ...loop,
  };
}

/** A fan-out copy names only its recipient; other mail shows its real addressees. */
function addressees(d: ClaimedRow, shared: Shared): { to: string[]; cc: string[] } {
  return shared.templateId === 'fan-out' ? { to: [d.recipient], cc: [] } : { to: shared.env.to, cc: shared.env.cc };
}

/**
 * The encrypted copies of one message, per text (the members' and the outsiders'): one entity signed
 * once by the team key and encrypted to each recipient (sealForEach). Its protected headers are the
 * same for every copy: a fan-out's name the team's address it comes from (each copy's outer To names
 * its one recipient), other mail its real addressees.
 */
async function sealShared(
  shared: Shared,
  jobs: readonly { d: ClaimedRow; seal: ToSeal['seal'] }[],
  teamKey: PrivateKey,
  now: Date,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const { env } = shared;
  for (const variant of ['member', 'outsider'] as const) {
    const these = jobs.filter((j) => j.seal.variant === variant);
    if (these.length === 0) continue;
    const text =
      variant === 'member'
        ? env.teamNote
          ? `${env.teamNote}\n\n${env.body}`
          : env.body
        : env.reporterOnly
          ? `${env.body}\n\n${env.reporterOnly}`
          : env.body;
    const fanOut = shared.templateId === 'fan-out';
    const raws = await sealForEach({
      from: shared.from,
      to: fanOut ? [shared.fromAddress] : env.to,
      cc: fanOut ? [] : env.cc,
      subject: env.subject,
      text,
      attachments: shared.attachments,
      signingKey: teamKey,
      date: now,
      copies: these.map((j) => ({ to: addressees(j.d, shared).to, headers: copyHeaders(j.d, shared), recipientKey: j.seal.key })),
    });
    for (const [i, j] of these.entries()) out.set(j.d.id, raws[i]!);
  }
  return out;
}

export interface Ready {
  d: ClaimedRow;
  raw: Uint8Array;
  mode: string | null;
}

/** What a pass knows when it builds copies. */
export interface CopySettings {
  now: Date;
  maxAttempts: number;
  baseMs: number;
  teamKey: PrivateKey | null;
  facts: PassFacts;
  keys: PassKeys;
}

/**
 * The copies of one outbox row's claimed deliveries: stored ones opened, missing ones built (the
 * shared parts loaded once, the encrypted ones signed once and encrypted on the OpenPGP threads) and
 * stored sealed, all in one statement, before any of them is sent. Deliveries that cannot be built
 * now come back as outcomes to record.
 */
export async function copiesOf(
  app: App,
  group: readonly ClaimedRow[],
  p: CopySettings,
): Promise<{ ready: Ready[]; early: Attempt[]; waiting: string | null }> {
  const ready: Ready[] = [];
  const early: Attempt[] = [];
  const built: Ready[] = [];
  const toSeal: { d: ClaimedRow; seal: ToSeal['seal'] }[] = [];
  let waiting: string | null = null;
  let shared: Promise<Shared> | undefined;
  const couldNotBuild = (d: ClaimedRow, e: unknown) => {
    const message = `could not build the message: ${e instanceof Error ? e.message : String(e)}`;
    early.push({
      d,
      outcome: d.attempts >= p.maxAttempts ? { failed: message } : retryOrFail(d, message, p.now, p.maxAttempts, p.baseMs),
    });
  };
  for (const d of group) {
    try {
      if (d.raw_sealed) {
        ready.push({ d, raw: openCopy(app, d.id, d.raw_sealed), mode: d.mode });
        continue;
      }
      shared ??= loadShared(app, app.db, d.outbox_id, d.report_id, p.facts);
      const b = await planCopy(app, app.db, d, await shared, p.keys, p.now);
      if ('seal' in b) {
        // Not the recipient's fault: the attempt is not counted.
        if (!p.teamKey) {
          waiting = 'the desk has no team key yet (generate or import one under Mail settings)';
          early.push({ d, outcome: { retryAt: new Date(p.now.getTime() + p.baseMs), error: waiting, refund: true } });
        } else toSeal.push({ d, seal: b.seal });
      } else if ('refuse' in b) early.push({ d, outcome: { failed: b.refuse, ...(b.held ? { held: true } : {}) } });
      else if ('wait' in b)
        early.push({ d, outcome: { retryAt: new Date(p.now.getTime() + p.baseMs), error: (waiting = b.wait), refund: true } });
      else built.push({ d, raw: b.raw, mode: b.mode });
    } catch (e) {
      couldNotBuild(d, e);
    }
  }
  if (toSeal.length > 0 && shared && p.teamKey) {
    try {
      const sealed = await sealShared(await shared, toSeal, p.teamKey, p.now);
      for (const j of toSeal) built.push({ d: j.d, raw: sealed.get(j.d.id)!, mode: 'encrypted' });
    } catch (e) {
      for (const j of toSeal) couldNotBuild(j.d, e);
    }
  }
  const ours = await storeCopies(app, built);
  for (const b of built) if (ours.has(b.d.id)) ready.push(b); // else taken over meanwhile: the other pass sends its own build
  return { ready, early, waiting };
}
