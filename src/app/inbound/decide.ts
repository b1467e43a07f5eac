import type { Queryable } from '../../store/db.ts';
import type { Ctx } from '../context.ts';
import type { LoadedCase } from '../cases/case.ts';
import { confirmedKeyOfPerson } from '../keys/keys.ts';
import { type MemberMailOutcome, memberMailToReplyAddress } from '../relay/relay-mail.ts';
import type { Claim } from './inbox.ts';
import type { Letter } from './read.ts';
import { projectListsAddressed, type Thread } from './threading.ts';
import type { ArrivedAt } from '../cases/forwarding.ts';

// What a mail that is neither automatic nor undeliverable becomes, given its thread (threading.ts):
// - no thread: a new report, which is a project's from the start when it came in to that project's
//   own list (<project>-security@, and no other list of the desk);
// - a desk person's mail to the reporter address (alias+reporter@, answering a mail of the case) is a
//   reply to the reporter, and goes to the relay
//   use case (src/app/relay/relay-mail.ts), which decides and records it itself: relayed with the
//   member's signature intact, or kept as a team note with the reason (the sender is told);
// - the case's reporter (From is the reporter's address): a reply from the reporter;
// - a member who may see the case, whose signature verifies against their own confirmed key: a member's
//   note; without such a signature it is refused (anyone can write a member's From);
// - anyone else reaching the case (reply address, Message-ID): a note "mail from a third party".

export type Decision =
  /** A new report; `arrivedAt` when it came in to a project's own list, whose team handles it from the start. */
  | { kind: 'new_report'; arrivedAt: ArrivedAt | null }
  | ({ kind: 'relayed'; c: LoadedCase } & MemberMailOutcome)
  | { kind: 'reporter_reply'; c: LoadedCase }
  | { kind: 'member_reply'; c: LoadedCase; signerPersonId: string }
  | { kind: 'third_party'; c: LoadedCase; via: Thread['via'] }
  | { kind: 'member_unverified'; c: LoadedCase };

export const MEMBER_UNVERIFIED =
  'Mail from a member is recorded only when it is signed with their own confirmed OpenPGP key, and this signature does not verify against it.';

export async function decide(ctx: Ctx, tx: Queryable, now: Date, claim: Claim, letter: Letter, thread: Thread | null): Promise<Decision> {
  if (!thread) return { kind: 'new_report', arrivedAt: await projectListsAddressed(ctx.app, tx, claim.envelopeTo) };
  const { c } = thread;
  // Only mail written to the reporter address is meant for the reporter: a member's "Reply" to any
  // copy goes to the plain alias (or, for copies sent before, a case's reply token address) and stays
  // with the team.
  if (thread.toReporterAddress && thread.role !== 'reporter' && !letter.undecryptable) {
    const relayed = await memberMailToReplyAddress(ctx.app, tx, now, {
      c,
      sender: letter.sender,
      raw: claim.raw,
      opened: letter.opened,
      subject: letter.subject,
      text: letter.body,
      messageId: letter.outer.messageId,
    });
    // Null: the sender is no desk person; their mail is a third party's, below.
    if (relayed) return { kind: 'relayed', c, ...relayed };
  }
  if (thread.role === 'reporter') return { kind: 'reporter_reply', c };
  if (thread.role === 'member' && thread.personId) {
    return (await signedByOwnKey(ctx, tx, thread.personId, letter))
      ? { kind: 'member_reply', c, signerPersonId: thread.personId }
      : { kind: 'member_unverified', c };
  }
  return { kind: 'third_party', c, via: thread.via };
}

/** Is the mail signed, validly, by the member's own confirmed key? */
async function signedByOwnKey(ctx: Ctx, tx: Queryable, personId: string, letter: Letter): Promise<boolean> {
  const own = await confirmedKeyOfPerson(ctx.app, tx, personId);
  const sig = letter.opened?.security.signature;
  const fp = sig?.signerFingerprint?.toUpperCase();
  return Boolean(own && sig?.status === 'valid' && fp && own.key.getFingerprint().toUpperCase() === fp);
}
