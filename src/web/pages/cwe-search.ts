import { findCwe } from '../../app/scoring/scoring.ts';
import type { CweEntry } from '../../domain/cwe.ts';
import { CWE_CATALOGUE } from '../../domain/cwe.ts';
import { html, raw, type Html } from '../html.ts';
import { field, layout, pageProblem, sendHtml, uid } from '../common.ts';
import { definePages } from '../route.ts';

// Searching the shipped CWE list by id or words of the name, without JavaScript: a GET form (the
// query is a weakness name, not case data) and the matches. The form and the match list are
// exported for other pages (the advisory editor picks an advisory's weaknesses with them):
// cweMatchList with `pick` renders radio buttons or checkboxes to put inside that page's own form.

export interface CweSearchFormOptions {
  /** Where the search goes (GET); the current page, so the results come back to it. */
  action: string;
  query: string;
  label?: string;
  /** Other query parameters the page needs to keep (e.g. which advisory is being edited). */
  keep?: Record<string, string>;
}

/** A GET search form: q (an id like CWE-787 or 787, or words of the name). */
export function cweSearchForm(o: CweSearchFormOptions): Html {
  const id = uid('cwe-q');
  return html`<form method="get" action="${o.action}" class="inline-form cwe-search" role="search" aria-label="Search the CWE list">
    ${Object.entries(o.keep ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    <div class="field"><label for="${id}">${o.label ?? 'Weakness (CWE id or words of its name)'}</label>
      <input id="${id}" name="q" type="search" maxlength="200" value="${o.query}" placeholder="787, CWE-79, use after free" required></div>
    <p><button type="submit">Search</button></p>
  </form>`;
}

export interface CweMatchListOptions {
  /** Render a choice per match with this form field name (inside the caller's own form). */
  pick?: { name: string; multiple?: boolean; selected?: readonly string[] };
}

const mitreUrl = (id: string) => `https://cwe.mitre.org/data/definitions/${id.slice(4)}.html`;

/** The matches as a table: id, name, MITRE's status and mapping usage (Discouraged/Prohibited said plainly). */
export function cweMatchList(matches: readonly CweEntry[], o: CweMatchListOptions = {}): Html {
  if (matches.length === 0) return html`<p class="muted">No weakness matches.</p>`;
  const pick = o.pick;
  return html`<table class="cwe-matches">
    <caption>CWE ${CWE_CATALOGUE.version} weaknesses</caption>
    <thead><tr>${pick ? html`<th scope="col">Choose</th>` : ''}<th scope="col">Id</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Use for mapping</th></tr></thead>
    <tbody>${matches.map((m) => {
      const id = uid('cwe');
      const checked = pick?.selected?.includes(m.id) ? raw(' checked') : '';
      return html`<tr>
        ${pick ? html`<td><input type="${pick.multiple ? 'checkbox' : 'radio'}" id="${id}" name="${pick.name}" value="${m.id}"${checked}></td>` : ''}
        <td>${pick ? html`<label for="${id}">${m.id}</label>` : m.id}</td>
        <td><a href="${mitreUrl(m.id)}" rel="noreferrer noopener">${m.name}</a></td>
        <td>${m.status}</td>
        <td>${m.usage === 'Discouraged' || m.usage === 'Prohibited' ? html`<strong>${m.usage}</strong>` : (m.usage ?? '—')}</td>
      </tr>`;
    })}</tbody>
  </table>`;
}

export const cwePages = definePages([
  {
    method: 'GET',
    url: '/cwe',
    policy: 'signed-in',
    handler: async ({ ctx, viewer, query: q, request, reply }) => {
      const query = field(q, 'q').slice(0, 200);
      let status = 200;
      let results: Html = html``;
      if (query.trim() !== '') {
        try {
          const found = findCwe(ctx, { q: query, limit: '50' });
          results = html`<p>${found.matches.length === 50 ? 'The first 50 matches' : `${found.matches.length} match${found.matches.length === 1 ? '' : 'es'}`} for “${found.query}”.</p>${cweMatchList(found.matches)}`;
        } catch (e) {
          const p = pageProblem(request, e, { q: ['q', 'The search'] });
          status = p.status;
          results = html`<p class="field-error" role="alert">${p.message}</p>`;
        }
      }
      return sendHtml(
        reply,
        status,
        layout({
          title: 'CWE list',
          viewer,
          body: html`<p class="muted">MITRE's Common Weakness Enumeration, version ${CWE_CATALOGUE.version} (${CWE_CATALOGUE.date}), shipped with the desk.</p>
          ${cweSearchForm({ action: '/cwe', query })}
          ${results}`,
        }),
      );
    },
  },
]);
