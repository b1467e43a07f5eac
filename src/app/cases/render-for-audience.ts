import { readsUnredacted, type Audience } from '../../domain/audience.ts';
import { redactWithLabels } from '../../domain/redaction.ts';
import type { SensitiveValue } from '../../domain/sensitive.ts';

// Rendering a case's texts for one audience. Every text of a case (title, report body, thread
// messages with their subjects, mails, attachment names, reasons) passes through `renderForAudience`
// so that an audience outside the security teams reads the labels ("[reporter]") and never the values.

/** A case's texts as an audience reads them: unchanged for those who read unredacted, labelled for everyone else. */
export interface CaseRenderer {
  audience: Audience;
  text(s: string): string;
  /** The same for a text that may be absent. */
  maybe(s: string | null): string | null;
}

export function renderForAudience(audience: Audience, values: readonly SensitiveValue[]): CaseRenderer {
  const text = readsUnredacted(audience) ? (s: string) => s : (s: string) => redactWithLabels(s, values);
  return { audience, text, maybe: (s) => (s === null ? null : text(s)) };
}

const SUBJECT_LINE = /^Subject: (.*)$/mu;

/**
 * A thread message as the audience reads it. An advisory draft sent to the reporter (the message
 * names its advisory) is for the security teams: others read that it went (its subject line), not
 * its text.
 */
export function renderMessage(r: CaseRenderer, m: { kind: string; advisoryId: string | null }, body: string): string {
  if (!readsUnredacted(r.audience) && m.kind === 'to_reporter' && m.advisoryId !== null) {
    const subject = SUBJECT_LINE.exec(body)?.[1];
    return `${subject ? `Subject: ${r.text(subject)}\n\n` : ''}A draft advisory went to the reporter; its text is shown to the security teams only.`;
  }
  return r.text(body);
}
