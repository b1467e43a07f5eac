// The sensitive values of one case, and the labels outside audiences see in their place.
//
// Trusted Firmware's process: "any sensitive information the reporter provides is stripped out
// before communication outside the security teams" — by default the reporter's identity, their
// organisation and that organisation's product information, and whatever else the reporter names.
// Each value carries its kind (which decides the label), where it came from (so a person can see
// why the desk treats it as sensitive) and who marked it.

import publicMailProviders from 'email-providers/all.json' with { type: 'json' };

export const SENSITIVE_KINDS = ['identity', 'contact', 'organisation', 'product', 'reporter-marked', 'team-marked'] as const;
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

/** Where the desk learnt that a value is sensitive. */
export type SensitiveSource = 'reporter-record' | 'report-form' | 'mail-header' | 'key-user-id' | 'credit' | 'reporter-mark' | 'team-mark';

export interface SensitiveValue {
  kind: SensitiveKind;
  value: string;
  source: SensitiveSource;
  /** For marked values, what the marker called it ("customer"): shown in the label. */
  name?: string | null;
}

/** The placeholder an outside audience reads instead of the value. */
export function labelOf(v: Pick<SensitiveValue, 'kind' | 'name'>): string {
  switch (v.kind) {
    case 'identity':
    case 'contact':
      return '[reporter]';
    case 'organisation':
      return '[organisation]';
    case 'product':
      return '[product]';
    default:
      return v.name?.trim() ? `[sensitive: ${v.name.trim().slice(0, 40)}]` : '[sensitive]';
  }
}

const PUBLIC_PROVIDERS = new Set((publicMailProviders as string[]).map((d) => d.toLowerCase()));

/**
 * Whether an address's domain says who the reporter works for: any domain but a public mail
 * provider's (gmail.com, posteo.de, ...). A subdomain of a provider (mail.yahoo.co.jp) counts as
 * the provider.
 */
export function domainIdentifies(domain: string): boolean {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!d.includes('.')) return false;
  const labels = d.split('.');
  for (let i = 0; i < labels.length - 1; i++) if (PUBLIC_PROVIDERS.has(labels.slice(i).join('.'))) return false;
  return true;
}

const ADDRESS = /^[^\s@<>]+@([^\s@<>]+\.[^\s@<>]+)$/;

export interface ReporterRecord {
  name: string | null;
  email: string | null;
  organisation: string | null;
  handle: string | null;
}

/** What the reporter said about themselves and their product when they reported. */
export interface ReportedFacts {
  reporter: ReporterRecord;
  /** The product information the reporter gave (the form's product field). */
  product?: string | null;
  /** Fields the reporter marked sensitive on the form, with their names. */
  markedFields?: readonly { name: string; value: string }[];
  /** The display names and addresses the report's mail carried (From, Reply-To, Sender). */
  mailHeaders?: readonly { displayName: string | null; address: string }[];
  /** User IDs of keys the reporter offered or had confirmed ("Jane Doe <jane@acme.example>"). */
  keyUserIds?: readonly string[];
  /** The names the reporter asked to be credited by. */
  creditNames?: readonly string[];
  /** What the reporter and the team marked sensitive (values, and the text of marked passages). */
  marks?: readonly SensitiveValue[];
}

function addressValues(address: string, source: SensitiveSource): SensitiveValue[] {
  const a = address.trim().toLowerCase();
  const m = ADDRESS.exec(a);
  if (!m) return [];
  const out: SensitiveValue[] = [{ kind: 'contact', value: a, source }];
  if (domainIdentifies(m[1]!)) out.push({ kind: 'organisation', value: m[1]!, source });
  return out;
}

function userIdValues(userId: string): SensitiveValue[] {
  const m = /^\s*(.*?)\s*(?:<([^<>]+)>)?\s*$/.exec(userId)!;
  const name = m[1]?.replace(/\s*\(.*\)\s*$/, '').trim();
  return [
    ...(name ? [{ kind: 'identity' as const, value: name, source: 'key-user-id' as const }] : []),
    ...(m[2] ? addressValues(m[2], 'key-user-id') : []),
  ];
}

/**
 * The values the desk treats as sensitive without being told: the reporter's names, addresses and
 * their domain (unless a public mail provider's), the organisation and its product, the names the
 * mail and keys carried, the credit names; then everything the reporter marked. Each value once
 * (the first source wins), in that order.
 */
export function defaultSensitiveValues(f: ReportedFacts): SensitiveValue[] {
  const r = f.reporter;
  const all: SensitiveValue[] = [
    ...(r.name ? [{ kind: 'identity' as const, value: r.name, source: 'reporter-record' as const }] : []),
    ...(r.handle ? [{ kind: 'identity' as const, value: r.handle, source: 'reporter-record' as const }] : []),
    ...(r.email ? addressValues(r.email, 'reporter-record') : []),
    ...(r.organisation ? [{ kind: 'organisation' as const, value: r.organisation, source: 'reporter-record' as const }] : []),
    ...(f.product ? [{ kind: 'product' as const, value: f.product, source: 'report-form' as const }] : []),
    ...(f.mailHeaders ?? []).flatMap((h) => [
      ...(h.displayName ? [{ kind: 'identity' as const, value: h.displayName, source: 'mail-header' as const }] : []),
      ...addressValues(h.address, 'mail-header'),
    ]),
    ...(f.keyUserIds ?? []).flatMap(userIdValues),
    ...(f.creditNames ?? []).map((value) => ({ kind: 'identity' as const, value, source: 'credit' as const })),
    ...(f.markedFields ?? []).map((m) => ({
      kind: 'reporter-marked' as const,
      value: m.value,
      source: 'report-form' as const,
      name: m.name,
    })),
    ...(f.marks ?? []),
  ];
  return uniqueValues(all);
}

/** Each value once, by its text as compared (trimmed, case and inner spacing ignored); the first wins. */
export function uniqueValues(values: readonly SensitiveValue[]): SensitiveValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = v.value.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// --- Marks: what the reporter and the team name sensitive, beyond the defaults. ---

/** What a person marks a value as: who it names, their organisation, their product, or something else they name. */
export const MARKABLE_KINDS = ['identity', 'organisation', 'product', 'other'] as const;
export type MarkableKind = (typeof MARKABLE_KINDS)[number];

export type Marker = 'reporter' | 'team';

/** The kind a mark is stored with: "other" becomes the marker's own kind, whose label carries the mark's name. */
export function markKind(kind: MarkableKind, by: Marker): SensitiveKind {
  if (kind !== 'other') return kind;
  return by === 'reporter' ? 'reporter-marked' : 'team-marked';
}

/** A passage selected in one of the case's texts: the report body or a thread message. */
export interface Passage {
  of: string;
  start: number;
  end: number;
}

/**
 * The text a passage selects, without its surrounding space; null when the offsets do not fit the
 * text (out of range, reversed, or nothing but space selected).
 */
export function passageText(text: string, p: Pick<Passage, 'start' | 'end'>): string | null {
  if (!Number.isInteger(p.start) || !Number.isInteger(p.end) || p.start < 0 || p.end <= p.start || p.end > text.length) return null;
  const selected = text.slice(p.start, p.end).trim();
  return selected === '' ? null : selected;
}

/**
 * Who may take a mark back. The reporter's own marks are theirs alone (the process strips what the
 * reporter names; the team cannot overrule that); the team may take back its own marks and what the
 * desk read off the mail headers (a display name that is a mailing list's, say). The defaults from the
 * reporter record and the form stay: they are the process's own rule.
 */
export function mayRemoveMark(by: Marker, source: SensitiveSource): boolean {
  return by === 'reporter' ? source === 'reporter-mark' : source === 'team-mark' || source === 'mail-header';
}
