import type { Ctx } from '../context.ts';
import { requirePerson } from '../context.ts';
import { visibleCase } from '../cases/case.ts';

// What the case page shows about each thread message that came in by mail: whether it was
// encrypted, signed, by which key, and whether the signature verified.

export interface MailFactsView {
  senderRole: 'reporter' | 'member' | 'third_party';
  encryption: string | null;
  signature: string | null;
  signatureShape: string | null;
  signerFingerprint: string | null;
  signerName: string | null;
  protectedSubject: boolean;
  htmlConverted: boolean;
}

/** Mail facts by thread message id, for someone who may see the case (else "not found"). */
export async function mailFactsOfCase(ctx: Ctx, reportId: string): Promise<Map<string, MailFactsView>> {
  requirePerson(ctx);
  const c = await visibleCase(ctx, ctx.app.db, reportId);
  const r = await ctx.app.db.query<{
    message_id: string;
    sender_role: MailFactsView['senderRole'];
    encryption: string | null;
    signature: string | null;
    signature_shape: string | null;
    signer_fingerprint: string | null;
    signer_name: string | null;
    protected_subject: boolean | null;
    html_converted: boolean | null;
  }>(
    `SELECT mm.message_id, mm.sender_role, i.encryption, i.signature, i.signature_shape, i.signer_fingerprint, p.name AS signer_name,
            i.protected_subject, i.html_converted
       FROM message_mail mm JOIN messages m ON m.id = mm.message_id JOIN mail_inbox i ON i.id = mm.inbox_id
       LEFT JOIN people p ON p.id = i.signer_person_id
      WHERE m.report_id = $1`,
    [c.row.reportId],
  );
  return new Map(
    r.rows.map((x) => [
      x.message_id,
      {
        senderRole: x.sender_role,
        encryption: x.encryption,
        signature: x.signature,
        signatureShape: x.signature_shape,
        signerFingerprint: x.signer_fingerprint,
        signerName: x.signer_name,
        protectedSubject: x.protected_subject ?? false,
        htmlConverted: x.html_converted ?? false,
      },
    ]),
  );
}

/** One line in words, e.g. "by mail · encrypted (PGP/MIME) · signed by Tess Triager (ABCD…), verified". */
export function describeMailFacts(f: MailFactsView): string {
  const enc =
    f.encryption === 'pgp-mime'
      ? 'encrypted (PGP/MIME)'
      : f.encryption === 'inline'
        ? 'encrypted (inline PGP)'
        : f.encryption === 'undecryptable'
          ? 'encrypted, could not be decrypted'
          : 'not encrypted';
  const who = f.signerName ? `${f.signerName} (${f.signerFingerprint ?? 'unknown key'})` : (f.signerFingerprint ?? 'an unknown key');
  const sig =
    f.signature === 'valid'
      ? `signed by ${who}, verified`
      : f.signature === 'unknown_key'
        ? `signed by ${who}, not verified (the key is not confirmed on the desk)`
        : f.signature === 'invalid'
          ? `signature by ${who} does NOT verify${f.signatureShape ? ` (${f.signatureShape})` : ''}`
          : 'not signed';
  const extra = [
    f.protectedSubject ? 'subject encrypted' : '',
    f.htmlConverted ? 'HTML converted to text' : '',
    f.senderRole === 'third_party' ? 'from a third party' : '',
  ].filter(Boolean);
  return ['by mail', enc, sig, ...extra].join(' · ');
}
