import { html, type Html } from '../html.ts';

// The reporter's status page asks how they want to be credited in the advisory (the disclosure
// notification points them here). The form posts to /status/:token/credit (src/web/pages/reporter-status.ts).

const CHOICES = [
  { value: 'name', label: 'By the name I reported with' },
  { value: 'handle', label: 'By another name or handle' },
  { value: 'anonymous', label: 'Anonymously (no credit by name)' },
] as const;

export function creditPreferenceSection(token: string, credit: { preference: string; alias: string | null }): Html {
  return html`<section aria-labelledby="credit-h" class="card" id="credit">
    <h2 id="credit-h">How to credit you</h2>
    <p>The published advisory acknowledges the person who reported the vulnerability as you choose here. You can change it until the advisory is published (and ask the team for an update afterwards).</p>
    <form method="post" action="/status/${token}/credit" class="stack">
      <fieldset><legend>Credit me</legend>
        ${CHOICES.map((c) => html`<div class="choice"><label><input type="radio" name="preference" value="${c.value}"${c.value === credit.preference ? html` checked` : ''}> ${c.label}</label></div>`)}
      </fieldset>
      <div class="field"><label for="credit-alias">Other name or handle</label>
        <p class="hint">Used with "another name or handle"; empty: the handle you gave with your report.</p>
        <input id="credit-alias" name="alias" value="${credit.alias ?? ''}"></div>
      <p><button type="submit">Save my credit preference</button></p>
    </form>
  </section>`;
}
