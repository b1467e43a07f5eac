import { diffLines } from 'diff';
import { creditLine, describeRange, type Advisory } from '../../domain/advisory.ts';
import { cweById } from '../../domain/cwe.ts';

// What changed between two versions of an advisory, section by section, as people read it: each
// section is written out as lines of text (a product and its ranges, a credit as it will be
// published, a reference with its type) and compared line by line with the `diff` package.

export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export interface SectionDiff {
  section: string;
  label: string;
  parts: DiffPart[];
}

const lines = (items: readonly string[]) => items.map((s) => `${s}\n`).join('');

/** The sections in the order the editor shows them, each as plain text. */
export function advisorySections(a: Advisory): { section: string; label: string; text: string }[] {
  return [
    { section: 'title', label: 'Title', text: lines([a.title]) },
    { section: 'summary', label: 'Summary', text: a.summary ? `${a.summary}\n` : '' },
    { section: 'description', label: 'Description', text: a.description ? `${a.description}\n` : '' },
    {
      section: 'affected',
      label: 'Affected products',
      text: lines(
        a.affected.flatMap((p) => [
          `${p.project}: ${p.package ? `${p.package.ecosystem} package ${p.package.name}${p.package.purl ? ` (${p.package.purl})` : ''}` : ''}${p.package && p.product ? '; ' : ''}${p.product ? `${p.vendor} ${p.product}` : ''}${p.repo ? ` — ${p.repo}` : ''}`,
          ...p.ranges.map(
            (r) => `  affected: ${r.type === 'git' ? `${describeRange(r)} (${r.introduced}..${r.fixed})` : describeRange(r)}`,
          ),
          ...(p.components.length ? [`  components: ${p.components.join(', ')}`] : []),
        ]),
      ),
    },
    { section: 'cveIds', label: 'CVE identifiers', text: lines(a.cveIds) },
    { section: 'cweIds', label: 'Weaknesses (CWE)', text: lines(a.cweIds.map((id) => `${id} ${cweById(id)?.name ?? ''}`.trim())) },
    { section: 'cvss', label: 'CVSS', text: lines(a.cvss.map((s) => `${s.vector} (${s.score} ${s.severity})`)) },
    { section: 'mitigation', label: 'Mitigation', text: a.mitigation ? `${a.mitigation}\n` : '' },
    { section: 'upgrade', label: 'Upgrade instructions', text: a.upgrade ? `${a.upgrade}\n` : '' },
    {
      section: 'references',
      label: 'References',
      text: lines(a.references.map((r) => `${r.type}: ${r.url}${r.name ? ` (${r.name})` : ''}`)),
    },
    {
      section: 'credits',
      label: 'Credits',
      text: lines(a.credits.map((c) => `${creditLine(c)} [${c.preference}]${c.contact.length ? ` — ${c.contact.join(', ')}` : ''}`)),
    },
    { section: 'timeline', label: 'Timeline', text: lines(a.timeline.map((t) => `${t.at} ${t.event}`)) },
    { section: 'url', label: 'Advisory URL', text: a.url ? `${a.url}\n` : '' },
    {
      section: 'publisher',
      label: 'Publisher',
      text: lines([
        `${a.publisher.name} (${a.publisher.category}) ${a.publisher.namespace}`,
        ...(a.publisher.contact ? [`contact: ${a.publisher.contact}`] : []),
        ...(a.publisher.cve ? [`CNA: ${a.publisher.cve.shortName} ${a.publisher.cve.orgId}`] : []),
        `OSV id prefix: ${a.publisher.osvIdPrefix || '(none)'}`,
      ]),
    },
    {
      section: 'publication',
      label: 'Publication',
      text: lines([
        ...(a.published ? [`published ${a.published}`] : []),
        ...(a.modified ? [`modified ${a.modified}`] : []),
        ...(a.withdrawn ? [`withdrawn ${a.withdrawn}: ${a.withdrawnReason ?? ''}`] : []),
      ]),
    },
  ];
}

/** The sections that differ, with their lines marked added, removed or the same. */
export function advisoryDiff(from: Advisory, to: Advisory): SectionDiff[] {
  const before = advisorySections(from);
  const after = advisorySections(to);
  const out: SectionDiff[] = [];
  after.forEach((s, i) => {
    const old = before[i]!.text;
    if (old === s.text) return;
    const parts = diffLines(old, s.text).map(
      (c): DiffPart => ({ kind: c.added ? 'added' : c.removed ? 'removed' : 'same', text: c.value }),
    );
    out.push({ section: s.section, label: s.label, parts });
  });
  return out;
}
