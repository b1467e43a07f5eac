import type { Ctx } from '../../app/context.ts';
import type { CaseView } from '../../app/cases/queries.ts';
import { caseKeyCandidates, confirmKey, dismissKey, type StoredKey } from '../../app/keys/keys.ts';
import { html, type Html } from '../html.ts';
import { at as when } from '../case-words.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { hiddenCsrf, type Viewer } from '../common.ts';
import { formPost } from '../form-action.ts';
import type { PageRoute } from '../route.ts';
import type { showCase } from './case.ts';

// The case page's section on keys the reporter offered by mail (an Autocrypt header or an attached
// key). Such a key is a candidate: nothing is encrypted to it until a member who may see the
// reporter's identity confirms it, having checked its fingerprint with the reporter by another
// channel, since whoever can forge the mail can forge the key. The member can also dismiss it.

export const CASE_KEY_DONE: Record<string, string> = {
  'key-confirmed': "The reporter's key is confirmed: mail to the reporter is encrypted to it from now on.",
  'key-dismissed': 'The key is dismissed: it is never used, and offered again it stays dismissed.',
};

const SOURCE_WORDS: Record<StoredKey['source'], string> = {
  autocrypt: 'Autocrypt header of their mail',
  attachment: 'key attached to their mail',
  upload: 'uploaded',
  stakeholder: "a stakeholder organisation's alias key",
};

/** 40 hex digits as ten groups of four, the way gpg --fingerprint prints them and people read them aloud. */
export function groupedFingerprint(fpr: string): string {
  const groups =
    fpr
      .replace(/\s+/g, '')
      .toUpperCase()
      .match(/.{1,4}/g) ?? [];
  return groups.length === 10 ? `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}` : groups.join(' ');
}

function usability(k: StoredKey): Html {
  if (!k.usability.usable)
    return html`<strong>Not usable: ${(k.usability.reason ?? k.usability.code ?? 'unknown reason').replace(/\.+$/, '')}.</strong>`;
  return k.usability.code === 'weak_warning' && k.usability.reason
    ? html`Usable for encryption, with a warning: ${k.usability.reason.replace(/\.+$/, '')}.`
    : html`Usable for encryption.`;
}

function keyCard(k: StoredKey, v: CaseView, reporterEmail: string | null, viewer: Viewer, tz: string): Html {
  const matches = reporterEmail !== null && reporterEmail.toLowerCase() === k.email.toLowerCase();
  const base = `/cases/${encodeURIComponent(v.reportId)}/keys/${encodeURIComponent(k.id)}`;
  return html`<div class="offered-key" id="key-${k.id}">
    <dl class="facts">
      <div><dt>Fingerprint</dt><dd><code class="fingerprint">${groupedFingerprint(k.fingerprint)}</code></dd></div>
      <div><dt>User IDs</dt><dd>${k.userIds.length ? html`<ul>${k.userIds.map((u) => html`<li>${u}</li>`)}</ul>` : html`<span class="muted">none</span>`}</dd></div>
      <div><dt>Offered for</dt><dd>${k.email} — ${
        matches
          ? html`matches the reporter's address on this case.`
          : html`<strong>does not match the reporter's address on this case${reporterEmail ? html` (${reporterEmail})` : ' (none given)'}.</strong>`
      }</dd></div>
      <div><dt>Came as</dt><dd>${SOURCE_WORDS[k.source]}</dd></div>
      <div><dt>Algorithm</dt><dd>${k.algorithm}</dd></div>
      <div><dt>Received</dt><dd>${when(k.createdAt.toISOString(), tz)}</dd></div>
      <div><dt>Expires</dt><dd>${k.expiresAt ? when(k.expiresAt.toISOString(), tz) : html`<span class="muted">never</span>`}</dd></div>
      <div><dt>State</dt><dd>${k.status === 'confirmed' ? html`<strong>Confirmed</strong>: mail to the reporter is encrypted to it.` : 'Not confirmed: nothing is encrypted to it yet.'} ${usability(k)}</dd></div>
    </dl>
    ${
      k.status === 'candidate'
        ? html`<div class="actions-row">
      ${
        k.usability.usable
          ? html`<form method="post" action="${base}/confirm" class="inline">${hiddenCsrf(viewer)}<button type="submit">I checked the fingerprint with the reporter: confirm this key</button></form>`
          : ''
      }
      <form method="post" action="${base}/dismiss" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">Dismiss this key</button></form>
    </div>`
        : ''
    }
  </div>`;
}

/**
 * The section, for those who see the reporter's identity; nothing for anyone else (the key and its
 * user IDs name the reporter) and nothing when no key was offered.
 */
export async function caseKeysSection(ctx: Ctx, v: CaseView, viewer: Viewer, tz: string): Promise<Html> {
  if ('redacted' in v.reporter) return html``;
  const keys = await caseKeyCandidates(ctx, v.reportId);
  if (keys.length === 0) return html``;
  const reporterEmail = v.reporter.email;
  return html`<section aria-labelledby="keys-h" class="card" id="reporter-keys"><h2 id="keys-h">Reporter's OpenPGP key offered by mail</h2>
    <p>A key that came with the reporter's mail proves nothing by itself: whoever can send mail in their name can attach a key.
      <strong>Before you confirm it, compare the fingerprint with the reporter out of band</strong> — by phone, a video call, a chat you already trust,
      or their own web page — never by replying to the mail that carried the key. If the fingerprint differs, or nobody asked for it, dismiss it.</p>
    ${keys.map((k) => keyCard(k, v, reporterEmail, viewer, tz))}
  </section>`;
}

/** The confirm and dismiss forms; a refusal redraws the case page with the reason. */
export function caseKeyForms(show: typeof showCase): PageRoute[] {
  return (['confirm', 'dismiss'] as const).map((slug) =>
    formPost({
      url: `/cases/:reportId/keys/:keyId/${slug}`,
      policy: 'signed-in',
      signInNext: (params) => `/cases/${params.reportId}`,
      run: async ({ ctx, params }) => {
        // The key must belong to this case: a key id from another case is "not found" here.
        const offered = await caseKeyCandidates(ctx, params.reportId!);
        if (!offered.some((k) => k.id === params.keyId)) throw new NotFoundError('key');
        await (slug === 'confirm' ? confirmKey(ctx, params.keyId!) : dismissKey(ctx, params.keyId!));
      },
      done: (_r, { params }) =>
        `/cases/${encodeURIComponent(params.reportId!)}?done=key-${slug === 'confirm' ? 'confirmed' : 'dismissed'}#reporter-keys`,
      refused: (input, { values, problem }) => show(input, problem.status, null, { key: `key.${slug}`, values, problem }),
    }),
  );
}
