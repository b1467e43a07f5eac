import { versionScheme } from '../domain/versions/index.ts';
import {
  advisorySeverity,
  creditTypeWords,
  describeRange,
  productName,
  productVendor,
  publicCredit,
  revisionHistory,
  type AffectedProduct,
  type Advisory,
  type Credit,
  type VersionRange,
} from '../domain/advisory.ts';
import { cweById } from '../domain/cwe.ts';
import type { Severity } from '../domain/severity.ts';
import { html, safeHref, type Html } from '../web/html.ts';
import { renderMarkdown } from '../web/markdown.ts';
import { publishedAt, updatedAt, type PublicAdvisory } from '../app/advisories/published.ts';
import type { AdvisoryRecord } from './records.ts';

// The public site's HTML: the index and one page per advisory. Server-rendered with the escaping
// html`` template, no JavaScript, Markdown through the safe renderer. Links are relative ("./",
// "../") so the same bytes work under /advisories/ and wherever a static export is hosted; an
// advisory id in a link is percent-encoded and starts with "./", so an id with ":" is never read
// as a URL scheme.

export interface SiteInfo {
  /** The desk's name ("Tock Security Team"), or null before set-up. */
  owner: string | null;
}

const seg = (s: string) => encodeURIComponent(s);
export const siteTitle = (site: SiteInfo): string => (site.owner ? `Security advisories of ${site.owner}` : 'Security advisories');

const SEVERITY_WORDS: Record<Severity, string> = { none: 'None', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

function day(iso: string): Html {
  return html`<time datetime="${iso}">${iso.slice(0, 10)}</time>`;
}

function instant(iso: string): Html {
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/Z$/, ' UTC')}</time>`;
}

function severityBadge(severity: Severity | undefined): Html {
  if (!severity) return html`<span class="muted">not scored</span>`;
  return html`<span class="badge severity-${severity}">${SEVERITY_WORDS[severity]}</span>`;
}

const withdrawnBadge = html`<span class="badge withdrawn">Withdrawn</span>`;

/**
 * The pages' CSP in the page itself: the static export is served by whatever host the team puts it
 * on, which sends no CSP header, so the page carries its own (the desk also sends it as a header, with
 * frame-ancestors, which a meta element cannot carry). Nothing but the site's stylesheet loads.
 */
export const PAGE_META_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'";

function layout(o: { title: string; site: SiteInfo; root: string; body: Html }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="content-security-policy" content="${PAGE_META_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title}</title>
<link rel="stylesheet" href="${o.root}style.css">
<link rel="alternate" type="application/atom+xml" title="${siteTitle(o.site)}" href="${o.root}feed.atom">
<link rel="alternate" type="application/json" title="${siteTitle(o.site)} (JSON)" href="${o.root}index.json">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="site">
  <a class="brand" href="${o.root}">${siteTitle(o.site)}</a>
  <a href="${o.root}feed.atom">Atom feed</a>
  <a href="${o.root}index.json">JSON index</a>
</header>
<main id="main">
${o.body}
</main>
<footer class="site"><p>Published with Embargo.</p></footer>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// The index
// ---------------------------------------------------------------------------------------------

export function indexPage(site: SiteInfo, advisories: readonly PublicAdvisory[]): Html {
  const rows = advisories.map((p) => {
    const a = p.advisory;
    return html`<tr class="${a.withdrawn ? 'is-withdrawn' : ''}">
  <th scope="row"><a href="./${seg(a.id)}/">${a.id}</a></th>
  <td>${a.withdrawn ? html`${withdrawnBadge} ` : ''}${a.title}</td>
  <td>${severityBadge(advisorySeverity(a))}</td>
  <td>${a.cveIds.length ? a.cveIds.map((c, i) => html`${i ? html`<br>` : ''}<code>${c}</code>`) : html`<span class="muted">none</span>`}</td>
  <td>${day(publishedAt(p))}</td>
</tr>`;
  });
  const body = html`<h1>${siteTitle(site)}</h1>
${
  advisories.length === 0
    ? html`<p>No advisories have been published yet.</p>`
    : html`<table class="advisories">
<caption class="muted">Newest first. Withdrawn advisories stay listed with their withdrawal notice.</caption>
<thead><tr><th scope="col">Advisory</th><th scope="col">Title</th><th scope="col">Severity</th><th scope="col">CVE</th><th scope="col">Published</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}
<p>Machine-readable: the <a href="./feed.atom">Atom feed</a> and the <a href="./index.json">JSON index</a>; each advisory links its CVE, OSV and CSAF records.</p>`;
  return layout({ title: siteTitle(site), site, root: './', body });
}

// ---------------------------------------------------------------------------------------------
// One advisory
// ---------------------------------------------------------------------------------------------

function link(url: string, text: string | Html): Html {
  const href = safeHref(url);
  return href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${text}</a>` : html`<span>${text}</span>`;
}

function markdownSection(id: string, title: string, source: string | undefined): Html | '' {
  if (!source) return '';
  return html`<section id="${id}"><h2>${title}</h2><div class="markdown">${renderMarkdown(source)}</div></section>`;
}

function rangeItem(r: VersionRange, p: AffectedProduct): Html {
  if (r.type === 'git') {
    return html`<li>Commits from <code>${r.introduced}</code> up to, not including, <code>${r.fixed}</code></li>`;
  }
  return html`<li>${describeRange(r)} <span class="muted">(${versionScheme(p.package?.ecosystem).plural})</span></li>`;
}

function productBlock(p: AffectedProduct, a: Advisory): Html {
  return html`<section class="product">
<h3>${productName(p)}</h3>
<dl class="facts">
  <dt>Vendor</dt><dd>${productVendor(p, a.publisher)}</dd>
  ${p.package ? html`<dt>Package</dt><dd>${p.package.ecosystem}: <code>${p.package.name}</code>${p.package.purl ? html` <span class="muted">(<code>${p.package.purl}</code>)</span>` : ''}</dd>` : ''}
  <dt>Project</dt><dd>${p.project}</dd>
  ${p.repo ? html`<dt>Repository</dt><dd>${link(p.repo, p.repo)}</dd>` : ''}
  <dt>Affected</dt><dd>${p.ranges.length ? html`<ul class="plain">${p.ranges.map((r) => rangeItem(r, p))}</ul>` : html`<span class="muted">no range given</span>`}</dd>
  ${p.components.length ? html`<dt>Components</dt><dd>${p.components.map((c, i) => html`${i ? ', ' : ''}<code>${c}</code>`)}</dd>` : ''}
</dl>
</section>`;
}

/** A credit as the credited party wants it: through publicCredit only, so an anonymous one names nobody. */
function creditItem(credit: Credit): Html {
  const c = publicCredit(credit);
  if (c.anonymous) return html`<li>An anonymous ${creditTypeWords(c.type)}</li>`;
  return html`<li>${c.name}${c.organization ? html` (${c.organization})` : ''}, ${creditTypeWords(c.type)}${
    c.contact.length ? html` — ${c.contact.map((u, i) => html`${i ? ', ' : ''}${link(u, u)}`)}` : ''
  }</li>`;
}

function cweItem(id: string): Html {
  const entry = cweById(id);
  const number = id.replace(/^CWE-/, '');
  return html`<li>${link(`https://cwe.mitre.org/data/definitions/${number}.html`, id)}${entry ? html`: ${entry.name}` : ''}</li>`;
}

export function advisoryPage(site: SiteInfo, p: PublicAdvisory, records: readonly AdvisoryRecord[]): Html {
  const a = p.advisory;
  const severity = advisorySeverity(a);
  const revisions = revisionHistory(a.published ? a : { ...a, published: p.publishAt });
  const body = html`<p class="advisory-id">${a.id}${a.withdrawn ? html` ${withdrawnBadge}` : ''}</p>
<h1>${a.title}</h1>
${
  a.withdrawn
    ? html`<div class="notice withdrawn" id="withdrawal" role="note">
  <p><strong>This advisory was withdrawn on ${day(a.withdrawn)}.</strong></p>
  <p>${a.withdrawnReason ?? ''}</p>
  <p>It stays here so that links to it keep working; the records below say the same (OSV "withdrawn", CVE "REJECTED", CSAF withdrawal).</p>
</div>`
    : ''
}
${a.summary ? html`<p class="summary">${a.summary}</p>` : ''}
<dl class="facts">
  <dt>Published</dt><dd>${instant(publishedAt(p))}</dd>
  <dt>Last updated</dt><dd>${instant(updatedAt(p))}</dd>
  <dt>Severity</dt><dd>${severityBadge(severity)}</dd>
  <dt>CVE</dt><dd>${a.cveIds.length ? a.cveIds.map((c, i) => html`${i ? ', ' : ''}${link(`https://www.cve.org/CVERecord?id=${c}`, c)}`) : html`<span class="muted">none</span>`}</dd>
  <dt>Publisher</dt><dd>${a.publisher.name}${a.publisher.contact ? html` <span class="muted">(${a.publisher.contact})</span>` : ''}</dd>
</dl>
${markdownSection('description', 'Description', a.description)}
<section id="affected"><h2>Affected products</h2>
${a.affected.length ? a.affected.map((product) => productBlock(product, a)) : html`<p class="muted">No affected product is listed.</p>`}
</section>
${markdownSection('mitigation', 'Mitigation', a.mitigation)}
${markdownSection('upgrade', 'Upgrade', a.upgrade)}
${
  a.cvss.length || a.cweIds.length
    ? html`<section id="scores"><h2>Severity and weakness</h2>
${
  a.cvss.length
    ? html`<table class="cvss">
<thead><tr><th scope="col">CVSS</th><th scope="col">Vector</th><th scope="col">Score</th><th scope="col">Severity</th></tr></thead>
<tbody>${a.cvss.map((s) => html`<tr><th scope="row">${s.version}</th><td><code>${s.vector}</code></td><td>${s.score.toFixed(1)} <span class="muted">(${s.nomenclature}; base ${s.baseScore.toFixed(1)})</span></td><td>${severityBadge(s.severity)}</td></tr>`)}</tbody>
</table>`
    : ''
}
${a.cweIds.length ? html`<ul class="plain">${a.cweIds.map(cweItem)}</ul>` : ''}
</section>`
    : ''
}
${
  a.references.length || a.url
    ? html`<section id="references"><h2>References</h2><ul class="plain">
${a.url ? html`<li>${link(a.url, a.url)} <span class="muted">(advisory)</span></li>` : ''}
${a.references.map((r) => html`<li>${link(r.url, r.name ?? r.url)} <span class="muted">(${r.type})</span></li>`)}
</ul></section>`
    : ''
}
${a.credits.length ? html`<section id="credits"><h2>Credits</h2><ul class="plain">${a.credits.map(creditItem)}</ul></section>` : ''}
${a.timeline.length ? html`<section id="timeline"><h2>Timeline</h2><ul class="plain">${a.timeline.map((t) => html`<li>${instant(t.at)}: ${t.event}</li>`)}</ul></section>` : ''}
<section id="revisions"><h2>Revision history</h2>
<table><thead><tr><th scope="col">Revision</th><th scope="col">Date</th><th scope="col">Change</th></tr></thead>
<tbody>${revisions.map((r) => html`<tr><td>${r.number}</td><td>${instant(r.date)}</td><td>${r.summary}</td></tr>`)}</tbody></table>
</section>
<section id="records"><h2>Machine-readable records</h2>
<ul class="records">${records.map(
    (r) =>
      html`<li><a href="${r.path
        .slice(a.id.length + 1)
        .split('/')
        .map(seg)
        .join('/')}">${r.label}</a> <span class="muted">(${r.mediaType.split(';')[0]!})</span></li>`,
  )}</ul>
</section>
<p><a href="../">All advisories</a></p>`;
  return layout({ title: `${a.id}: ${a.title}`, site, root: '../', body });
}
