import type { App } from '../../app/context.ts';
import { confirmKey, myKeys, removeMyKey, uploadMyKey } from '../../app/keys/keys.ts';
import { html, type Html } from '../html.ts';
import { ctxOf, field, hiddenCsrf, textarea, zoneOf, type Viewer } from '../common.ts';
import { when } from '../format.ts';
import { doneAt } from '../form-action.ts';
import type { PageRoute } from '../route.ts';
import type { meForm } from './me.ts';

// The /me page's OpenPGP section: your key (mail to you is encrypted to it; without a usable one you
// get only notices that a message waits), keys offered by mail to confirm, upload and removal.

export const KEY_DONE: Record<string, string> = {
  'key-uploaded': 'Your key is saved: mail to you is encrypted to it from now on.',
  'key-confirmed': 'The key is confirmed and replaces any earlier one.',
  'key-removed': 'The key is removed: mail to you becomes notices until you upload another.',
};

export async function myKeySection(app: App, viewer: Viewer): Promise<Html> {
  const keys = await myKeys(ctxOf(app, viewer));
  const confirmed = keys.find((k) => k.status === 'confirmed');
  const candidates = keys.filter((k) => k.status === 'candidate');
  return html`<section class="card" aria-labelledby="key-h"><h2 id="key-h">Your OpenPGP key</h2>
  ${
    confirmed
      ? html`<p><code>${confirmed.fingerprint}</code> (${confirmed.algorithm}) for ${confirmed.email}${confirmed.expiresAt ? html`, expires ${when(confirmed.expiresAt, zoneOf(viewer))}` : ''}:
        ${confirmed.usability.usable ? 'mail to you is encrypted to it.' : html`<strong>not usable (${confirmed.usability.reason ?? confirmed.usability.code}); you get notices only.</strong>`}</p>
       <form method="post" action="/me/keys/${confirmed.id}/remove" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">Remove</button></form>`
      : html`<p><strong>No key yet.</strong> Mail about cases reaches you only as a notice that a message is waiting here.</p>`
  }
  ${candidates.map(
    (k) => html`<p>Offered by mail (${k.source}): <code>${k.fingerprint}</code>. Check the fingerprint is yours before you confirm it.</p>
    <form method="post" action="/me/keys/${k.id}/confirm" class="inline">${hiddenCsrf(viewer)}<button type="submit">Confirm this key</button></form>`,
  )}
  <form method="post" action="/me/keys">${hiddenCsrf(viewer)}
    ${textarea({ name: 'armored', label: 'Upload your public key', required: true, rows: 4, hint: 'gpg --armor --export YOUR@ADDRESS; it must carry one of your addresses and be usable for encryption.' })}
    <button type="submit">Upload key</button>
  </form>
</section>`;
}

/** The key forms, built by the /me page's form helper (its refusal redraws the /me page). */
export function myKeyForms(form: typeof meForm): PageRoute[] {
  return [
    form('/me/keys', {
      run: ({ ctx, body }) => uploadMyKey(ctx, { armored: field(body, 'armored') }),
      done: () => doneAt('/me', 'key-uploaded'),
    }),
    form('/me/keys/:id/confirm', {
      run: ({ ctx, params }) => confirmKey(ctx, params.id!),
      done: () => doneAt('/me', 'key-confirmed'),
    }),
    form('/me/keys/:id/remove', {
      run: ({ ctx, params }) => removeMyKey(ctx, params.id!),
      done: () => doneAt('/me', 'key-removed'),
    }),
  ];
}
