import { deskUrl } from '../../config.ts';
import type { Queryable } from '../../store/db.ts';
import type { App, Ctx } from '../context.ts';
import { teamPublicKey } from '../keys/keys.ts';
import type { Envelope } from './messaging.ts';

// The notice a reporter gets, in clear, when a message to them is held because it cannot be encrypted
// to them and the profile refuses mail in clear. It must be safe for anyone who reads mail in clear:
// it is written here, not in the profile, so that no template variable can bring the report's
// content into it. It names only the report's number and says how to receive what is held:
// - send an OpenPGP public key (a reply with the key attached); a team member checks its fingerprint
//   with them before the desk uses it, then the held messages, the link to their status page among
//   them, go out encrypted to it;
// - or use the web form, which shows its status link over HTTPS.
// It never carries the status link: whoever reads this mail must not be able to read the answers.

/** Template id of the notice (outbox.template_id), also what its rate limit counts. */
export const HELD_NOTICE_TEMPLATE = 'reporter.notice';

/** At most one notice per report in this period, besides the first (RFC 3834's restraint). */
const NOTICE_PERIOD_MS = 24 * 3600_000;

export interface HeldNoticeFacts {
  teamName: string;
  /** The reference the reporter knows the report by. */
  reportReference: string;
  /** The held message is the automatic receipt of their report (their first answer from the desk). */
  receipt: boolean;
  /** The reporter was shown their status link (web form, API): they can read it there already. */
  hasStatusPage: boolean;
  /** Fingerprints of keys they offered that wait for a team member's check. */
  candidateKeys: readonly string[];
  inReplyTo: string | null;
}

/** Whether a notice may go now: the first always; later ones once per period per report. */
export async function noticeDue(tx: Queryable, reportId: string, at: Date): Promise<boolean> {
  const r = await tx.query(`SELECT 1 FROM outbox WHERE report_id = $1 AND template_id = $2 AND created_at > $3 LIMIT 1`, [
    reportId,
    HELD_NOTICE_TEMPLATE,
    new Date(at.getTime() - NOTICE_PERIOD_MS),
  ]);
  return r.rows.length === 0;
}

/** Fingerprints of the keys offered for this address that nobody has confirmed or dismissed yet. */
export async function candidateKeysOf(app: Pick<App, 'blind'>, tx: Queryable, email: string): Promise<string[]> {
  const r = await tx.query<{ fingerprint: string }>(
    `SELECT fingerprint FROM correspondent_keys WHERE email_index = $1 AND status = 'candidate' AND person_id IS NULL ORDER BY created_at`,
    [app.blind.of('email', email)],
  );
  return r.rows.map((k) => k.fingerprint.toUpperCase());
}

export async function heldNoticeEnvelope(ctx: Ctx, tx: Queryable, to: string, f: HeldNoticeFacts): Promise<Envelope> {
  const key = await teamPublicKey(tx);
  const desk = deskUrl(ctx.app.config);
  const what = f.receipt
    ? `Your message to ${f.teamName} arrived and is recorded as report ${f.reportReference}. The team will read it.`
    : `${f.teamName} has written to you about report ${f.reportReference}.`;
  const held = f.receipt
    ? 'Nothing more is in this mail because it is not encrypted: the team sends its answers, and the link to your private status page, only encrypted with OpenPGP.'
    : 'The message is not in this mail because it is not encrypted: the team sends its answers only encrypted with OpenPGP.';
  const sendKey = [
    '- Send us your OpenPGP public key: reply to this mail with the public key attached. A team member',
    '  checks its fingerprint with you before it is used; then everything waiting for you, the link to',
    '  your status page included, is sent to you encrypted to it.',
  ];
  const ways = f.candidateKeys.length
    ? [
        `Your OpenPGP key ${f.candidateKeys.join(', ')} has arrived. A team member will check its fingerprint`,
        'with you before it is used; from then on everything waiting for you is sent to you encrypted to it.',
      ]
    : f.hasStatusPage
      ? [
          'You can read it now on your status page, at the link you were shown when you sent your report.',
          '',
          'To receive it by mail as well:',
          '',
          ...sendKey,
        ]
      : [
          'To receive them:',
          '',
          ...sendKey,
          '- If you do not use OpenPGP, write to the team through the web form (mention report',
          `  ${f.reportReference}): ${desk}/report`,
          '  It shows you the link to a private status page, over HTTPS, where you read the',
          "  team's answers and write to them.",
        ];
  const body = [
    'Hello,',
    '',
    what,
    '',
    held,
    '',
    ...ways,
    ...(key ? ['', `The team's public key (fingerprint ${key.fingerprint}) is attached, for encrypting what you send us.`] : []),
    '',
    'This is an automatic message.',
  ].join('\n');
  return {
    to: [to],
    cc: [],
    subject: `Your report to ${f.teamName}`,
    body,
    automatic: f.inReplyTo ? 'auto-replied' : 'auto-generated',
    ...(f.inReplyTo ? { inReplyTo: f.inReplyTo } : {}),
    ...(key
      ? {
          attachments: [
            {
              filename: `${key.fingerprint}.asc`,
              contentType: 'application/pgp-keys',
              contentBase64: Buffer.from(key.armored, 'utf8').toString('base64'),
            },
          ],
        }
      : {}),
    nothingSecret: true,
  };
}
