import type { FastifyReply } from 'fastify';
import { advisoryView, type AdvisoryView } from '../../app/advisories/advisories.ts';
import { creditLine, describeRange, productLabel, type Advisory } from '../../domain/advisory.ts';
import { cweById } from '../../domain/cwe.ts';
import { EmbargoError } from '../../domain/errors.ts';
import { describeCvss } from '../../domain/cvss.ts';
import { EXPORT_FORMATS } from '../../formats/export.ts';
import { html, safeHref, type Html } from '../html.ts';
import { renderMarkdown } from '../markdown.ts';
import { day, when } from '../format.ts';
import { editorAnchor } from './advisory-form.ts';
import { hiddenCsrf, layout, notFoundPage, pageProblem, scrollTable, sendHtml, zoneOf, type Viewer } from '../common.ts';
import type { PageInput } from '../route.ts';
import { CVE_RECORDS_DONE, cveRecordsSection } from './advisory-cve-records.ts';

// What the advisory pages share: the overview of an advisory (publication checklist, versions with
// diffs, reviews, circulations and the forms that act on it), the preview of a document with its
// Markdown rendered safely, and the way a refusal is shown. The pages are advisory-list.ts,
// advisory-overview.ts, advisory-editor.ts and advisory-versions.ts; no JavaScript, every action is
// a form with the session's CSRF token.

export const enc = encodeURIComponent;

export const DONE: Record<string, string> = {
  created: 'The advisory is started from the incident. Edit it and save a version.',
  saved: 'Saved as a new version.',
  approved: 'Approved.',
  changes_requested: 'Changes requested.',
  circulated: 'The draft is sent; the version sent is recorded.',
  scheduled: 'Publication is scheduled.',
  withdrawn: 'The advisory is withdrawn.',
  cve: "A CVE id from the team's pool is added.",
  cve_records: CVE_RECORDS_DONE,
};

/**
 * When an approval carries over, in the words of writeVersion and schedulePublication
 * (src/app/advisories): every save is a new version and needs its own approval; the version that
 * publication writes adds only the publication time to the approved one, so it keeps the approval.
 */
export const APPROVAL_RULE =
  'An approval is for one version. Saving makes a new version, which needs a second team member’s approval again before it can be published; scheduling publication keeps the approval, because the published version adds only the publication time to the approved one.';

export const STATE_WORDS: Record<string, string> = { draft: 'Draft', approved: 'Approved', published: 'Published', withdrawn: 'Withdrawn' };

function facts(rows: [string, Html | string | null][]): Html {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v === null || v === '' ? html`<span class="muted">—</span>` : v}</dd></div>`)}</dl>`;
}

/** The document as readers will see it: structured parts as HTML, the Markdown parts rendered safely; its instants in the viewer's zone. */
export function renderPreview(doc: Advisory, tz: string): Html {
  const link = (url: string, label?: string) => {
    const href = safeHref(url);
    return href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${label ?? url}</a>` : html`${label ?? url}`;
  };
  return html`<article class="advisory-preview" id="preview">
    <h2>${doc.id}: ${doc.title}</h2>
    ${doc.withdrawn ? html`<p class="error"><strong>Withdrawn</strong> ${doc.withdrawn}: ${doc.withdrawnReason ?? ''}</p>` : ''}
    ${facts([
      ['CVE', doc.cveIds.join(', ') || null],
      ['Severity', doc.cvss.length ? html`${doc.cvss.map((s) => html`<div>${describeCvss(s)} <code>${s.vector}</code></div>`)}` : null],
      ['Weaknesses', doc.cweIds.length ? doc.cweIds.map((id) => `${id} ${cweById(id)?.name ?? ''}`.trim()).join('; ') : null],
      ['Published', doc.published ? when(doc.published, tz) : null],
    ])}
    ${doc.summary ? html`<h3>Summary</h3><p>${doc.summary}</p>` : ''}
    <h3>Affected products</h3>
    ${
      doc.affected.length
        ? scrollTable(
            'Affected products',
            html`<table><thead><tr><th scope="col">Product</th><th scope="col">Affected</th><th scope="col">Components</th></tr></thead><tbody>
          ${doc.affected.map(
            (
              p,
            ) => html`<tr><td>${productLabel(p, doc.publisher)}${p.package ? html` <span class="muted">(${p.package.ecosystem} ${p.package.name})</span>` : ''}</td>
            <td>${p.ranges.length ? html`<ul>${p.ranges.map((r) => html`<li>${describeRange(r)}</li>`)}</ul>` : html`<span class="muted">no range yet</span>`}</td>
            <td>${p.components.join(', ')}</td></tr>`,
          )}
        </tbody></table>`,
          )
        : html`<p class="muted">None yet.</p>`
    }
    ${doc.description ? html`<h3>Description</h3><div class="markdown" id="preview-description">${renderMarkdown(doc.description)}</div>` : ''}
    ${doc.mitigation ? html`<h3>Mitigation</h3><div class="markdown">${renderMarkdown(doc.mitigation)}</div>` : ''}
    ${doc.upgrade ? html`<h3>Upgrade instructions</h3><div class="markdown">${renderMarkdown(doc.upgrade)}</div>` : ''}
    ${doc.credits.length ? html`<h3>Credits</h3><ul>${doc.credits.map((c) => html`<li>${creditLine(c)}</li>`)}</ul>` : ''}
    ${doc.timeline.length ? html`<h3>Timeline</h3><ul>${doc.timeline.map((t) => html`<li>${day(t.at.slice(0, 10))}: ${t.event}</li>`)}</ul>` : ''}
    ${doc.references.length ? html`<h3>References</h3><ul>${doc.references.map((r) => html`<li>${link(r.url, r.name)} <span class="muted">(${r.type})</span></li>`)}</ul>` : ''}
    <p class="muted">${doc.publisher.name}${doc.publisher.contact ? ` · ${doc.publisher.contact}` : ''}</p>
  </article>`;
}

/** A problem of the checklist as a link to what fixes it: the editor's field or section, or the publication form below. */
function problemItem(v: AdvisoryView, problem: string): Html {
  const path = problem.slice(0, Math.max(0, problem.indexOf(':')));
  const anchor =
    path === 'published' ? '#pub-at' : v.can.edit && editorAnchor(path) ? `/desk/advisories/${enc(v.id)}/edit#${editorAnchor(path)}` : null;
  return html`<li class="problem"><span aria-hidden="true">☐</span> <span class="visually-hidden">Missing:</span> ${anchor ? html`<a href="${anchor}">${problem}</a>` : problem}</li>`;
}

function checklist(v: AdvisoryView, tz: string): Html {
  const approved = v.approvedVersion === v.headVersion;
  return html`<section aria-labelledby="check-h" class="card" id="checklist"><h2 id="check-h">Before publication</h2>
    ${v.requiredSections.length ? html`<p class="hint">The process requires: ${v.requiredSections.join('; ')}.</p>` : ''}
    <ul class="checklist">
      ${v.problems.map((p) => problemItem(v, p))}
      ${v.problems.length === 0 ? html`<li class="ok"><span aria-hidden="true">☑</span> Every section publication needs is there.</li>` : ''}
      <li class="${approved ? 'ok' : 'problem'}"><span aria-hidden="true">${approved ? '☑' : '☐'}</span> ${approved ? `Version ${v.headVersion} is approved by a second team member.` : html`<a href="#review-h">Version ${v.headVersion} is not approved by a second team member yet.</a>`}</li>
      <li class="${v.publishAt ? 'ok' : 'problem'}"><span aria-hidden="true">${v.publishAt ? '☑' : '☐'}</span> ${v.publishAt ? html`Publication at ${when(v.publishAt, tz)}${v.isPublic ? ' (public now)' : ''}.` : html`<a href="#pub-h">No publication time: schedule it below.</a>`}</li>
    </ul>
    <p class="hint approval-rule">${APPROVAL_RULE}</p></section>`;
}

function overview(v: AdvisoryView, viewer: Viewer, tz: string, cveRecords: Html): Html {
  const base = `/desk/advisories/${enc(v.id)}`;
  const csrf = hiddenCsrf(viewer);
  const versionOptions = v.versions.map((x) => html`<option value="${x.version}">${x.version}</option>`);
  return html`
    <p><a href="/cases/${enc(v.reportId)}">Back to ${v.incidentRef}</a> · <a href="/cases/${enc(v.reportId)}/advisories">All advisories of ${v.incidentRef}</a></p>
    ${facts([
      ['Advisory id', v.publicId],
      ['State', STATE_WORDS[v.state] ?? v.state],
      ['Latest version', String(v.headVersion)],
      ['Approved version', v.approvedVersion ? String(v.approvedVersion) : null],
      ['Published version', v.publishedVersion ? String(v.publishedVersion) : null],
      ['Public from', v.publishAt ? when(v.publishAt, tz) : null],
    ])}
    <p class="actions-row">${v.can.edit ? html`<a href="${base}/edit">Edit (new version)</a> · ` : ''}<a href="${base}/versions/${v.headVersion}">Preview version ${v.headVersion}</a>
      · Download: ${EXPORT_FORMATS.map((f, i) => html`${i ? ', ' : ''}<a href="${base}/export?format=${f}">${f}</a>`)}</p>
    ${checklist(v, tz)}
    <section aria-labelledby="versions-h" class="card"><h2 id="versions-h">Versions</h2>
      <table><thead><tr><th scope="col">Version</th><th scope="col">By</th><th scope="col">When</th><th scope="col">What changed</th><th scope="col"><span class="visually-hidden">Preview and changes</span></th></tr></thead>
      <tbody>${v.versions.map(
        (
          x,
        ) => html`<tr><td>${x.version}</td><td>${x.author ?? html`<span class="muted">the desk</span>`}</td><td>${when(x.at, tz)}</td><td>${x.comment ?? ''}</td>
        <td><a href="${base}/versions/${x.version}">preview</a>${x.version > 1 ? html` · <a href="${base}/diff?from=${x.version - 1}&amp;to=${x.version}">changes</a>` : ''}</td></tr>`,
      )}</tbody></table>
      <form method="get" action="${base}/diff" class="inline">
        <label for="diff-from">Compare version</label> <select id="diff-from" name="from">${versionOptions}</select>
        <label for="diff-to">with version</label> <select id="diff-to" name="to">${versionOptions}</select>
        <button type="submit" class="secondary">Show changes</button>
      </form>
    </section>
    <section aria-labelledby="review-h" class="card"><h2 id="review-h">Review</h2>
      ${v.reviews.length ? html`<ul>${v.reviews.map((r) => html`<li>Version ${r.version}: <strong>${r.verdict === 'approved' ? 'approved' : 'changes requested'}</strong> by ${r.reviewer}, ${when(r.at, tz)}${r.comment ? html` — ${r.comment}` : ''}</li>`)}</ul>` : html`<p class="muted">No review yet.</p>`}
      ${
        v.can.approve || v.can.requestChanges
          ? html`<form method="post" action="${base}/review" class="stack">${csrf}<input type="hidden" name="version" value="${v.headVersion}">
            <fieldset><legend>Your review of version ${v.headVersion}</legend>
              ${v.can.approve ? html`<div class="choice"><label><input type="radio" name="verdict" value="approved" checked> Approve</label></div>` : ''}
              <div class="choice"><label><input type="radio" name="verdict" value="changes_requested"${v.can.approve ? '' : html` checked`}> Request changes</label></div>
            </fieldset>
            <div class="field"><label for="review-comment">Comment</label><textarea id="review-comment" name="comment" rows="3"></textarea></div>
            <p><button type="submit">Send the review</button></p></form>`
          : html`<p class="muted">${v.state === 'withdrawn' ? 'The advisory is withdrawn.' : 'You wrote the latest version: a second team member reviews it.'}</p>`
      }
    </section>
    <section aria-labelledby="circ-h" class="card"><h2 id="circ-h">Circulate a draft</h2>
      ${
        v.circulations.length
          ? scrollTable(
              'Circulations sent so far',
              html`<table><caption>Sent so far</caption><thead><tr><th scope="col">Version</th><th scope="col">To</th><th scope="col">By</th><th scope="col">When</th></tr></thead>
            <tbody>${v.circulations.map((c) => html`<tr><td>${c.version}</td><td>${c.audience}: ${c.recipients.to.join(', ')}${c.recipients.cc.length ? ` (cc ${c.recipients.cc.join(', ')})` : ''}</td><td>${c.sentBy ?? ''}</td><td>${when(c.at, tz)}</td></tr>`)}</tbody></table>`,
            )
          : html`<p class="muted">Not circulated yet.</p>`
      }
      <form method="post" action="${base}/circulate" class="stack">${csrf}
        <fieldset><legend>Send to</legend>
          <div class="choice"><label><input type="radio" name="audience" value="reporter" checked> The reporter (their status page, and mail if they gave an address)</label></div>
          <div class="choice"><label><input type="radio" name="audience" value="stakeholders"> Stakeholders (never told who reported)</label></div>
        </fieldset>
        <div class="field"><label for="circ-version">Version</label><select id="circ-version" name="version">${v.versions.map((x) => html`<option value="${x.version}"${x.version === v.headVersion ? html` selected` : ''}>${x.version}</option>`)}</select></div>
        <div class="field"><label for="circ-recipients">Stakeholder addresses</label><p class="hint">One per line or comma-separated; empty: the members of the projects' ESS and trusted teams.</p><textarea id="circ-recipients" name="recipients" rows="2"></textarea></div>
        <div class="field"><label for="circ-message">Note above the draft</label><textarea id="circ-message" name="message" rows="3"></textarea></div>
        <p><button type="submit">Send version</button></p>
      </form>
    </section>
    <section aria-labelledby="pub-h" class="card"><h2 id="pub-h">Publication</h2>
      ${
        v.can.schedule
          ? html`<form method="post" action="${base}/schedule" class="stack">${csrf}
            <div class="field"><label for="pub-at">Publish at (${tz})</label><p class="hint">Date and time in ${tz}, your time zone (set it on your profile page); empty: now, or the end of the embargo agreed with the reporter. ${v.isPublic ? 'The advisory is public: an update is published at once.' : ''}</p>
              <input id="pub-at" name="publishAt" type="datetime-local" step="60"><input type="hidden" name="publishZone" value="${tz}"></div>
            <div class="choice"><label><input type="checkbox" name="notifyReporter" value="1"> Send the disclosure notification to the reporter (it asks how they want to be credited)</label></div>
            <p><button type="submit">Schedule publication of version ${v.headVersion}</button></p></form>`
          : html`<p class="muted">Publication needs the latest version approved and nothing missing (see the list above).</p>`
      }
      ${
        v.can.withdraw
          ? html`<form method="post" action="${base}/withdraw" class="stack">${csrf}
            <div class="field"><label for="wd-reason">Reason for withdrawal</label><textarea id="wd-reason" name="reason" rows="2"></textarea></div>
            <p><button type="submit" class="secondary">Withdraw the advisory</button></p></form>`
          : ''
      }
      ${
        v.can.assignCve
          ? html`<form method="post" action="${base}/cve" class="inline">${csrf}<button type="submit" class="secondary">Assign a CVE id from the team's pool</button></form>`
          : ''
      }
    </section>
    ${cveRecords}`;
}

/** Runs a page; "not found" becomes the 404 page, other refusals the error page (a server fault logged first). */
export async function advisoryPage({ viewer, reply }: PageInput, fn: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof EmbargoError && e.code === 'not_found') return notFoundPage(reply, viewer);
    const problem = pageProblem(reply.request, e);
    return refusedPage({ viewer, reply }, problem.status, problem.message);
  }
}

/** A refusal where there is no form to draw again. */
export function refusedPage({ viewer, reply }: Pick<PageInput, 'viewer' | 'reply'>, status: number, message: string): FastifyReply {
  return sendHtml(
    reply,
    status,
    layout({ title: 'Refused', viewer, error: message, body: html`<p><a href="/">Back to the queue</a></p>` }),
  );
}

/** The overview page of one advisory, with a confirmation or a refusal. */
export async function showOverview(input: PageInput, status: number, flash: string | null, error: string | null) {
  const { ctx, viewer, reply } = input;
  const id = input.params.id!;
  const v = await advisoryView(ctx, id);
  const tz = zoneOf(viewer);
  return sendHtml(
    reply,
    status,
    layout({
      title: `Advisory ${v.publicId}: ${v.head.document.title}`,
      viewer,
      flash,
      error,
      body: overview(v, viewer, tz, await cveRecordsSection(ctx, v, viewer, tz)),
    }),
  );
}
