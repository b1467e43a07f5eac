// The mail addresses of one desk's copy of a profile. A shipped profile writes its aliases with
// "{domain}" where the team's mail domain goes (security@{domain}, {project}-security@{domain}), so
// that no desk starts out on the lists of the team whose process it copied. Setup fills the domain
// in, and replaces any alias the team keeps elsewhere, as text edits of the YAML: comments, order and
// quoting of everything else stay as they were.

import { isScalar, parseDocument, stringify } from 'yaml';
import { PROFILE_ADDRESS, type ProcessProfile } from './schema.ts';

export const DOMAIN_PLACEHOLDER = '{domain}';

/** A mail domain as a team types it: host names joined by dots, lower case (lists.example.org). */
export const MAIL_DOMAIN = /^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export interface DeskAddressChoice {
  /** The team's mail domain, for every address that says "{domain}". */
  domain?: string | undefined;
  /** Addresses by alias id, replacing the profile's ("{project}" and "{domain}" allowed). */
  aliases?: Readonly<Record<string, string>> | undefined;
  /** Leave what still says "{domain}" as it is instead of refusing (the caller checks what remains). */
  leavePlaceholders?: boolean;
}

export interface AddressProblem {
  /** Where in the setup input: "mail.domain" or "mail.aliases.<id>". */
  path: string;
  message: string;
}

export interface DeskAlias {
  id: string;
  address: string;
  inbound: boolean;
  description: string | null;
}

/** The profile's aliases as the desk will use them (after setup: the team's own addresses). */
export function aliasesOf(profile: ProcessProfile): DeskAlias[] {
  return Object.entries(profile.intake.aliases).map(([id, a]) => ({
    id,
    address: a.address,
    inbound: a.inbound,
    description: a.description ?? null,
  }));
}

/** Where the profile still says "{domain}": a desk cannot run on such a copy. */
export function domainPlaceholders(profile: ProcessProfile): string[] {
  const out: string[] = [];
  for (const [id, a] of Object.entries(profile.intake.aliases)) {
    if (a.address.includes(DOMAIN_PLACEHOLDER)) out.push(`intake.aliases.${id}.address`);
  }
  profile.copyRules.forEach((rule, i) => {
    rule.cc.forEach((cc, j) => {
      if (cc.includes(DOMAIN_PLACEHOLDER)) out.push(`copyRules[${i}].cc[${j}]`);
    });
  });
  return out;
}

/**
 * The profile text with the team's addresses: each alias named in `choice.aliases` replaced, then
 * "{domain}" filled in everywhere (aliases and literal copy addresses). Problems name the setup
 * field; with any problem the text is not returned.
 */
export function withDeskAddresses(
  text: string,
  profile: ProcessProfile,
  choice: DeskAddressChoice,
): { text: string; problems: [] } | { text: null; problems: AddressProblem[] } {
  const problems: AddressProblem[] = [];
  const domain = choice.domain?.trim().toLowerCase() || undefined;
  if (domain !== undefined && !MAIL_DOMAIN.test(domain)) {
    problems.push({ path: 'mail.domain', message: 'must be a mail domain like lists.example.org' });
  }
  const ids = Object.keys(profile.intake.aliases);
  const replaced = new Map<string, string>();
  for (const [id, raw] of Object.entries(choice.aliases ?? {})) {
    const address = raw.trim().toLowerCase();
    if (!Object.hasOwn(profile.intake.aliases, id)) {
      problems.push({ path: `mail.aliases.${id}`, message: `the profile has no alias "${id}" (it has ${ids.join(', ')})` });
    } else if (!PROFILE_ADDRESS.test(address)) {
      problems.push({
        path: `mail.aliases.${id}`,
        message: 'must be an e-mail address ("{project}" stands for the project\'s slug, "{domain}" for the mail domain)',
      });
    } else if (profile.intake.aliases[id]!.address.includes('{project}') !== address.includes('{project}')) {
      problems.push({
        path: `mail.aliases.${id}`,
        message: profile.intake.aliases[id]!.address.includes('{project}')
          ? 'is one address per project: write "{project}" where the project\'s slug goes, like {project}-security@lists.example.org'
          : 'is one address, not one per project: leave "{project}" out',
      });
    } else replaced.set(id, address);
  }
  const fill = (address: string) => (domain ? address.replaceAll(DOMAIN_PLACEHOLDER, domain) : address);
  const edits: { path: (string | number)[]; value: string }[] = [];
  for (const [id, a] of Object.entries(profile.intake.aliases)) {
    const value = fill(replaced.get(id) ?? a.address);
    if (value !== a.address) edits.push({ path: ['intake', 'aliases', id, 'address'], value });
    if (value.includes(DOMAIN_PLACEHOLDER) && !choice.leavePlaceholders) {
      problems.push({
        path: 'mail.domain',
        message: `is needed: the alias "${id}" is ${value}; give the team's mail domain (like lists.example.org)`,
      });
    }
  }
  profile.copyRules.forEach((rule, i) => {
    rule.cc.forEach((cc, j) => {
      if (!cc.includes('@')) return;
      const value = fill(cc);
      if (value !== cc) edits.push({ path: ['copyRules', i, 'cc', j], value });
      if (value.includes(DOMAIN_PLACEHOLDER) && !choice.leavePlaceholders) {
        problems.push({ path: 'mail.domain', message: `is needed: a copy rule sends to ${value}; give the team's mail domain` });
      }
    });
  });
  if (problems.length) return { text: null, problems: dedupe(problems) };
  return { text: editScalars(text, edits), problems: [] };
}

function dedupe(problems: AddressProblem[]): AddressProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Replaces the source text of each scalar at a path, leaving every other byte of the text as it was. */
function editScalars(text: string, edits: readonly { path: (string | number)[]; value: string }[]): string {
  if (edits.length === 0) return text;
  const doc = parseDocument(text);
  const spans = edits.map((e) => {
    const node = doc.getIn(e.path, true);
    if (!isScalar(node) || !node.range) throw new Error(`profile text has no scalar at ${e.path.join('.')}`);
    return { start: node.range[0], end: node.range[1], text: stringify(e.value, { lineWidth: 0 }).trimEnd() };
  });
  let out = text;
  for (const s of spans.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}
