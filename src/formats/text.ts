// The plain-text announcement for mailing lists (UTF-8, lines of at most 72 columns where the
// text allows): heading facts, summary, affected products with their fixed versions, description,
// mitigation, upgrade instructions, credits as each party chose, timeline and references. The
// Markdown sections keep their Markdown (it reads as plain text), with paragraphs re-wrapped. A withdrawn
// advisory opens with the withdrawal and its reason.

import { advisorySeverity, creditLine, describeRange, productLabel, revisionHistory, type Advisory } from '../domain/advisory.ts';
import { cweById } from '../domain/cwe.ts';
import { describeCvss } from '../domain/cvss.ts';
import { day, plain, wrap, wrapMarkdown, type ExportOptions } from './common.ts';

function section(title: string, body: string): string {
  return `${title}\n${'-'.repeat(title.length)}\n\n${body.trimEnd()}\n`;
}

export function toText(advisory: Advisory, _options: ExportOptions = {}): string {
  const a = advisory;
  const out: string[] = [];
  const heading = wrap(`${a.id}: ${a.title}`);
  out.push(`${heading}\n${'='.repeat(Math.max(...heading.split('\n').map((l) => l.length)))}\n`);
  if (a.withdrawn) {
    out.push(`${wrap(`WITHDRAWN on ${day(a.withdrawn)}: ${a.withdrawnReason ?? ''}`.trim())}\n`);
  }

  const facts: [string, string][] = [];
  const severity = advisorySeverity(a);
  if (severity) facts.push(['Severity', severity[0]!.toUpperCase() + severity.slice(1)]);
  for (const s of a.cvss) facts.push([`CVSS ${s.version}`, `${describeCvss(s)}\n${s.vector}`]);
  if (a.cveIds.length) facts.push(['CVE', a.cveIds.join(', ')]);
  for (const id of a.cweIds) facts.push(['CWE', `${id}: ${cweById(id)?.name ?? ''}`]);
  if (a.published) facts.push(['Published', day(a.published)]);
  const history = revisionHistory(a);
  if (a.modified && a.published && a.modified !== a.published) facts.push(['Updated', day(a.modified)]);
  if (a.url) facts.push(['Advisory', a.url]);
  const label = Math.max(...facts.map(([k]) => k.length), 0) + 2;
  out.push(
    `${facts
      .map(([k, v]) => {
        const [first, ...rest] = v.split('\n');
        return [`${(`${k}:`).padEnd(label)}${first}`, ...rest.map((r) => ' '.repeat(label) + r)].join('\n');
      })
      .join('\n')}\n`,
  );

  if (a.summary) out.push(section('Summary', wrap(a.summary)));

  if (a.affected.length) {
    const lines: string[] = [];
    for (const p of a.affected) {
      const pkg = p.package ? ` (${p.package.ecosystem} package ${p.package.name})` : '';
      lines.push(`${productLabel(p, a.publisher)}${pkg}`);
      for (const r of p.ranges) {
        lines.push(`  Affected: ${describeRange(r)}`);
        if (r.type === 'git') lines.push(`    introduced in commit ${r.introduced}`, `    fixed in commit ${r.fixed}`);
        else if (r.fixed) lines.push(`  Fixed in: ${r.fixed}`);
      }
      if (p.ranges.length === 0) lines.push('  Affected versions: not yet known');
      if (p.components.length) lines.push(`  Components: ${p.components.join(', ')}`);
      if (p.repo) lines.push(`  Repository: ${p.repo}`);
      lines.push('');
    }
    out.push(section('Affected products', lines.join('\n')));
  }

  if (a.description) out.push(section('Description', wrapMarkdown(a.description)));
  if (a.mitigation) out.push(section('Mitigation', wrapMarkdown(a.mitigation)));
  if (a.upgrade) out.push(section('Upgrade instructions', wrapMarkdown(a.upgrade)));
  if (a.credits.length) out.push(section('Credits', a.credits.map((c) => wrap(creditLine(c), 72, '  ')).join('\n')));
  if (a.timeline.length) {
    const entries = [...a.timeline].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    out.push(section('Timeline', entries.map((t) => `  ${day(t.at)}  ${t.event}`).join('\n')));
  }
  const refs = [
    ...(a.url ? [{ url: a.url, label: 'advisory' }] : []),
    ...a.references.filter((r) => r.url !== a.url).map((r) => ({ url: r.url, label: r.name ?? r.type })),
  ];
  if (refs.length) out.push(section('References', refs.map((r) => `  ${r.url}\n    (${r.label})`).join('\n')));
  if (history.length > 1) out.push(section('Revisions', history.map((h) => `  ${h.number}. ${day(h.date)}  ${h.summary}`).join('\n')));

  out.push(`-- \n${a.publisher.name}${a.publisher.contact ? ` <${a.publisher.contact}>` : ''}\n${a.publisher.namespace}\n`);
  return plain(out.join('\n'));
}
