import type { CaseView } from '../../app/cases/queries.ts';
import {
  incidentScoring,
  removeCvssVector,
  saveCvssVector,
  scoreVector,
  type IncidentScoring,
  type ScoredVector,
  type VectorScore,
} from '../../app/scoring/scoring.ts';
import { CVSS_VERSIONS, type CvssVersion } from '../../domain/cvss.ts';
import { html, raw, type Html } from '../html.ts';
import {
  field,
  FormRefusal,
  hiddenCsrf,
  layout,
  notFoundPage,
  problemOf,
  scrollTable,
  sendHtml,
  uid,
  zoneOf,
  type Viewer,
} from '../common.ts';
import { formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { when } from '../format.ts';

// The CVSS calculator of an incident, without JavaScript: one form per CVSS version with a radio
// group per base metric (pre-selected from the incident's vector), and a field to paste a whole
// vector. "Compute" posts the choice and shows the vector, its score and what this desk's profile
// makes of it (severity, priority); "Save to incident" stores it through the scoring use case, so
// the severity, priority and resolution target follow. It is shown in a section of the case page
// and, after Compute, on its own page /cases/:reportId/cvss.
//
// Compute is a POST with the CSRF token (not a GET form) so that what is being scored never lands
// in a URL, a browser history or an access log.

interface MetricUi {
  key: string;
  name: string;
  values: readonly (readonly [value: string, label: string])[];
}

const IMPACT = [
  ['H', 'High'],
  ['L', 'Low'],
  ['N', 'None'],
] as const;

/** Base metrics in the specifications' order (CVSS 3.1 §2, CVSS 4.0 §2), with their names. */
const BASE_METRICS: Record<CvssVersion, readonly MetricUi[]> = {
  '3.1': [
    {
      key: 'AV',
      name: 'Attack Vector',
      values: [
        ['N', 'Network'],
        ['A', 'Adjacent'],
        ['L', 'Local'],
        ['P', 'Physical'],
      ],
    },
    {
      key: 'AC',
      name: 'Attack Complexity',
      values: [
        ['L', 'Low'],
        ['H', 'High'],
      ],
    },
    {
      key: 'PR',
      name: 'Privileges Required',
      values: [
        ['N', 'None'],
        ['L', 'Low'],
        ['H', 'High'],
      ],
    },
    {
      key: 'UI',
      name: 'User Interaction',
      values: [
        ['N', 'None'],
        ['R', 'Required'],
      ],
    },
    {
      key: 'S',
      name: 'Scope',
      values: [
        ['U', 'Unchanged'],
        ['C', 'Changed'],
      ],
    },
    { key: 'C', name: 'Confidentiality', values: IMPACT },
    { key: 'I', name: 'Integrity', values: IMPACT },
    { key: 'A', name: 'Availability', values: IMPACT },
  ],
  '4.0': [
    {
      key: 'AV',
      name: 'Attack Vector',
      values: [
        ['N', 'Network'],
        ['A', 'Adjacent'],
        ['L', 'Local'],
        ['P', 'Physical'],
      ],
    },
    {
      key: 'AC',
      name: 'Attack Complexity',
      values: [
        ['L', 'Low'],
        ['H', 'High'],
      ],
    },
    {
      key: 'AT',
      name: 'Attack Requirements',
      values: [
        ['N', 'None'],
        ['P', 'Present'],
      ],
    },
    {
      key: 'PR',
      name: 'Privileges Required',
      values: [
        ['N', 'None'],
        ['L', 'Low'],
        ['H', 'High'],
      ],
    },
    {
      key: 'UI',
      name: 'User Interaction',
      values: [
        ['N', 'None'],
        ['P', 'Passive'],
        ['A', 'Active'],
      ],
    },
    { key: 'VC', name: 'Vulnerable System Confidentiality', values: IMPACT },
    { key: 'VI', name: 'Vulnerable System Integrity', values: IMPACT },
    { key: 'VA', name: 'Vulnerable System Availability', values: IMPACT },
    { key: 'SC', name: 'Subsequent System Confidentiality', values: IMPACT },
    { key: 'SI', name: 'Subsequent System Integrity', values: IMPACT },
    { key: 'SA', name: 'Subsequent System Availability', values: IMPACT },
  ],
};

/** The flash message of the case page after a save or a removal (?done=incident.cvss). */
export const CVSS_DONE: Record<string, string> = {
  'incident.cvss': 'CVSS saved: the severity, priority and resolution target follow from the score.',
};

/** What the person chose or typed, and what came of it (after Compute, or a refused Save). */
export interface CalculatorState {
  /** The form that was sent: one version's radio groups, or the pasted vector. */
  form: CvssVersion | 'paste';
  chosen: Record<string, string>;
  /** Threat/temporal/environmental metrics of the incident's vector, kept when base metrics change. */
  extra: string;
  pasted: string;
  result: VectorScore | null;
  error: string | null;
}

interface CalculatorOptions {
  /** Where the forms post: /cases/:reportId/cvss. */
  action: string;
  viewer: Viewer;
  vectors: readonly ScoredVector[];
  canSave: boolean;
  state?: CalculatorState | null;
}

/** "CVSS:3.1/AV:N/AC:L/..." → { AV: 'N', AC: 'L', ... } (the vector is one the desk already checked). */
function metricsOf(vector: string): Map<string, string> {
  return new Map(
    vector
      .split('/')
      .slice(1)
      .map((part) => part.split(':') as [string, string]),
  );
}

const BASE_KEYS = (version: CvssVersion) => new Set(BASE_METRICS[version].map((m) => m.key));

/** The metrics of a vector beyond the base group, as written ("E:A/CR:H"), to keep them on save. */
function extraOf(vector: string | undefined, version: CvssVersion): string {
  if (!vector) return '';
  return [...metricsOf(vector)]
    .filter(([k]) => !BASE_KEYS(version).has(k))
    .map(([k, v]) => `${k}:${v}`)
    .join('/');
}

function scoreLine(s: ScoredVector): Html {
  return html`<strong class="cvss-score">${s.score.toFixed(1)}</strong> <span class="badge severity-${s.severity}">${s.severity}</span> <span class="muted">${s.description}</span>`;
}

function currentTable(vectors: readonly ScoredVector[]): Html {
  if (vectors.length === 0) return html`<p class="muted">Not scored yet.</p>`;
  return scrollTable(
    "The incident's CVSS vectors",
    html`<table class="cvss-current">
    <caption>The incident's CVSS vectors</caption>
    <thead><tr><th scope="col">Version</th><th scope="col">Vector</th><th scope="col">Score</th></tr></thead>
    <tbody>${vectors.map((v) => html`<tr><td>CVSS ${v.version}</td><td><code>${v.vector}</code></td><td>${scoreLine(v)}</td></tr>`)}</tbody>
  </table>`,
  );
}

function resultBox(r: VectorScore): Html {
  const desk = r.profile
    ? html`On this desk: severity <strong>${r.profile.severity}</strong>${r.profile.priority ? html`, priority <strong>${r.profile.priority}</strong>` : ''}${r.profile.resolutionDays ? html` (resolution target ${r.profile.resolutionDays} days)` : ''}.`
    : html`No severity of this desk's profile covers this score: it cannot be saved to the incident.`;
  return html`<div class="cvss-result" role="status" aria-live="polite">
    <h3>Computed</h3>
    <p><code class="cvss-vector">${r.vector}</code></p>
    <p>${scoreLine(r)}</p>
    <p>${desk}</p>
  </div>`;
}

function buttons(canSave: boolean): Html {
  return html`<p class="cvss-buttons"><button type="submit" name="op" value="compute">Compute</button>
    ${canSave ? html` <button type="submit" name="op" value="save">Save to incident</button>` : ''}</p>`;
}

function versionForm(version: CvssVersion, o: CalculatorOptions): Html {
  const s = o.state?.form === version ? o.state : null;
  const current = o.vectors.find((v) => v.version === version);
  const chosen = s ? new Map(Object.entries(s.chosen)) : current ? metricsOf(current.vector) : new Map<string, string>();
  const extra = s ? s.extra : extraOf(current?.vector, version);
  const open = s !== null || (o.state == null && current !== undefined);
  return html`<details class="cvss-version"${open ? raw(' open') : ''}>
    <summary>CVSS ${version} calculator${current ? html` <span class="muted">(current: ${current.score.toFixed(1)} ${current.severity})</span>` : ''}</summary>
    <form method="post" action="${o.action}" class="cvss-calculator" aria-label="CVSS ${version} calculator">
      ${hiddenCsrf(o.viewer)}
      <input type="hidden" name="form" value="${version}">
      ${BASE_METRICS[version].map((m) => {
        const id = uid(`cvss${version.replace('.', '')}-${m.key}`);
        return html`<fieldset class="cvss-metric">
          <legend>${m.name} (${m.key})</legend>
          ${m.values.map(([value, label]) => html`<span class="choice"><label for="${id}-${value}"><input type="radio" id="${id}-${value}" name="${m.key}" value="${value}"${chosen.get(m.key) === value ? raw(' checked') : ''} required> ${label} (${value})</label></span>`)}
        </fieldset>`;
      })}
      ${extra ? html`<input type="hidden" name="extra" value="${extra}"><p class="hint">Kept from the incident's vector (threat and environmental metrics): <code>${extra}</code>. To change them, paste the whole vector below.</p>` : ''}
      ${buttons(o.canSave)}
    </form>
  </details>`;
}

function pasteForm(o: CalculatorOptions): Html {
  const s = o.state?.form === 'paste' ? o.state : null;
  const id = uid('cvss-vector');
  return html`<form method="post" action="${o.action}" class="cvss-paste" aria-label="Score a pasted CVSS vector">
    ${hiddenCsrf(o.viewer)}
    <input type="hidden" name="form" value="paste">
    <div class="field"><label for="${id}">Paste a CVSS 3.1 or 4.0 vector</label>
      <p class="hint" id="${id}-hint">Any metric groups, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</p>
      <input id="${id}" name="vector" type="text" maxlength="400" autocomplete="off" spellcheck="false" aria-describedby="${id}-hint" value="${s?.pasted ?? ''}" required></div>
    ${buttons(o.canSave)}
  </form>`;
}

function removeForms(o: CalculatorOptions): Html {
  if (!o.canSave || o.vectors.length === 0) return html``;
  return html`<div class="cvss-remove">${o.vectors.map(
    (v) => html`<form method="post" action="${o.action}" class="inline">
    ${hiddenCsrf(o.viewer)}<input type="hidden" name="form" value="${v.version}"><input type="hidden" name="op" value="remove">
    <button type="submit" class="link">Remove the CVSS ${v.version} vector</button></form>`,
  )}</div>`;
}

/** The calculator: current vectors, the result of the last Compute, one form per version, the paste field. */
export function cvssCalculator(o: CalculatorOptions): Html {
  const s = o.state;
  return html`${currentTable(o.vectors)}
    ${s?.error ? html`<p class="field-error" role="alert">${s.error}</p>` : ''}
    ${s?.result ? resultBox(s.result) : ''}
    ${CVSS_VERSIONS.map((v) => versionForm(v, o))}
    ${pasteForm(o)}
    ${removeForms(o)}
    ${o.canSave ? '' : html`<p class="muted">You can compute scores here; saving them is for the people who may change this incident's severity.</p>`}
    <p class="muted">Weakness types: <a href="/cwe">search the CWE list</a>.</p>`;
}

/** The section of the case page (an incident only). */
export function cvssSection(v: CaseView, viewer: Viewer): Html {
  if (!v.incident) return html``;
  return html`<section aria-labelledby="cvss-h" id="cvss" class="card">
    <h2 id="cvss-h">Severity score (CVSS)</h2>
    ${cvssCalculator({ action: `/cases/${v.reportId}/cvss`, viewer, vectors: v.incident.cvss, canSave: v.actions.includes('incident.change_severity') })}
  </section>`;
}

/**
 * The vector a form describes: the pasted text, or "CVSS:<version>/" and the chosen base metrics in
 * the specification's order, then the kept extra metrics. Unchosen or unknown values are refused here
 * with the metric's name (a tampered value such as "N/AV:L" never reaches the vector).
 */
export function vectorFromForm(body: unknown): { state: CalculatorState; vector: string | null } {
  const form = field(body, 'form');
  const state: CalculatorState = { form: '3.1', chosen: {}, extra: '', pasted: '', result: null, error: null };
  if (form === 'paste') {
    state.form = 'paste';
    state.pasted = field(body, 'vector').slice(0, 400);
    if (state.pasted.trim() === '') return { state: { ...state, error: 'Paste a vector first.' }, vector: null };
    return { state, vector: state.pasted };
  }
  if (form !== '3.1' && form !== '4.0') return { state: { ...state, error: 'Choose CVSS 3.1 or 4.0.' }, vector: null };
  state.form = form;
  const problems: string[] = [];
  const parts: string[] = [`CVSS:${form}`];
  for (const m of BASE_METRICS[form]) {
    const value = field(body, m.key);
    if (value === '') {
      problems.push(`choose a value for ${m.name}`);
      continue;
    }
    if (!m.values.some(([x]) => x === value)) {
      problems.push(`${m.name} has no value "${value.slice(0, 20)}"`);
      continue;
    }
    state.chosen[m.key] = value;
    parts.push(`${m.key}:${value}`);
  }
  const extra = field(body, 'extra').trim();
  if (extra !== '' && !/^[A-Za-z]{1,4}:[A-Za-z]{1,6}(?:\/[A-Za-z]{1,4}:[A-Za-z]{1,6}){0,30}$/.test(extra))
    problems.push('the kept metrics are not METRIC:VALUE pairs');
  else state.extra = extra;
  if (problems.length) return { state: { ...state, error: `To compute, ${problems.join('; ')}.` }, vector: null };
  if (state.extra) parts.push(state.extra);
  return { state, vector: parts.join('/') };
}

function calculatorPage(s: IncidentScoring, viewer: Viewer, tz: string, state: CalculatorState | null): Html {
  return html`<p class="muted"><a href="/cases/${s.reportId}">← ${s.ref}: ${s.title}</a></p>
    <section aria-labelledby="now-h" class="card">
      <h2 id="now-h">Now</h2>
      <dl class="facts">
        <div><dt>Severity</dt><dd>${s.severity ?? '—'}</dd></div>
        <div><dt>Priority</dt><dd>${s.priority ?? '—'}</dd></div>
        <div><dt>Resolution due</dt><dd>${s.resolutionDueAt ? when(s.resolutionDueAt, tz) : '—'}</dd></div>
      </dl>
    </section>
    <section aria-labelledby="calc-h" id="cvss" class="card">
      <h2 id="calc-h">Calculator</h2>
      ${cvssCalculator({ action: `/cases/${s.reportId}/cvss`, viewer, vectors: s.vectors, canSave: s.canChange, state })}
    </section>`;
}

async function show({ ctx, viewer, reply, params }: PageInput, status: number, state: CalculatorState | null) {
  let s: IncidentScoring;
  try {
    s = await incidentScoring(ctx, params.reportId!);
  } catch (e) {
    if (problemOf(e).status === 404) return notFoundPage(reply, viewer);
    throw e;
  }
  const tz = zoneOf(viewer);
  return sendHtml(
    reply,
    status,
    layout({
      // A refusal is shown inside the calculator, next to the forms it concerns.
      title: `${s.ref}: CVSS calculator`,
      viewer,
      body: calculatorPage(s, viewer, tz, state),
    }),
  );
}

/** What the calculator's form holds, for drawing it again. */
function stateOf(body: unknown): CalculatorState {
  if (field(body, 'op') === 'remove') {
    return { form: field(body, 'form') === '4.0' ? '4.0' : '3.1', chosen: {}, extra: '', pasted: '', result: null, error: null };
  }
  return vectorFromForm(body).state;
}

const toCase = (params: Record<string, string>) => `/cases/${params.reportId}`;

export const cvssCalculatorPages = definePages([
  {
    method: 'GET',
    url: '/cases/:reportId/cvss',
    policy: 'signed-in',
    signInNext: toCase,
    handler: async (input) => show(input, 200, null),
  },
  // One form, three buttons: remove a saved vector, save the vector to the incident, or only compute
  // it (answered on this page, nothing saved).
  formPost({
    url: '/cases/:reportId/cvss',
    policy: 'signed-in',
    signInNext: toCase,
    run: async (input): Promise<{ computed: CalculatorState } | null> => {
      const { ctx, params, body } = input;
      const reportId = params.reportId!;
      const op = field(body, 'op');
      if (op === 'remove') {
        await removeCvssVector(ctx, reportId, { version: field(body, 'form') });
        return null;
      }
      if (op !== 'compute' && op !== 'save')
        throw new FormRefusal({ status: 400, code: 'bad_request', message: 'Press Compute or Save to incident.' });
      const { state, vector } = vectorFromForm(body);
      if (vector === null) throw new FormRefusal({ status: 400, code: 'validation_failed', message: state.error ?? '' });
      if (op === 'save') {
        await saveCvssVector(ctx, reportId, { vector });
        return null;
      }
      return { computed: { ...state, result: await scoreVector(ctx, { vector }) } };
    },
    // show() answers "not found" for a case this person may not see, whatever was computed.
    done: (r, input) => (r ? show(input, 200, r.computed) : `/cases/${encodeURIComponent(input.params.reportId!)}?done=incident.cvss#cvss`),
    refused: (input, { problem }) => show(input, problem.status, { ...stateOf(input.body), result: null, error: problem.message }),
  }),
]);
