// The advisory as one Markdown document (CommonMark), for the public site, a repository or a GitHub
// Security Advisory. Plain-text fields (title, summary, names, product names, event texts) are
// escaped so that they render as written and can never become HTML or links; the Markdown sections
// (description, mitigation, upgrade instructions) are the team's own Markdown and are passed through
// (the site renders all Markdown with raw HTML disabled). Credits honour each party's preference.

import {
  advisorySeverity,
  creditLine,
  describeRange,
  productName,
  productVendor,
  revisionHistory,
  type Advisory,
} from '../domain/advisory.ts';
import { cweById } from '../domain/cwe.ts';
import { describeCvss } from '../domain/cvss.ts';
import { day, plain, type ExportOptions } from './common.ts';

/** Backslash-escapes CommonMark punctuation that could start inline markup; newlines become spaces. */
export function escapeMarkdown(text: string): string {
  return plain(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_{}[\]<>#!|~&]/g, (c) => `\\${c}`);
}

/** escapeMarkdown for text that starts a block: a leading "-", "+", "=" or "1." stays text too. */
export function escapeMarkdownBlock(text: string): string {
  return escapeMarkdown(text)
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A link whose URL has already been validated as http(s) without spaces or angle brackets. */
function link(text: string, url: string): string {
  return `[${escapeMarkdown(text)}](<${url}>)`;
}

function cell(text: string): string {
  return escapeMarkdown(text) || ' ';
}

export function toMarkdown(advisory: Advisory, _options: ExportOptions = {}): string {
  const a = advisory;
  const out: string[] = [];
  out.push(`# ${escapeMarkdown(`${a.id}: ${a.title}`)}`);
  if (a.withdrawn) out.push(`> **Withdrawn** on ${day(a.withdrawn)}: ${escapeMarkdown(a.withdrawnReason ?? '')}`);

  const rows: [string, string][] = [];
  const severity = advisorySeverity(a);
  if (severity) rows.push(['Severity', severity[0]!.toUpperCase() + severity.slice(1)]);
  for (const s of a.cvss) rows.push([`CVSS ${s.version}`, `${escapeMarkdown(describeCvss(s))}<br>\`${s.vector}\``]);
  if (a.cveIds.length) rows.push(['CVE', a.cveIds.map((id) => link(id, `https://www.cve.org/CVERecord?id=${id}`)).join(', ')]);
  if (a.cweIds.length) {
    rows.push([
      'CWE',
      a.cweIds
        .map((id) => `${link(id, `https://cwe.mitre.org/data/definitions/${id.slice(4)}.html`)} ${escapeMarkdown(cweById(id)?.name ?? '')}`)
        .join('<br>'),
    ]);
  }
  if (a.published) rows.push(['Published', day(a.published)]);
  if (a.modified && a.published && a.modified !== a.published) rows.push(['Updated', day(a.modified)]);
  if (a.url) rows.push(['Advisory', link(a.url, a.url)]);
  if (rows.length) out.push(['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));

  if (a.summary) out.push(`## Summary\n\n${escapeMarkdownBlock(a.summary)}`);
  if (a.affected.length) {
    const lines = ['| Product | Affected versions | Fixed in | Components |', '| --- | --- | --- | --- |'];
    for (const p of a.affected) {
      const name = `${productVendor(p, a.publisher)} ${productName(p)}${p.package ? ` (${p.package.ecosystem}: ${p.package.name})` : ''}`;
      const ranges = p.ranges.length ? p.ranges : [undefined];
      for (const r of ranges) {
        const fixed = !r
          ? ''
          : r.type === 'git'
            ? `\`${r.fixed}\``
            : r.fixed
              ? escapeMarkdown(r.fixed)
              : r.lastAffected
                ? `after ${escapeMarkdown(r.lastAffected)}`
                : 'not yet fixed';
        const affected = !r ? 'not yet known' : r.type === 'git' ? `commits from \`${r.introduced}\`` : escapeMarkdown(describeRange(r));
        lines.push(`| ${cell(name)} | ${affected} | ${fixed || ' '} | ${cell(p.components.join(', '))} |`);
      }
    }
    out.push(`## Affected products\n\n${lines.join('\n')}`);
  }
  if (a.description) out.push(`## Description\n\n${plain(a.description)}`);
  if (a.mitigation) out.push(`## Mitigation\n\n${plain(a.mitigation)}`);
  if (a.upgrade) out.push(`## Upgrade instructions\n\n${plain(a.upgrade)}`);
  if (a.credits.length) out.push(`## Credits\n\n${a.credits.map((c) => `- ${escapeMarkdown(creditLine(c))}`).join('\n')}`);
  if (a.timeline.length) {
    const entries = [...a.timeline].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    out.push(`## Timeline\n\n${entries.map((t) => `- ${day(t.at)}: ${escapeMarkdown(t.event)}`).join('\n')}`);
  }
  const refs = a.references.filter((r) => r.url !== a.url);
  if (refs.length) out.push(`## References\n\n${refs.map((r) => `- ${link(r.name ?? r.url, r.url)} (${r.type})`).join('\n')}`);
  const history = revisionHistory(a);
  if (history.length > 1)
    out.push(`## Revisions\n\n${history.map((h) => `${h.number}. ${day(h.date)}: ${escapeMarkdown(h.summary)}`).join('\n')}`);
  out.push(`---\n\n${escapeMarkdown(a.publisher.name)}${a.publisher.contact ? ` · ${escapeMarkdown(a.publisher.contact)}` : ''}`);
  return `${out.join('\n\n')}\n`;
}
