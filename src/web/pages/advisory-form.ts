import {
  CREDIT_PREFERENCES,
  CREDIT_TYPES,
  OSV_ECOSYSTEMS,
  PUBLISHER_CATEGORIES,
  REFERENCE_TYPES,
  type Advisory,
} from '../../domain/advisory.ts';
import { CWE_CATALOGUE, normalizeCweId } from '../../domain/cwe.ts';
import { html, type Html } from '../html.ts';
import { field, formOf, hiddenCsrf, type FormBody, type Viewer } from '../common.ts';

// The advisory editor without JavaScript: every repeated part (affected products and their version
// ranges, references, credits, timeline entries) is a list of fieldsets with a couple of empty rows
// at the end and an "add a row" submit that redraws the form with one more; empty rows are ignored.
// The form is read into an EditorModel (strings, exactly as typed, so nothing typed is lost when
// the document is refused) and the model into the JSON the use case validates. Errors come back
// with document paths ("affected[0].ranges[1].fixed"), which map to the fields of the rows typed.

export interface RangeRow {
  type: string;
  introduced: string;
  fixed: string;
  lastAffected: string;
}
export interface ProductRow {
  project: string;
  ecosystem: string;
  package: string;
  purl: string;
  vendor: string;
  product: string;
  repo: string;
  components: string;
  ranges: RangeRow[];
}
export interface ReferenceRow {
  url: string;
  type: string;
  name: string;
}
export interface CreditRow {
  type: string;
  preference: string;
  name: string;
  alias: string;
  organization: string;
  contact: string;
}
export interface TimelineRow {
  at: string;
  event: string;
}
export interface PublisherFields {
  name: string;
  namespace: string;
  contact: string;
  category: string;
  cveOrgId: string;
  cveShortName: string;
  osvIdPrefix: string;
}

export interface EditorModel {
  title: string;
  summary: string;
  description: string;
  mitigation: string;
  upgrade: string;
  url: string;
  cveIds: string;
  cweIds: string;
  cvss: string;
  products: ProductRow[];
  references: ReferenceRow[];
  credits: CreditRow[];
  timeline: TimelineRow[];
  /** The row index of the reporter's own credit, or "" for none. */
  reporterCredit: string;
  publisher: PublisherFields;
  comment: string;
  baseVersion: string;
}

const blankRange = (): RangeRow => ({ type: 'semver', introduced: '', fixed: '', lastAffected: '' });
const blankProduct = (): ProductRow => ({
  project: '',
  ecosystem: '',
  package: '',
  purl: '',
  vendor: '',
  product: '',
  repo: '',
  components: '',
  ranges: [],
});
const blankReference = (): ReferenceRow => ({ url: '', type: 'web', name: '' });
const blankCredit = (): CreditRow => ({ type: 'finder', preference: 'name', name: '', alias: '', organization: '', contact: '' });
const blankTimeline = (): TimelineRow => ({ at: '', event: '' });

const isBlankRange = (r: RangeRow) => !r.introduced.trim() && !r.fixed.trim() && !r.lastAffected.trim();
const isBlankProduct = (p: ProductRow) =>
  ![p.project, p.ecosystem, p.package, p.purl, p.vendor, p.product, p.repo, p.components].some((v) => v.trim()) &&
  p.ranges.every(isBlankRange);
const isBlankReference = (r: ReferenceRow) => !r.url.trim() && !r.name.trim();
const isBlankCredit = (c: CreditRow) => ![c.name, c.alias, c.organization, c.contact].some((v) => v.trim());
const isBlankTimeline = (t: TimelineRow) => !t.at.trim() && !t.event.trim();

export function modelFromAdvisory(doc: Advisory, reporterCredit: number | null, baseVersion: number): EditorModel {
  return {
    title: doc.title,
    summary: doc.summary,
    description: doc.description,
    mitigation: doc.mitigation ?? '',
    upgrade: doc.upgrade ?? '',
    url: doc.url ?? '',
    cveIds: doc.cveIds.join(', '),
    cweIds: doc.cweIds.join(', '),
    cvss: doc.cvss.map((s) => s.vector).join('\n'),
    products: doc.affected.map((p) => ({
      project: p.project,
      ecosystem: p.package?.ecosystem ?? '',
      package: p.package?.name ?? '',
      purl: p.package?.purl ?? '',
      vendor: p.vendor ?? '',
      product: p.product ?? '',
      repo: p.repo ?? '',
      components: p.components.join(', '),
      ranges: p.ranges.map((r) =>
        r.type === 'git'
          ? { type: 'git', introduced: r.introduced, fixed: r.fixed, lastAffected: '' }
          : {
              type: 'semver',
              introduced: r.introduced === '0' ? '' : r.introduced,
              fixed: r.fixed ?? '',
              lastAffected: r.lastAffected ?? '',
            },
      ),
    })),
    references: doc.references.map((r) => ({ url: r.url, type: r.type, name: r.name ?? '' })),
    credits: doc.credits.map((c) => ({
      type: c.type,
      preference: c.preference,
      name: c.name ?? '',
      alias: c.alias ?? '',
      organization: c.organization ?? '',
      contact: c.contact.join(', '),
    })),
    timeline: doc.timeline.map((t) => ({ at: t.at, event: t.event })),
    reporterCredit: reporterCredit === null ? '' : String(reporterCredit),
    publisher: {
      name: doc.publisher.name,
      namespace: doc.publisher.namespace,
      contact: doc.publisher.contact ?? '',
      category: doc.publisher.category,
      cveOrgId: doc.publisher.cve?.orgId ?? '',
      cveShortName: doc.publisher.cve?.shortName ?? '',
      osvIdPrefix: doc.publisher.osvIdPrefix,
    },
    comment: '',
    baseVersion: String(baseVersion),
  };
}

/** How many rows of a list the form sent (bounded, so a hostile count cannot make the server loop). */
function count(body: FormBody, name: string, max: number): number {
  const n = Number.parseInt(field(body, name), 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, max) : 0;
}

export function modelFromForm(raw: unknown): EditorModel {
  const b = formOf(raw);
  const f = (name: string) => field(b, name);
  const rows = <T>(name: string, max: number, read: (i: number) => T): T[] =>
    Array.from({ length: count(b, `${name}_n`, max) }, (_, i) => read(i));
  return {
    title: f('title'),
    summary: f('summary'),
    description: f('description'),
    mitigation: f('mitigation'),
    upgrade: f('upgrade'),
    url: f('url'),
    cveIds: f('cveIds'),
    cweIds: withPickedCwe(f('cweIds'), f('cwePick')),
    cvss: f('cvss'),
    products: rows('p', 50, (i) => ({
      project: f(`p${i}_project`),
      ecosystem: f(`p${i}_ecosystem`),
      package: f(`p${i}_package`),
      purl: f(`p${i}_purl`),
      vendor: f(`p${i}_vendor`),
      product: f(`p${i}_product`),
      repo: f(`p${i}_repo`),
      components: f(`p${i}_components`),
      ranges: rows(`p${i}_r`, 50, (j) => ({
        type: f(`p${i}_r${j}_type`) || 'semver',
        introduced: f(`p${i}_r${j}_introduced`),
        fixed: f(`p${i}_r${j}_fixed`),
        lastAffected: f(`p${i}_r${j}_lastAffected`),
      })),
    })),
    references: rows('ref', 200, (i) => ({ url: f(`ref${i}_url`), type: f(`ref${i}_type`) || 'web', name: f(`ref${i}_name`) })),
    credits: rows('cr', 100, (i) => ({
      type: f(`cr${i}_type`) || 'finder',
      preference: f(`cr${i}_preference`) || 'name',
      name: f(`cr${i}_name`),
      alias: f(`cr${i}_alias`),
      organization: f(`cr${i}_organization`),
      contact: f(`cr${i}_contact`),
    })),
    timeline: rows('tl', 200, (i) => ({ at: f(`tl${i}_at`), event: f(`tl${i}_event`) })),
    reporterCredit: f('reporterCredit'),
    publisher: {
      name: f('pub_name'),
      namespace: f('pub_namespace'),
      contact: f('pub_contact'),
      category: f('pub_category') || 'vendor',
      cveOrgId: f('pub_cveOrgId'),
      cveShortName: f('pub_cveShortName'),
      osvIdPrefix: f('pub_osvIdPrefix'),
    },
    comment: f('comment'),
    baseVersion: f('baseVersion'),
  };
}

/**
 * The weakness chosen in the picker joins the typed list (once). What is not a CWE id is added as
 * typed, so validation refuses it at the field with the reason, rather than dropping it silently.
 */
function withPickedCwe(typed: string, picked: string): string {
  const p = picked.trim();
  if (!p) return typed;
  const id = normalizeCweId(/^(?:CWE-)?\d+/i.exec(p)?.[0] ?? p) ?? p;
  if (list(typed).some((t) => (normalizeCweId(t) ?? t) === id)) return typed;
  return typed.trim() ? `${typed.trim()}, ${id}` : id;
}

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
const opt = (v: string) => (v.trim() ? v.trim() : undefined);

/** A date alone ("2026-11-23") is that day at midnight UTC; anything else goes to validation as typed. */
function instant(v: string): string {
  const t = v.trim();
  return /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t;
}

export interface FormDocument {
  document: Record<string, unknown>;
  reporterCredit: number | null;
  /** Document path prefix → form field prefix, for the rows kept (empty rows are skipped). */
  fieldOf: (path: string) => string;
}

/** The document the form describes, without its empty rows. */
export function documentFromModel(m: EditorModel): FormDocument {
  const productRows = m.products.map((p, i) => [p, i] as const).filter(([p]) => !isBlankProduct(p));
  const rangeRows = productRows.map(([p]) => p.ranges.map((r, j) => [r, j] as const).filter(([r]) => !isBlankRange(r)));
  const refRows = m.references.map((r, i) => [r, i] as const).filter(([r]) => !isBlankReference(r));
  const creditRows = m.credits.map((c, i) => [c, i] as const).filter(([c, i]) => !isBlankCredit(c) || String(i) === m.reporterCredit);
  const timelineRows = m.timeline.map((t, i) => [t, i] as const).filter(([t]) => !isBlankTimeline(t));
  const cveOrg = m.publisher.cveOrgId.trim() || m.publisher.cveShortName.trim();
  const document: Record<string, unknown> = {
    title: m.title,
    summary: m.summary,
    description: m.description,
    ...(opt(m.mitigation) ? { mitigation: m.mitigation } : {}),
    ...(opt(m.upgrade) ? { upgrade: m.upgrade } : {}),
    ...(opt(m.url) ? { url: m.url.trim() } : {}),
    cveIds: list(m.cveIds),
    cweIds: list(m.cweIds),
    cvss: m.cvss
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
    affected: productRows.map(([p], k) => ({
      project: p.project,
      ...(opt(p.ecosystem) || opt(p.package) || opt(p.purl)
        ? { package: { ecosystem: p.ecosystem, name: p.package, ...(opt(p.purl) ? { purl: p.purl } : {}) } }
        : {}),
      ...(opt(p.vendor) ? { vendor: p.vendor } : {}),
      ...(opt(p.product) ? { product: p.product } : {}),
      ...(opt(p.repo) ? { repo: p.repo.trim() } : {}),
      components: list(p.components),
      ranges: rangeRows[k]!.map(([r]) =>
        r.type === 'git'
          ? { type: 'git', introduced: r.introduced.trim(), fixed: r.fixed.trim() }
          : {
              type: 'semver',
              introduced: r.introduced.trim() || '0',
              ...(opt(r.fixed) ? { fixed: r.fixed } : {}),
              ...(opt(r.lastAffected) ? { lastAffected: r.lastAffected } : {}),
            },
      ),
    })),
    references: refRows.map(([r]) => ({ url: r.url, type: r.type, ...(opt(r.name) ? { name: r.name } : {}) })),
    credits: creditRows.map(([c]) => ({
      type: c.type,
      preference: c.preference,
      ...(opt(c.name) ? { name: c.name } : {}),
      ...(opt(c.alias) ? { alias: c.alias } : {}),
      ...(opt(c.organization) ? { organization: c.organization } : {}),
      contact: list(c.contact),
    })),
    timeline: timelineRows.map(([t]) => ({ at: instant(t.at), event: t.event })),
    publisher: {
      name: m.publisher.name,
      namespace: m.publisher.namespace,
      ...(opt(m.publisher.contact) ? { contact: m.publisher.contact } : {}),
      category: m.publisher.category,
      ...(cveOrg ? { cve: { orgId: m.publisher.cveOrgId.trim(), shortName: m.publisher.cveShortName.trim() } } : {}),
      osvIdPrefix: m.publisher.osvIdPrefix.trim(),
    },
  };
  const reporterRow = m.reporterCredit === '' ? -1 : Number(m.reporterCredit);
  const reporterCredit = creditRows.findIndex(([, i]) => i === reporterRow);
  const fieldOf = (path: string): string => {
    let x: RegExpExecArray | null;
    if ((x = /^affected\[(\d+)\]\.ranges\[(\d+)\](?:\.(\w+))?/.exec(path))) {
      const k = Number(x[1]);
      const p = productRows[k]?.[1] ?? k;
      const r = rangeRows[k]?.[Number(x[2])]?.[1] ?? Number(x[2]);
      return `p${p}_r${r}_${x[3] ?? 'introduced'}`;
    }
    if ((x = /^affected\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?/.exec(path))) {
      const p = productRows[Number(x[1])]?.[1] ?? Number(x[1]);
      const key = x[2] === 'package' ? (x[3] === 'ecosystem' ? 'ecosystem' : x[3] === 'purl' ? 'purl' : 'package') : (x[2] ?? 'project');
      return `p${p}_${key}`;
    }
    if ((x = /^references\[(\d+)\](?:\.(\w+))?/.exec(path))) return `ref${refRows[Number(x[1])]?.[1] ?? x[1]}_${x[2] ?? 'url'}`;
    if ((x = /^credits\[(\d+)\](?:\.(\w+))?/.exec(path))) return `cr${creditRows[Number(x[1])]?.[1] ?? x[1]}_${x[2] ?? 'name'}`;
    if ((x = /^timeline\[(\d+)\](?:\.(\w+))?/.exec(path))) return `tl${timelineRows[Number(x[1])]?.[1] ?? x[1]}_${x[2] ?? 'event'}`;
    if ((x = /^publisher\.cve\.(\w+)/.exec(path))) return x[1] === 'orgId' ? 'pub_cveOrgId' : 'pub_cveShortName';
    if ((x = /^publisher\.(\w+)/.exec(path))) return `pub_${x[1]}`;
    return path.replace(/\[\d+\].*$/, '').replace(/\..*$/, '');
  };
  return { document, reporterCredit: m.reporterCredit === '' || reporterCredit < 0 ? null : reporterCredit, fieldOf };
}

/** Pads each list with empty rows at its end (two, one for products), plus one more for the list named by `add`. */
export function withEmptyRows(m: EditorModel, add: string | null): EditorModel {
  const pad = <T>(rows: T[], isBlank: (r: T) => boolean, blank: () => T, min: number, extra: boolean): T[] => {
    const out = [...rows];
    if (extra) out.push(blank());
    let trailing = 0;
    for (let i = out.length - 1; i >= 0 && isBlank(out[i]!); i--) trailing++;
    for (; trailing < min; trailing++) out.push(blank());
    return out;
  };
  return {
    ...m,
    products: pad(m.products, isBlankProduct, blankProduct, 1, add === 'product').map((p, i) => ({
      ...p,
      ranges: pad(p.ranges, isBlankRange, blankRange, 2, add === `range:${i}`),
    })),
    references: pad(m.references, isBlankReference, blankReference, 2, add === 'reference'),
    credits: pad(m.credits, isBlankCredit, blankCredit, 2, add === 'credit'),
    timeline: pad(m.timeline, isBlankTimeline, blankTimeline, 2, add === 'timeline'),
  };
}

// --- Rendering ---

type Errors = Record<string, string>;

function err(errors: Errors, name: string): Html | '' {
  return errors[name] ? html`<p class="field-error" id="${name}-err">${errors[name]}</p>` : '';
}

function text(name: string, label: string, value: string, errors: Errors, hint?: string): Html {
  return html`<div class="field${errors[name] ? ' has-error' : ''}"><label for="f-${name}">${label}</label>
    ${hint ? html`<p class="hint">${hint}</p>` : ''}${err(errors, name)}
    <input id="f-${name}" name="${name}" value="${value}"${errors[name] ? html` aria-invalid="true" aria-describedby="${name}-err"` : ''}></div>`;
}

function area(name: string, label: string, value: string, errors: Errors, rows: number, hint?: string): Html {
  return html`<div class="field${errors[name] ? ' has-error' : ''}"><label for="f-${name}">${label}</label>
    ${hint ? html`<p class="hint">${hint}</p>` : ''}${err(errors, name)}
    <textarea id="f-${name}" name="${name}" rows="${rows}"${errors[name] ? html` aria-invalid="true" aria-describedby="${name}-err"` : ''}>${value}</textarea></div>`;
}

function choice(name: string, label: string, value: string, options: readonly string[], errors: Errors, blank?: string): Html {
  return html`<div class="field${errors[name] ? ' has-error' : ''}"><label for="f-${name}">${label}</label>${err(errors, name)}
    <select id="f-${name}" name="${name}">${blank !== undefined ? html`<option value="">${blank}</option>` : ''}${options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${o}</option>`)}</select></div>`;
}

/** The editor's sections, for the navigation beside the form and the links of the checklist. */
export const EDITOR_SECTIONS: readonly { id: string; label: string }[] = [
  { id: 'sec-title', label: 'Title and summary' },
  { id: 'sec-description', label: 'Description' },
  { id: 'sec-affected', label: 'Affected products' },
  { id: 'sec-identifiers', label: 'Identifiers and severity' },
  { id: 'sec-mitigation', label: 'Mitigation and upgrade' },
  { id: 'sec-references', label: 'References' },
  { id: 'sec-credits', label: 'Credits' },
  { id: 'sec-timeline', label: 'Timeline' },
  { id: 'sec-publication', label: 'Publication details' },
];

const FIELD_OF_PATH: Record<string, string> = {
  title: 'f-title',
  summary: 'f-summary',
  description: 'f-description',
  cveIds: 'f-cveIds',
  cweIds: 'f-cweIds',
  cvss: 'f-cvss',
  mitigation: 'f-mitigation',
  upgrade: 'f-upgrade',
  affected: 'sec-affected',
  references: 'sec-references',
  credits: 'sec-credits',
  timeline: 'sec-timeline',
  url: 'f-url',
};

/**
 * The editor's element that fixes a problem of publicationProblems, by its document path
 * ("affected[1].components" → product 2's components field), or null when the editor has none
 * (the publication time is set on the overview page). The editor opens on the saved version, whose
 * rows are the document's in order, so a document index is the row index.
 */
export function editorAnchor(path: string): string | null {
  const p = /^affected\[(\d+)\](?:\.(\w+))?/.exec(path);
  if (p) return p[2] === 'components' ? `f-p${p[1]}_components` : `sec-p${p[1]}`;
  if (path.startsWith('publisher')) return 'sec-publication';
  return FIELD_OF_PATH[path] ?? null;
}

// The shipped catalogue as the picker's suggestions: built once, the same for every page. Entries
// MITRE marks Prohibited for mapping or Deprecated are left out; the search page still finds them.
let cweOptions: Html | null = null;
function cweDatalist(): Html {
  cweOptions ??= html`<datalist id="cwe-catalogue">${CWE_CATALOGUE.weaknesses
    .filter((w) => w.usage !== 'Prohibited' && w.status !== 'Deprecated')
    .map((w) => html`<option value="${w.id}">${w.name}</option>`)}</datalist>`;
  return cweOptions;
}

const addButton = (value: string, label: string) =>
  html`<p><button type="submit" name="add" value="${value}" class="secondary">${label}</button></p>`;

export function renderEditor(m: EditorModel, o: { action: string; viewer: Viewer; errors: Errors; projects: readonly string[] }): Html {
  const e = o.errors;
  return html`<form method="post" action="${o.action}" class="stack advisory-editor">
    ${hiddenCsrf(o.viewer)}
    <input type="hidden" name="baseVersion" value="${m.baseVersion}">
    <input type="hidden" name="p_n" value="${m.products.length}">
    <input type="hidden" name="ref_n" value="${m.references.length}">
    <input type="hidden" name="cr_n" value="${m.credits.length}">
    <input type="hidden" name="tl_n" value="${m.timeline.length}">
    <fieldset id="sec-title"><legend>Title and summary</legend>
      ${text('title', 'Title', m.title, e)}
      ${area('summary', 'Summary', m.summary, e, 3, 'One paragraph of plain text.')}
    </fieldset>
    <fieldset id="sec-description"><legend>Description</legend>
      ${area('description', 'Description (Markdown)', m.description, e, 12, 'What the vulnerability is and what an attacker gains. Markdown; raw HTML is shown as text.')}
    </fieldset>
    <fieldset id="sec-affected"><legend>Affected products</legend>
      <p class="hint">Per project: a package (ecosystem and name) or a vendor and product; version ranges by version, as the package's ecosystem numbers them (semantic versions for a vendor's product), or by git commit (full hashes, with the repository).</p>
      ${err(e, 'affected')}
      ${m.products.map(
        (p, i) => html`<fieldset class="row" id="sec-p${i}"><legend>Product ${i + 1}</legend>
        <input type="hidden" name="p${i}_r_n" value="${p.ranges.length}">
        ${choice(`p${i}_project`, 'Project', p.project, [...new Set([...o.projects, ...(p.project ? [p.project] : [])])], e, '(none)')}
        ${choice(`p${i}_ecosystem`, 'Package ecosystem', p.ecosystem, OSV_ECOSYSTEMS.includes(p.ecosystem as never) || !p.ecosystem ? OSV_ECOSYSTEMS : [p.ecosystem, ...OSV_ECOSYSTEMS], e, '(no package)')}
        ${text(`p${i}_package`, 'Package name', p.package, e)}
        ${text(`p${i}_purl`, 'Package URL (optional)', p.purl, e, 'Without a version, like pkg:cargo/tock-registers.')}
        ${text(`p${i}_vendor`, 'Vendor', p.vendor, e)}
        ${text(`p${i}_product`, 'Product', p.product, e)}
        ${text(`p${i}_repo`, 'Source repository', p.repo, e, 'Needed for ranges by git commit.')}
        ${text(`p${i}_components`, 'Affected components', p.components, e, 'Comma-separated, e.g. BL2, image loader.')}
        <table class="ranges"><caption>Version ranges of product ${i + 1}</caption>
          <thead><tr><th scope="col">Kind</th><th scope="col">Introduced (version or commit)</th><th scope="col">Fixed</th><th scope="col">Last affected (instead of fixed)</th></tr></thead>
          <tbody>${p.ranges.map((r, j) => {
            const n = `p${i}_r${j}`;
            return html`<tr>
              <td>${err(e, `${n}_type`)}<label class="visually-hidden" for="f-${n}_type">Kind of range ${j + 1}</label><select id="f-${n}_type" name="${n}_type">${['semver', 'git'].map((t) => html`<option value="${t}"${t === r.type ? html` selected` : ''}>${t === 'git' ? 'git commits' : 'versions'}</option>`)}</select></td>
              <td>${err(e, `${n}_introduced`)}<label class="visually-hidden" for="f-${n}_introduced">Introduced, range ${j + 1}</label><input id="f-${n}_introduced" name="${n}_introduced" value="${r.introduced}"></td>
              <td>${err(e, `${n}_fixed`)}<label class="visually-hidden" for="f-${n}_fixed">Fixed, range ${j + 1}</label><input id="f-${n}_fixed" name="${n}_fixed" value="${r.fixed}"></td>
              <td>${err(e, `${n}_lastAffected`)}<label class="visually-hidden" for="f-${n}_lastAffected">Last affected, range ${j + 1}</label><input id="f-${n}_lastAffected" name="${n}_lastAffected" value="${r.lastAffected}"></td>
            </tr>`;
          })}</tbody></table>
        ${addButton(`range:${i}`, `Add a range to product ${i + 1}`)}
      </fieldset>`,
      )}
      ${addButton('product', 'Add a product')}
    </fieldset>
    <fieldset id="sec-identifiers"><legend>Identifiers and severity</legend>
      ${text('cveIds', 'CVE identifiers', m.cveIds, e, "Comma-separated, like CVE-2026-12345; or assign one from the team's pool on the advisory page.")}
      ${text('cweIds', 'Weaknesses (CWE)', m.cweIds, e, 'Comma-separated, like CWE-121.')}
      <div class="field cwe-pick"><label for="f-cwePick">Add a weakness from the CWE list</label>
        <p class="hint">Type an id or words of its name and choose one of MITRE's CWE ${CWE_CATALOGUE.version}; it joins the weaknesses above when you save. Or <a href="/cwe" target="_blank" rel="noopener">search the CWE list</a> (opens beside this page).</p>
        <input id="f-cwePick" name="cwePick" list="cwe-catalogue" autocomplete="off" value="">${cweDatalist()}</div>
      ${area('cvss', 'CVSS vectors', m.cvss, e, 2, 'One per line, at most one per version (3.1 and 4.0); scores are computed.')}
    </fieldset>
    <fieldset id="sec-mitigation"><legend>Mitigation and upgrade</legend>
      ${area('mitigation', 'Mitigation (Markdown)', m.mitigation, e, 5, 'What users can do before they can upgrade.')}
      ${area('upgrade', 'Upgrade instructions (Markdown)', m.upgrade, e, 5)}
    </fieldset>
    <fieldset id="sec-references"><legend>References</legend>${err(e, 'references')}
      <table><thead><tr><th scope="col">URL</th><th scope="col">Type</th><th scope="col">Title</th></tr></thead>
      <tbody>${m.references.map(
        (r, i) => html`<tr>
        <td>${err(e, `ref${i}_url`)}<label class="visually-hidden" for="f-ref${i}_url">Reference ${i + 1} URL</label><input id="f-ref${i}_url" name="ref${i}_url" value="${r.url}"></td>
        <td><label class="visually-hidden" for="f-ref${i}_type">Reference ${i + 1} type</label><select id="f-ref${i}_type" name="ref${i}_type">${REFERENCE_TYPES.map((t) => html`<option value="${t}"${t === r.type ? html` selected` : ''}>${t}</option>`)}</select></td>
        <td><label class="visually-hidden" for="f-ref${i}_name">Reference ${i + 1} title</label><input id="f-ref${i}_name" name="ref${i}_name" value="${r.name}"></td>
      </tr>`,
      )}</tbody></table>
      ${addButton('reference', 'Add a reference')}
    </fieldset>
    <fieldset id="sec-credits"><legend>Credits</legend>${err(e, 'credits')}${err(e, 'reporterCredit')}
      <p class="hint">The reporter's own credit always follows the preference the reporter gave (by name, by another name or handle, or anonymously), whatever is typed here.</p>
      ${m.credits.map(
        (c, i) => html`<fieldset class="row"><legend>Credit ${i + 1}</legend>
        <div class="choice"><label><input type="radio" name="reporterCredit" value="${i}"${String(i) === m.reporterCredit ? html` checked` : ''}> This is the reporter's credit</label></div>
        ${choice(`cr${i}_type`, 'Type', c.type, CREDIT_TYPES, e)}
        ${choice(`cr${i}_preference`, 'Shown as', c.preference, CREDIT_PREFERENCES, e)}
        ${text(`cr${i}_name`, 'Name', c.name, e)}
        ${text(`cr${i}_alias`, 'Other name or handle', c.alias, e)}
        ${text(`cr${i}_organization`, 'Organisation', c.organization, e)}
        ${text(`cr${i}_contact`, 'Public contact links', c.contact, e, 'Comma-separated http(s) or mailto: links.')}
      </fieldset>`,
      )}
      <div class="choice"><label><input type="radio" name="reporterCredit" value=""${m.reporterCredit === '' ? html` checked` : ''}> The reporter is not credited</label></div>
      ${addButton('credit', 'Add a credit')}
    </fieldset>
    <fieldset id="sec-timeline"><legend>Timeline</legend>${err(e, 'timeline')}
      <table><thead><tr><th scope="col">When (2026-11-23, or 2026-11-23T10:00:00+01:00)</th><th scope="col">Event</th></tr></thead>
      <tbody>${m.timeline.map(
        (t, i) => html`<tr>
        <td>${err(e, `tl${i}_at`)}<label class="visually-hidden" for="f-tl${i}_at">Timeline ${i + 1} time</label><input id="f-tl${i}_at" name="tl${i}_at" value="${t.at}"></td>
        <td>${err(e, `tl${i}_event`)}<label class="visually-hidden" for="f-tl${i}_event">Timeline ${i + 1} event</label><input id="f-tl${i}_event" name="tl${i}_event" value="${t.event}"></td>
      </tr>`,
      )}</tbody></table>
      ${addButton('timeline', 'Add a timeline entry')}
    </fieldset>
    <fieldset id="sec-publication"><legend>Publication details</legend>
      ${text('url', 'Advisory URL (optional)', m.url, e)}
      ${text('pub_name', 'Publisher', m.publisher.name, e)}
      ${text('pub_namespace', 'Publisher namespace (a URL the team controls)', m.publisher.namespace, e)}
      ${text('pub_contact', 'Publisher contact', m.publisher.contact, e)}
      ${choice('pub_category', 'Publisher category', m.publisher.category, PUBLISHER_CATEGORIES, e)}
      ${text('pub_cveOrgId', 'CNA organisation id (for CVE records)', m.publisher.cveOrgId, e)}
      ${text('pub_cveShortName', 'CNA short name', m.publisher.cveShortName, e)}
      ${text('pub_osvIdPrefix', 'OSV id prefix', m.publisher.osvIdPrefix, e, 'x_ unless your prefix is registered with OSV.')}
    </fieldset>
    ${text('comment', 'What changed (for the version list)', m.comment, e)}
    <p><button type="submit" name="save" value="1">Save as a new version</button></p>
  </form>`;
}
