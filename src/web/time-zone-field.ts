import { formerTimeZoneName, timeZoneNames } from '../domain/time-zones.ts';
import { html, type Html } from './html.ts';
import { input, uid, type InputOptions } from './common.ts';

// The one time zone picker of the pages: a text field with the IANA names as suggestions
// (<input list> and a <datalist>), so a browser filters the four hundred zones as one types and a
// page without a browser's help still takes a typed name. A renamed zone's old name is the
// suggestion's label, so typing "Calcutta" finds Asia/Kolkata.

export function timeZoneField(o: Omit<InputOptions, 'attrs' | 'type'>): Html {
  const listId = uid('time-zones');
  return html`${input({ ...o, autocomplete: 'off', attrs: html`list="${listId}" spellcheck="false"` })}
<datalist id="${listId}">${timeZoneNames().map((z) => {
    const former = formerTimeZoneName(z);
    return former ? html`<option value="${z}" label="${z} (formerly ${former})"></option>` : html`<option value="${z}"></option>`;
  })}</datalist>`;
}
