// What the reporter reads of their own report, in one place so that every door says it the same way:
// the reference their report goes by and the words for how they want to be credited.

// Crockford's base32: no I, L, O or U, so a reference read aloud or typed by hand is not misread.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The reference a reporter knows their report by, like "R-7K3MQ9XD": made from the report's random
 * id, so it says nothing of how many reports the desk has (the internal number does), and it is the
 * same wherever it is shown. 40 bits of the id: a label to quote, never a key (the status link is).
 */
export function reporterReference(reportId: string): string {
  const hex = reportId.replace(/-/g, '').slice(0, 10);
  if (!/^[0-9a-f]{10}$/i.test(hex)) throw new Error('reporterReference: not a report id');
  let n = BigInt(`0x${hex}`);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = ALPHABET[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return `R-${out}`;
}

export type ReporterCreditChoice = 'name' | 'handle' | 'anonymous';

/** How a reporter may ask to be credited: the report form and the status page offer these words. */
export const REPORTER_CREDIT_CHOICES: readonly { value: ReporterCreditChoice; label: string }[] = [
  { value: 'name', label: 'By the name I reported with' },
  { value: 'handle', label: 'By my handle or another name' },
  { value: 'anonymous', label: 'Anonymously (no credit by name)' },
];
