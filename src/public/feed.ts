import { advisorySeverity } from '../domain/advisory.ts';
import { renderMarkdown } from '../web/markdown.ts';
import { absolute } from './paths.ts';
import { siteTitle, type SiteInfo } from './pages.ts';
import { publishedAt, updatedAt, type PublicAdvisory } from '../app/advisories/published.ts';
import type { AdvisoryRecord } from './records.ts';

// The Atom 1.0 feed (RFC 4287) and the JSON index of the public advisories. Both are functions of
// the public advisories alone (no generation time), so the served and the exported bytes agree and
// an unchanged site gives an unchanged feed. An empty feed is dated at the epoch: "never updated".

/** Characters XML 1.0 does not allow at all (C0 controls but tab/LF/CR, U+FFFE/FFFF, lone surrogates). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for XML element content and double-quoted attributes, dropping characters XML cannot carry. */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const EPOCH = '1970-01-01T00:00:00Z';

/**
 * The feed is about changes: its entries are the most recently changed advisories (a withdrawal or
 * an update brings an old one back to the top, which is what a feed reader must notice), at most
 * this many; the JSON index and the index page list them all.
 */
export const FEED_ENTRIES = 100;

const byUpdatedDesc = (x: PublicAdvisory, y: PublicAdvisory) => {
  const [a, b] = [updatedAt(x), updatedAt(y)];
  return a < b ? 1 : a > b ? -1 : x.advisory.id < y.advisory.id ? -1 : x.advisory.id > y.advisory.id ? 1 : 0;
};

export function atomFeed(siteUrl: string, site: SiteInfo, advisories: readonly PublicAdvisory[]): string {
  const latest = [...advisories].sort(byUpdatedDesc).slice(0, FEED_ENTRIES);
  const updated = latest[0] ? updatedAt(latest[0]) : EPOCH;
  const entries = latest.map((p) => {
    const a = p.advisory;
    const page = `${absolute(siteUrl, a.id)}/`;
    const severity = advisorySeverity(a);
    const content = [
      a.withdrawn ? `<p><strong>Withdrawn on ${xmlText(a.withdrawn.slice(0, 10))}:</strong> ${xmlText(a.withdrawnReason ?? '')}</p>` : '',
      a.summary ? `<p>${xmlText(a.summary)}</p>` : '',
      a.description ? renderMarkdown(a.description).value : '',
    ].join('');
    return `  <entry>
    <id>${xmlText(page)}</id>
    <title type="text">${xmlText(`${a.withdrawn ? '[Withdrawn] ' : ''}${a.id}: ${a.title}`)}</title>
    <link rel="alternate" type="text/html" href="${xmlText(page)}"/>
    <published>${xmlText(publishedAt(p))}</published>
    <updated>${xmlText(updatedAt(p))}</updated>
    <author><name>${xmlText(a.publisher.name)}</name><uri>${xmlText(a.publisher.namespace)}</uri></author>
${severity ? `    <category term="${severity}" label="Severity: ${severity}"/>\n` : ''}${a.cveIds.map((c) => `    <category term="${xmlText(c)}" scheme="https://www.cve.org/"/>\n`).join('')}    <summary type="text">${xmlText(a.summary || a.title)}</summary>
    <content type="html">${xmlText(content)}</content>
  </entry>
`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xmlText(`${siteUrl}feed.atom`)}</id>
  <title type="text">${xmlText(siteTitle(site))}</title>
  <updated>${updated}</updated>
  <link rel="self" type="application/atom+xml" href="${xmlText(`${siteUrl}feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${xmlText(siteUrl)}"/>
  <author><name>${xmlText(site.owner ?? 'Security team')}</name></author>
  <generator>Embargo</generator>
${entries.join('')}</feed>
`;
}

/** The JSON index: one entry per public advisory with its page and records as absolute URLs. */
export function jsonIndex(
  siteUrl: string,
  site: SiteInfo,
  advisories: readonly { pub: PublicAdvisory; records: readonly AdvisoryRecord[] }[],
): string {
  const index = {
    title: siteTitle(site),
    url: siteUrl,
    feed: `${siteUrl}feed.atom`,
    advisories: advisories.map(({ pub, records }) => {
      const a = pub.advisory;
      return {
        id: a.id,
        title: a.title,
        summary: a.summary,
        url: `${absolute(siteUrl, a.id)}/`,
        published: publishedAt(pub),
        updated: updatedAt(pub),
        withdrawn: a.withdrawn ?? null,
        withdrawnReason: a.withdrawnReason ?? null,
        severity: advisorySeverity(a) ?? null,
        cvss: a.cvss.map((s) => ({ version: s.version, vector: s.vector, score: s.score, severity: s.severity })),
        cveIds: a.cveIds,
        cweIds: a.cweIds,
        records: records.map((r) => ({ format: r.format, label: r.label, mediaType: r.mediaType, url: absolute(siteUrl, r.path) })),
      };
    }),
  };
  return `${JSON.stringify(index, null, 2)}\n`;
}
