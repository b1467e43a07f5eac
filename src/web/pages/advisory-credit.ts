import { REPORTER_CREDIT_CHOICES } from '../../domain/reporter-facing.ts';
import { html, type Html } from '../html.ts';

// The reporter's status page asks how they want to be credited in the advisory (the disclosure
// notification points them here). The form posts to /status/:token/credit (src/web/pages/reporter-status.ts).

export function creditPreferenceSection(token: string, credit: { preference: string; alias: string | null }): Html {
  return html`<section aria-labelledby="credit-h" class="card" id="credit">
    <h2 id="credit-h">How to credit you</h2>
    <p>The published advisory acknowledges the person who reported the vulnerability as you choose here. You can change it until the advisory is published (and ask the team for an update afterwards).</p>
    <form method="post" action="/status/${token}/credit" class="stack">
      <fieldset><legend>How to credit you in the advisory</legend>
        ${REPORTER_CREDIT_CHOICES.map((c) => html`<div class="choice"><label><input type="radio" name="preference" value="${c.value}"${c.value === credit.preference ? html` checked` : ''}> ${c.label}</label></div>`)}
      </fieldset>
      <div class="field"><label for="credit-alias">Other name or handle</label>
        <p class="hint">Used with "by my handle or another name"; empty: the handle you gave with your report.</p>
        <input id="credit-alias" name="alias" value="${credit.alias ?? ''}"></div>
      <p><button type="submit">Save my credit preference</button></p>
    </form>
  </section>`;
}
