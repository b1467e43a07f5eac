import type { ReporterView } from '../../app/intake/intake.ts';
import { html, type Html } from '../html.ts';
import { when } from '../format.ts';
import type { FormBody } from '../common.ts';
import { timelineFields } from '../timeline-form.ts';

// The disclosure timeline on the reporter's status page: what was agreed, and a proposal of the team
// waiting for their answer — accept it, reject it, or propose other dates.

export function reporterEmbargoSection(token: string, d: ReporterView['disclosure'], typed: FormBody | null): Html {
  if (!d || (!d.open && !d.agreed)) return html``;
  const base = `/status/${encodeURIComponent(token)}/embargo`;
  const list = (p: NonNullable<typeof d.open>) =>
    html`<ul>${p.tiers.map((t) => html`<li>${t.name}: the embargo ends ${when(t.endsAt, p.timeZone)}</li>`)}<li><strong>Public disclosure: ${when(p.publicAt, p.timeZone)}</strong></li></ul>`;
  const waiting = d.open?.by === 'team' ? d.open : null;
  return html`<section aria-labelledby="embargo-h" class="card" id="embargo">
    <h2 id="embargo-h">Disclosure timeline</h2>
    ${d.agreed ? html`<h3>Agreed</h3>${list(d.agreed)}` : ''}
    ${
      waiting
        ? html`<h3>The team proposes</h3>${list(waiting)}${waiting.note ? html`<p>${waiting.note}</p>` : ''}
      <div class="actions-row">
        <form method="post" action="${base}" class="inline"><input type="hidden" name="answer" value="accept"><button type="submit">Accept this timeline</button></form>
        <form method="post" action="${base}" class="inline"><input type="hidden" name="answer" value="reject"><button type="submit" class="secondary">Do not accept it</button></form>
      </div>
      <form method="post" action="${base}" class="stack" aria-label="Propose other dates">
        <h3>Propose other dates</h3><input type="hidden" name="answer" value="counter">
        ${timelineFields(d.tiers, waiting.timeZone, typed)}
        <p><button type="submit">Propose these dates</button></p>
      </form>`
        : d.open
          ? html`<p class="muted">Your proposal waits for the team's answer.</p>`
          : ''
    }
  </section>`;
}
