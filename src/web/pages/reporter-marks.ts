import type { ReporterView } from '../../app/intake/intake.ts';
import { labelOf } from '../../domain/sensitive.ts';
import { html, type Html } from '../html.ts';
import { input, textarea } from '../common.ts';

// The reporter's part of need-to-know on their status page: what they asked the desk to keep from
// everyone outside the security teams, and a form to add to it. Their name, address, organisation and
// product are kept out without asking.

export function reporterMarksSection(token: string, marks: ReporterView['marks'], draft: { value: string; name: string }): Html {
  const base = `/status/${encodeURIComponent(token)}/marks`;
  return html`<section aria-labelledby="marks-h" class="card" id="marks">
    <h2 id="marks-h">Keep something out of what others read</h2>
    <p>The security team may need to involve people outside it — a developer, the vendors they warn before publication — and in the end
      publishes an advisory. None of them read your name, your address, your organisation or its product: they read <code>[reporter]</code>,
      <code>[organisation]</code>, <code>[product]</code>. Name anything else here (a customer, a host name, a sentence) and they read a label instead.</p>
    ${
      marks.length
        ? html`<ul class="marks">${marks.map(
            (
              m,
            ) => html`<li><span class="sensitive-value">${m.value}</span> — others read <code>${labelOf({ kind: m.kind as 'reporter-marked', name: m.name })}</code>
          <form method="post" action="${base}/${m.id}/remove" class="inline"><button type="submit" class="secondary">Take back</button></form></li>`,
          )}</ul>`
        : ''
    }
    <form method="post" action="${base}" class="stack">
      ${textarea({ name: 'value', label: 'What to keep out', required: true, rows: 2, value: draft.value })}
      ${input({ name: 'name', label: 'What it is (shown in its place)', value: draft.name, hint: '"customer" makes others read [sensitive: customer].' })}
      <p><button type="submit">Keep it out</button></p>
    </form>
  </section>`;
}
