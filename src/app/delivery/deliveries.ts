import { deskUrl } from '../../config.ts';
import { createHash, randomUUID } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import { canSeeCase, canSeeSensitive, type CaseFacts, type PersonPrincipal } from '../../domain/access.ts';
import { EmbargoError, NotFoundError } from '../../domain/errors.ts';
import { aad, audit, requireDesk, requirePerson, type App, type Ctx } from '../context.ts';
import { loadCase } from '../cases/case.ts';
import type { Envelope } from '../cases/messaging.ts';
import { isUuid } from '../../domain/ids.ts';

// Per-recipient deliveries of outbox mail: planned in the transaction that queues the mail (so the
// Message-ID is fixed before anything is sent), delivered by src/jobs/mail-delivery.ts.
//
// Planning resolves every address of the envelope:
// - one of the desk's aliases (teams.alias, mail_aliases): the members of that team who may see the
//   case, each a delivery of their own (the list copy of the profile's copy rules is this fan-out,
//   never a message to the alias itself, which would loop back into the gateway);
// - a member's address: a member delivery (encrypted to the member's own key, else a notice);
// - anything else: an external delivery (encrypted to the confirmed key for that address, else in
//   clear only where the profile allows it).
// A member who may see the case but not its sensitive fields (a collaborator) gets a notice only.

export interface PlannedDelivery {
  id: string;
  recipient: string;
  personId: string | null;
  kind: 'member' | 'external';
  noticeOnly: boolean;
  messageId: string;
}

/** The domain of the desk's Message-IDs: the bounce address's, else the public URL's host. */
/**
 * A copy's recipient is sealed for its row (on the reporter's copies it is the reporter's address),
 * with a keyed blind index beside it for the look-ups by address (held copies, the status link's copy).
 */
export const sealRecipient = (app: Pick<App, 'sealer'>, deliveryId: string, recipient: string): string =>
  app.sealer.seal(recipient, aad('deliveries', 'recipient', deliveryId));

export const openRecipient = (app: Pick<App, 'sealer'>, row: { id: string; recipient_sealed: string }): string =>
  app.sealer.open(row.recipient_sealed, aad('deliveries', 'recipient', row.id));

/**
 * A built copy, sealed for its row as the bytes it is. Copies stored before were sealed as base64 text
 * (a v1 value); they open as they were, so a retry still sends exactly the bytes first built.
 */
export const sealCopy = (app: Pick<App, 'sealer'>, deliveryId: string, raw: Uint8Array): string =>
  app.sealer.sealBytes(raw, aad('deliveries', 'raw', deliveryId));

export function openCopy(app: Pick<App, 'sealer'>, deliveryId: string, sealed: string): Buffer {
  return sealed.startsWith('v1.')
    ? Buffer.from(app.sealer.open(sealed, aad('deliveries', 'raw', deliveryId)), 'base64')
    : app.sealer.openBytes(sealed, aad('deliveries', 'raw', deliveryId));
}

/**
 * What a server said about a copy (a bounce's diagnostic, an SMTP reply, why it is held) is sealed for
 * its row too: receiving servers quote the recipient's address and sometimes lines of the message.
 */
export type DeliveryText = 'failure' | 'last_error';

export const sealDeliveryText = (app: Pick<App, 'sealer'>, deliveryId: string, column: DeliveryText, text: string): string =>
  app.sealer.seal(text, aad('deliveries', column, deliveryId));

/** The text, from its sealed column (or, on a row an earlier version wrote, the clear one). */
export function openDeliveryText(
  app: Pick<App, 'sealer'>,
  deliveryId: string,
  column: DeliveryText,
  sealed: string | null,
  clear: string | null,
): string | null {
  return sealed ? app.sealer.open(sealed, aad('deliveries', column, deliveryId)) : clear;
}

/** The SET clause that empties both texts of a copy queued again. */
export const CLEAR_DELIVERY_TEXTS = 'failure = NULL, failure_sealed = NULL, last_error = NULL, last_error_sealed = NULL';

export async function messageIdDomain(ctx: Ctx, tx: Queryable): Promise<string> {
  const r = await tx.query<{ bounce_address: string }>('SELECT bounce_address FROM smtp_relay WHERE id = 1');
  const bounce = r.rows[0]?.bounce_address;
  if (bounce) return bounce.slice(bounce.lastIndexOf('@') + 1);
  // Config validated publicUrl as a URL, and the listening address makes one too.
  return new URL(deskUrl(ctx.app.config)).hostname;
}

/** The hash under which the ingress side looks Message-IDs up (mail_message_ids, migration 007). */
export function messageIdHash(messageId: string): string {
  return createHash('sha256').update(messageId.trim().replace(/^<|>$/g, '').toLowerCase()).digest('hex');
}

/** People (not disabled) with the facts the access policy needs, by id. */
export async function principalsOf(tx: Queryable, personIds: readonly string[]): Promise<Map<string, PersonPrincipal & { email: string }>> {
  if (personIds.length === 0) return new Map();
  const r = await tx.query<{
    id: string;
    name: string;
    is_admin: boolean;
    central: boolean;
    project_ids: string[] | null;
    email: string | null;
  }>(
    `SELECT p.id, p.name, p.is_admin,
            EXISTS (SELECT 1 FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.person_id = p.id AND t.kind = 'central') AS central,
            ARRAY(SELECT pr.id FROM projects pr JOIN team_members tm ON tm.team_id = pr.security_team_id WHERE tm.person_id = p.id) AS project_ids,
            (SELECT e.email FROM person_emails e WHERE e.person_id = p.id ORDER BY e.is_primary DESC, e.email LIMIT 1) AS email
       FROM people p WHERE p.id = ANY($1) AND NOT p.disabled`,
    [[...new Set(personIds)]],
  );
  const out = new Map<string, PersonPrincipal & { email: string }>();
  for (const row of r.rows) {
    if (!row.email) continue;
    out.set(row.id, {
      kind: 'person',
      personId: row.id,
      name: row.name,
      isAdmin: row.is_admin,
      central: row.central,
      projectIds: row.project_ids ?? [],
      email: row.email,
    });
  }
  return out;
}

/**
 * What planning a case's deliveries reads besides the addresses: who may see the case and the
 * Message-ID domain. A caller queueing several mails of one case in one transaction reads them once
 * (messaging.ts, mailReads).
 */
export interface DeliveryReads {
  access(): Promise<CaseFacts | null>;
  messageIdDomain(): Promise<string>;
}

/** How the desk knows an envelope's addresses: its lists among them, with their teams' members, and its people's. */
export interface KnownAddresses {
  /** The envelope's addresses, lower case, each once. */
  addresses: string[];
  /** The teams whose list each list address is. */
  aliasTeams: Map<string, string[]>;
  /** The person each personal address is. */
  personOf: Map<string, string>;
  /** The members of the lists' teams. */
  viaAlias: string[];
}

/** The envelope's addresses as the desk knows them, in one statement. */
export async function knownAddresses(tx: Queryable, envelope: Envelope): Promise<KnownAddresses> {
  const addresses = [...new Set([...envelope.to, ...envelope.cc].map((a) => a.trim().toLowerCase()).filter((a) => a.length > 0))];
  const known: KnownAddresses = { addresses, aliasTeams: new Map(), personOf: new Map(), viaAlias: [] };
  if (addresses.length === 0) return known;
  const r = await tx.query<{ kind: 'list' | 'person' | 'member'; address: string | null; id: string }>(
    `WITH lists AS (SELECT address, team_id FROM mail_aliases WHERE address = ANY($1)
                    UNION SELECT lower(alias), id FROM teams WHERE lower(alias) = ANY($1))
     SELECT 'list' AS kind, address, team_id AS id FROM lists
     UNION ALL SELECT 'person', email, person_id FROM person_emails WHERE email = ANY($1)
     UNION ALL SELECT 'member', NULL, m.person_id FROM (SELECT DISTINCT person_id FROM team_members WHERE team_id IN (SELECT team_id FROM lists)) m`,
    [addresses],
  );
  for (const row of r.rows) {
    if (row.kind === 'list') known.aliasTeams.set(row.address!, [...(known.aliasTeams.get(row.address!) ?? []), row.id]);
    else if (row.kind === 'person') known.personOf.set(row.address!, row.id);
    else known.viaAlias.push(row.id);
  }
  return known;
}

/**
 * The addresses that are neither one of the desk's lists nor a person's: mail to them leaves the desk
 * as written (encrypted to their key at most), so the leak guard checks it first.
 */
export function outsideOf(known: KnownAddresses): string[] {
  return known.addresses.filter((a) => !known.aliasTeams.has(a) && !known.personOf.has(a));
}

/** Splits the envelope's addresses into members and external recipients, aliases expanded. */
export async function planDeliveries(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  opts: {
    outboxId: string;
    reportId: string | null;
    envelope: Envelope;
    reads?: DeliveryReads;
    /** The envelope's addresses, when the caller looked them up already (knownAddresses). */
    known?: KnownAddresses;
  },
): Promise<PlannedDelivery[]> {
  const { addresses, aliasTeams, personOf, viaAlias } = opts.known ?? (await knownAddresses(tx, opts.envelope));
  if (addresses.length === 0) return [];
  const people = await principalsOf(tx, [...personOf.values(), ...viaAlias]);
  const facts: CaseFacts | null = opts.reads
    ? await opts.reads.access()
    : opts.reportId
      ? ((await loadCase(tx, opts.reportId))?.facts ?? null)
      : null;

  const planned = new Map<string, Omit<PlannedDelivery, 'id' | 'messageId'>>();
  const addMember = (personId: string, fromAlias: boolean) => {
    const p = people.get(personId);
    if (!p) return; // disabled, or no address
    // A list copy goes only to those who may see the case; an explicitly addressed member (an SLA
    // notice) is not dropped, but gets no content unless they may see the sensitive fields.
    if (fromAlias && facts && !canSeeCase(p, facts)) return;
    const noticeOnly = facts !== null && !canSeeSensitive(p, facts);
    const existing = planned.get(p.email);
    planned.set(p.email, {
      recipient: p.email,
      personId,
      kind: 'member',
      noticeOnly: existing ? existing.noticeOnly && noticeOnly : noticeOnly,
    });
  };
  for (const address of addresses) {
    const teams = aliasTeams.get(address);
    if (teams) continue;
    const personId = personOf.get(address);
    if (personId) addMember(personId, false);
    else if (!planned.has(address)) planned.set(address, { recipient: address, personId: null, kind: 'external', noticeOnly: false });
  }
  for (const personId of viaAlias) addMember(personId, true);

  const domain = await (opts.reads?.messageIdDomain() ?? messageIdDomain(ctx, tx));
  const out: PlannedDelivery[] = [...planned.values()].map((d) => ({
    ...d,
    id: randomUUID(),
    messageId: `${randomUUID().replaceAll('-', '')}@${domain}`,
  }));
  if (out.length === 0) return out;
  await tx.query(
    `INSERT INTO deliveries (id, outbox_id, report_id, recipient_index, recipient_sealed, person_id, recipient_kind, notice_only, message_id,
                             next_attempt_at, created_at)
     SELECT d.id, $1, $2, d.recipient_index, d.recipient_sealed, d.person_id, d.kind, d.notice_only, d.message_id, $3, $3
       FROM unnest($4::uuid[], $5::text[], $6::uuid[], $7::text[], $8::boolean[], $9::text[], $10::text[])
            AS d(id, recipient_sealed, person_id, kind, notice_only, message_id, recipient_index)`,
    [
      opts.outboxId,
      opts.reportId,
      at,
      out.map((d) => d.id),
      out.map((d) => sealRecipient(ctx.app, d.id, d.recipient)),
      out.map((d) => d.personId),
      out.map((d) => d.kind),
      out.map((d) => d.noticeOnly),
      out.map((d) => d.messageId),
      out.map((d) => ctx.app.blind.of('email', d.recipient)),
    ],
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// The failed-delivery list, resend, bounces

export interface FailedDelivery {
  id: string;
  recipient: string;
  recipientKind: 'member' | 'external';
  reportId: string | null;
  caseLabel: string | null;
  messageId: string;
  attempts: number;
  failure: string;
  failedAt: Date;
}

/** Admins run the mail system; the central team answers for the cases. An admin outside the central team sees no reporter's address. */
function requireMailOperator(ctx: Ctx): PersonPrincipal | null {
  if (ctx.principal.kind === 'system') return null;
  requireDesk(ctx, 'mail.deliveries');
  return requirePerson(ctx);
}

export async function listFailedDeliveries(ctx: Ctx, limit = 200): Promise<FailedDelivery[]> {
  const p = requireMailOperator(ctx);
  const showExternal = p === null || p.central;
  const r = await ctx.app.db.query<{
    id: string;
    recipient_sealed: string;
    recipient_kind: 'member' | 'external';
    report_id: string | null;
    ref: string | null;
    number: number | null;
    message_id: string;
    attempts: number;
    failure: string | null;
    failure_sealed: string | null;
    failed_at: Date;
  }>(
    `SELECT d.id, d.recipient_sealed, d.recipient_kind, d.report_id, i.ref, r.number, d.message_id, d.attempts, d.failure, d.failure_sealed, d.failed_at
       FROM deliveries d LEFT JOIN reports r ON r.id = d.report_id LEFT JOIN incidents i ON i.id = r.incident_id
      WHERE d.status = 'failed' ORDER BY d.failed_at DESC, d.id LIMIT $1`,
    [Math.max(1, Math.min(limit, 1000))],
  );
  return r.rows.map((row) => {
    const failure = openDeliveryText(ctx.app, row.id, 'failure', row.failure_sealed, row.failure) ?? 'failed';
    return {
      id: row.id,
      recipient: row.recipient_kind === 'external' && !showExternal ? '(an external recipient)' : openRecipient(ctx.app, row),
      recipientKind: row.recipient_kind,
      reportId: row.report_id,
      caseLabel: row.ref ?? (row.number !== null ? `report #${row.number}` : null),
      messageId: row.message_id,
      attempts: row.attempts,
      // The reason is text from elsewhere (a bounce names the recipient; SMTP servers repeat it in their
      // replies, sometimes rewritten): every address in it goes, not only the recipient's.
      failure: row.recipient_kind === 'external' && !showExternal ? withoutAddresses(failure) : failure,
      failedAt: new Date(row.failed_at),
    };
  });
}

const withoutAddresses = (text: string): string => text.replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, '(an external address)');

/**
 * Queues a failed delivery again, with the same Message-ID (a recipient who did get it after all
 * keeps one copy). The message is built afresh, so a key uploaded since is used.
 */
export async function resendDelivery(ctx: Ctx, deliveryId: string): Promise<void> {
  requireMailOperator(ctx);
  if (!isUuid(deliveryId)) throw new NotFoundError('delivery');
  const now = ctx.app.clock();
  await ctx.app.db.transaction(async (tx) => {
    const r = await tx.query<{ outbox_id: string; status: string }>('SELECT outbox_id, status FROM deliveries WHERE id = $1 FOR UPDATE', [
      deliveryId,
    ]);
    const row = r.rows[0];
    if (!row) throw new NotFoundError('delivery');
    if (row.status !== 'failed')
      throw new EmbargoError('conflict', `This delivery is ${row.status}, not failed; only failed deliveries are resent.`);
    await tx.query(
      `UPDATE deliveries SET status = 'queued', attempts = 0, next_attempt_at = $2, raw_sealed = NULL, mode = NULL, ${CLEAR_DELIVERY_TEXTS},
              failed_at = NULL, lease_until = NULL, held_for_key = false WHERE id = $1`,
      [deliveryId, now],
    );
    await syncOutboxStatus(tx, row.outbox_id, now);
    await audit(ctx, tx, now, { action: 'mail.delivery_resent', subjectType: 'delivery', subjectId: deliveryId });
  });
}

/** The outbox row follows its deliveries: sent when all are, failed when any failed, else sending. */
export async function syncOutboxStatus(tx: Queryable, outboxId: string, at: Date): Promise<void> {
  await tx.query(
    `UPDATE outbox o SET
        status = CASE WHEN s.failed > 0 THEN 'failed' WHEN s.pending = 0 THEN 'sent' WHEN s.done > 0 THEN 'sending' ELSE o.status END,
        sent_at = CASE WHEN s.failed = 0 AND s.pending = 0 THEN coalesce(o.sent_at, $2) ELSE NULL END
       FROM (SELECT count(*) FILTER (WHERE status = 'failed') AS failed,
                    count(*) FILTER (WHERE status IN ('queued', 'sending')) AS pending,
                    count(*) FILTER (WHERE status = 'sent') AS done
               FROM deliveries WHERE outbox_id = $1) s
      WHERE o.id = $1`,
    [outboxId, at],
  );
}

export interface BounceInput {
  /** The Message-ID of the message that bounced (from the DSN's message/rfc822 or text/rfc822-headers part). */
  originalMessageId?: string | null;
  /** The address the bounce was sent to (the envelope sender we used, bounce+TOKEN@...). */
  bounceAddress?: string | null;
  /** The failed recipient as the DSN names it (Final-Recipient / Original-Recipient). */
  recipient?: string | null;
  /** The DSN Status (e.g. 5.1.1) and Action (failed, delayed, ...). */
  status?: string | null;
  action?: string | null;
  diagnostic?: string | null;
}

/** The VERP token in a bounce address: bounce+<delivery id without dashes>@domain. */
export function bounceToken(bounceAddress: string): string | null {
  const m = /^[^@+]+\+([0-9a-f]{32})@/i.exec(bounceAddress.trim());
  return m ? m[1]!.toLowerCase() : null;
}

export function verpAddress(bounceAddress: string, deliveryId: string): string {
  const at = bounceAddress.lastIndexOf('@');
  return `${bounceAddress.slice(0, at)}+${deliveryId.replaceAll('-', '')}${bounceAddress.slice(at)}`;
}

/**
 * A bounce (DSN) for one of our deliveries: the delivery it names is marked failed with the reason.
 * A delayed-delivery report (Action: delayed, or a 4.x.x status) changes nothing but the last error.
 * Returns the delivery concerned, or null when the bounce names none of ours (nothing changes).
 */
export async function handleBounce(
  ctx: Ctx,
  tx: Queryable,
  at: Date,
  input: BounceInput,
): Promise<{ deliveryId: string; failed: boolean } | null> {
  const token = input.bounceAddress ? bounceToken(input.bounceAddress) : null;
  const messageId = input.originalMessageId?.trim().replace(/^<|>$/g, '') ?? null;
  let row: { id: string; outbox_id: string; status: string } | undefined;
  if (token) {
    const id = `${token.slice(0, 8)}-${token.slice(8, 12)}-${token.slice(12, 16)}-${token.slice(16, 20)}-${token.slice(20)}`;
    row = (
      await tx.query<{ id: string; outbox_id: string; status: string }>(
        'SELECT id, outbox_id, status FROM deliveries WHERE id = $1 FOR UPDATE',
        [id],
      )
    ).rows[0];
  }
  if (!row && messageId) {
    row = (
      await tx.query<{ id: string; outbox_id: string; status: string }>(
        'SELECT id, outbox_id, status FROM deliveries WHERE lower(message_id) = lower($1) FOR UPDATE',
        [messageId],
      )
    ).rows[0];
  }
  if (!row) return null;
  const status = input.status?.trim() ?? '';
  const delayed = (input.action ?? '').trim().toLowerCase() === 'delayed' || /^4\./.test(status);
  const detail = [status, input.diagnostic?.trim()]
    .filter(Boolean)
    .join(' ')
    .replace(/[\r\n]+/g, ' ')
    .slice(0, 500);
  if (delayed) {
    await tx.query('UPDATE deliveries SET last_error = NULL, last_error_sealed = $2 WHERE id = $1', [
      row.id,
      sealDeliveryText(ctx.app, row.id, 'last_error', `delayed: ${detail || 'no details'}`),
    ]);
    return { deliveryId: row.id, failed: false };
  }
  const reason = `bounced${input.recipient ? ` for ${input.recipient.trim().toLowerCase().slice(0, 320)}` : ''}: ${detail || 'no details given'}`;
  await tx.query(
    `UPDATE deliveries SET status = 'failed', failure = NULL, failure_sealed = $2, failed_at = $3, lease_until = NULL WHERE id = $1`,
    [row.id, sealDeliveryText(ctx.app, row.id, 'failure', reason), at],
  );
  await syncOutboxStatus(tx, row.outbox_id, at);
  await audit(ctx, tx, at, {
    action: 'mail.delivery_bounced',
    subjectType: 'delivery',
    subjectId: row.id,
    data: { status: status || null, previousStatus: row.status },
  });
  return { deliveryId: row.id, failed: true };
}
