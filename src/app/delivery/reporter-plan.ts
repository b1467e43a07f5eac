import type { PublicKey } from 'openpgp';
import type { Queryable } from '../../store/db.ts';
import { keyUsability, whyUnusable } from '../../mail/key-quality.ts';
import { deskUrl } from '../../config.ts';
import { aad, type App, type Ctx } from '../context.ts';
import { openReporter, type LoadedCase, visibleCase } from '../cases/case.ts';
import { confirmedKeyFor } from '../keys/keys.ts';
import type { ProfileRules } from '../profile/rules.ts';
import { rulesOf } from '../admin/instance.ts';

// What becomes of a message to the reporter, decided when it is queued (messageReporter) and said
// before sending (the reply form's note): encrypted to their confirmed, usable key; without one in
// clear where the profile allows it, else held (held.ts). And the reporter's status link: kept for a
// report by mail or import, whose reporter was never shown it, so the desk can mail it to them.

/** What the reporter's copy will be. */
export type ReporterMailPlan =
  | { mode: 'encrypted'; address: string; fingerprint: string; key: PublicKey; warning: string | null }
  | { mode: 'plaintext'; address: string; why: string }
  | { mode: 'refused'; address: string; why: string }
  | { mode: 'none' };

export async function reporterMailPlan(ctx: Ctx, tx: Queryable, c: LoadedCase, rules: ProfileRules, now: Date): Promise<ReporterMailPlan> {
  const address = openReporter(ctx, c).email?.trim().toLowerCase();
  if (!address) return { mode: 'none' };
  const key = await confirmedKeyFor(ctx.app, tx, address);
  const usability = key ? await keyUsability(key, now, address) : null;
  if (key && usability?.usable) {
    return {
      mode: 'encrypted',
      address,
      fingerprint: key.getFingerprint().toUpperCase(),
      key,
      warning: usability.code === 'weak_warning' ? (usability.reason ?? null) : null,
    };
  }
  const why = usability
    ? `the reporter's key cannot be used: ${whyUnusable(usability)}`
    : 'no confirmed OpenPGP key is on file for the reporter';
  return rules.unencryptedMail === 'allow' ? { mode: 'plaintext', address, why } : { mode: 'refused', address, why };
}

// --- The status link of a reporter who was not shown it (a report by mail or import) ---

/** The reporter's status link, for a report whose token the desk keeps to mail it; null for web and API reports. */
export async function statusLinkOf(ctx: Ctx, tx: Queryable, reportId: string): Promise<string | null> {
  const r = await tx.query<{ status_token_sealed: string | null }>('SELECT status_token_sealed FROM reports WHERE id = $1', [reportId]);
  const sealed = r.rows[0]?.status_token_sealed;
  if (!sealed) return null;
  return `${deskUrl(ctx.app.config)}/status/${encodeURIComponent(ctx.app.sealer.open(sealed, aad('reports', 'status_token', reportId)))}`;
}

/** Mail of the desk that never carries the status link: the notice, the relayed signed reply, the answer to undecryptable mail. */
const WITHOUT_LINK = ['reporter.notice', 'relay.signed_reply', 'mail.undecryptable'];

/**
 * Whether the reporter has their status link: shown to them when they reported (web form, API), or
 * mailed to them since (a copy to them that carried it was sent).
 */
export async function hasStatusLink(app: Pick<App, 'blind'>, tx: Queryable, reportId: string, address: string): Promise<boolean> {
  const r = await tx.query<{ shown: boolean; mailed: boolean }>(
    `SELECT r.status_token_sealed IS NULL AND r.channel IN ('web', 'api') AS shown,
            r.status_token_sealed IS NOT NULL AND EXISTS (SELECT 1 FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
                     WHERE d.report_id = r.id AND d.recipient_index = $2 AND d.status = 'sent' AND d.mode IN ('encrypted', 'plaintext')
                       AND (o.template_id IS NULL OR o.template_id <> ALL($3))) AS mailed
       FROM reports r WHERE r.id = $1`,
    [reportId, app.blind.of('email', address), WITHOUT_LINK],
  );
  const row = r.rows[0];
  return Boolean(row && (row.shown || row.mailed));
}

/**
 * What will happen to a reply's mail to the reporter, in words for the reply form (said before
 * sending): encrypted to their confirmed key, in clear where the profile allows it, or held with a
 * notice without content; and whether they can read it on a status page, which a reporter who came
 * by mail or import has only once a mail carrying its link reached them.
 */
export async function reporterMailNote(ctx: Ctx, reportId: string): Promise<string> {
  const now = ctx.app.clock();
  const c = await visibleCase(ctx, ctx.app.db, reportId);
  const rules = await rulesOf(ctx.app.db);
  const plan = await reporterMailPlan(ctx, ctx.app.db, c, rules, now);
  if (plan.mode === 'none') {
    return (await hasStatusLink(ctx.app, ctx.app.db, reportId, ''))
      ? 'The reporter gave no e-mail address: they read the reply on their status page.'
      : 'The reporter gave no e-mail address and was never shown a status link: the reply stays on the case, and reaches them only if you pass it on another way.';
  }
  const page = await hasStatusLink(ctx.app, ctx.app.db, reportId, plan.address);
  const link = (await statusLinkOf(ctx, ctx.app.db, reportId)) !== null;
  if (plan.mode === 'encrypted')
    return `Mailed encrypted to the reporter's key ${plan.fingerprint} and signed with the team key${link ? ', with the link to their status page' : ''}.`;
  if (plan.mode === 'plaintext')
    return `Not encrypted: ${plan.why}, so this reply is mailed to the reporter in clear (the process profile allows it)${link ? ', with the link to their status page' : ''}.`;
  return (
    `Not mailed: ${plan.why} and the process profile refuses mail in clear, ` +
    'so the mail is held as a failed delivery and sent to them encrypted once a key of theirs is confirmed. ' +
    'They are mailed a notice without its content saying how to receive it (at most one a day)' +
    (page
      ? '; they can read it now on their status page.'
      : '. They have no status page link yet: it reaches them only encrypted, so until then they cannot read the reply.')
  );
}
