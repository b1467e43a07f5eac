// Stakeholder groups: organisations told before the public, in tiers. Trusted Firmware's process has
// two: ESS (enhanced security stakeholders, the primary embargo) and trusted stakeholders (the
// secondary embargo). A group's kind is one of these; teams.kind holds it (with 'central' and 'project').

export const STAKEHOLDER_KINDS = ['ess', 'trusted'] as const;
export type StakeholderKind = (typeof STAKEHOLDER_KINDS)[number];

export const STAKEHOLDER_KIND_LABELS: Readonly<Record<StakeholderKind, string>> = {
  ess: 'Enhanced security stakeholders (ESS)',
  trusted: 'Trusted stakeholders',
};

/** SQL: the kinds as a literal list, for queries over teams.kind (code-given constants only). */
export const STAKEHOLDER_KINDS_SQL = `(${STAKEHOLDER_KINDS.map((k) => `'${k}'`).join(', ')})`;
