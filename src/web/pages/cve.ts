import { addCveBlock, listCvePool, removeCveFromPool } from '../../app/cve/pool.ts';
import { checkCveAccount, cveAccountView, setCveAccount } from '../../app/cve/account.ts';
import { reserveFromCna } from '../../app/cve/cna.ts';
import { mayDo } from '../../domain/access.ts';
import { html, type Html } from '../html.ts';
import { field, flashOf, hiddenCsrf, input, layout, scrollTable, sendHtml, textarea, type FormProblem, type Viewer } from '../common.ts';
import { doneAt, formPost, type FormActionDef, type Labels } from '../form-action.ts';
import { definePages, type PageInput, type PagePolicy } from '../route.ts';

// The CVE page: the team's pool of CVE ids (add a reserved block, reserve ids through the CNA
// account, remove a free id) for the central team and admins, and the CNA account at CVE Services
// for admins. The API key is a password field that is never filled in: the page only says whether
// a key is set. Every form calls the same use cases as the API.

const DONE: Record<string, string> = {
  block: 'The block is added to the pool.',
  removed: 'The id is removed from the pool.',
  account: 'The CNA account is saved.',
};

const page = async (
  { ctx, viewer, reply }: PageInput,
  status: number,
  flash: string | null,
  error: string | null,
  extra: Html = html``,
  blockValue = '',
) => {
  const pool = await listCvePool(ctx, {});
  const account = mayDo(viewer.principal!, 'cna_account.manage') ? await cveAccountView(ctx) : null;
  const body = html`${extra}
<section class="card" aria-labelledby="pool-h"><h2 id="pool-h">CVE ids of the team</h2>
  <p>${pool.free} free, ${pool.assigned} assigned. An advisory takes the lowest free id.</p>
  ${
    pool.ids.length
      ? scrollTable(
          'The CVE pool',
          html`<table><caption>The pool, in numeric order</caption>
      <thead><tr><th scope="col">CVE id</th><th scope="col">Source</th><th scope="col">State</th><th scope="col">Advisory</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${pool.ids.map(
        (x) => html`<tr><td>${x.cveId}</td><td>${x.source === 'cna' ? 'CNA account' : 'reserved block'}</td><td>${x.state}</td>
        <td>${x.advisory ?? (x.state === 'assigned' ? html`<span class="muted">assigned</span>` : '')}</td>
        <td>${
          x.state === 'free'
            ? html`<form method="post" action="/cve/pool/${x.cveId}/remove" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="link">Remove</button></form>`
            : ''
        }</td></tr>`,
      )}</tbody></table>`,
        )
      : html`<p class="muted">The pool is empty.</p>`
  }
  <form method="post" action="/cve/pool" class="stack">${hiddenCsrf(viewer)}
    ${textarea({ name: 'block', label: 'Add a reserved block', value: blockValue, rows: 2, hint: 'A range like CVE-2026-1000..CVE-2026-1049, or ids separated by commas or new lines. One id already in the pool refuses the whole block.' })}
    <p><button type="submit">Add to the pool</button></p>
  </form>
  <form method="post" action="/cve/pool/reserve" class="stack">${hiddenCsrf(viewer)}
    ${input({ name: 'amount', label: 'Reserve ids through the CNA account', type: 'number', value: '1', attrs: html`min="1" max="100"`, hint: 'Sequential ids for this year, from CVE Services; they join the pool.' })}
    <p><button type="submit" class="secondary">Reserve</button></p>
  </form>
</section>
${account ? accountSection(viewer, account) : ''}`;
  return sendHtml(reply, status, layout({ title: 'CVE ids', viewer, flash, error, body }));
};

const accountSection = (viewer: Viewer, a: Awaited<ReturnType<typeof cveAccountView>>) => html`
<section class="card" aria-labelledby="cna-h"><h2 id="cna-h">CNA account at CVE Services</h2>
  ${
    a.source === 'config'
      ? html`<p>Set in the configuration file (<code>cveServices</code>), which takes precedence over this page: organisation <strong>${a.shortName}</strong>, user <strong>${a.user}</strong>, at ${a.url}. Change it there.</p>`
      : html`<p>${a.source === 'database' ? html`Organisation <strong>${a.shortName}</strong>, user <strong>${a.user}</strong>; an API key is set.` : 'No CNA account is set up. Teams that are not a CNA ask MITRE or another CNA with the request text of an advisory.'}</p>
  <form method="post" action="/cve/account" class="stack" autocomplete="off">${hiddenCsrf(viewer)}
    ${input({ name: 'url', label: 'CVE Services URL', required: true, value: a.url ?? 'https://cveawg.mitre.org/api', hint: 'The API root: https://cveawg.mitre.org/api, or https://cveawg-test.mitre.org/api to try things out.' })}
    ${input({ name: 'shortName', label: 'Organisation short name', required: true, value: a.shortName ?? '' })}
    ${input({ name: 'user', label: 'User', required: true, value: a.user ?? '', hint: 'The CVE Services user name, usually an e-mail address.' })}
    ${input({ name: 'apiKey', label: 'API key', type: 'password', autocomplete: 'new-password', hint: a.apiKeySet ? 'Leave empty to keep the key that is set (same URL only); it is never shown.' : 'Stored encrypted; never shown again.' })}
    <p><button type="submit">Save the CNA account</button></p>
  </form>`
  }
  ${a.source !== 'none' ? html`<form method="post" action="/cve/account/check" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="secondary">Check the credentials</button></form>` : ''}
</section>`;

const LABELS: Labels = {
  block: ['block', 'The block'],
  amount: ['amount', 'The amount'],
  url: ['url', 'The URL'],
  shortName: ['shortName', 'The short name'],
  user: ['user', 'The user'],
};

/** The refusal as a sentence, with the fields it names (the page has no per-field messages). */
function withDetails(problem: FormProblem): string {
  const details = Object.entries(problem.fields)
    .slice(0, 10)
    .map(([k, m]) => `${k}: ${m}`)
    .join('; ');
  return details ? `${problem.message} (${details})` : problem.message;
}

const cveForm = <R>(o: { url: string; policy: PagePolicy; run: (input: PageInput) => Promise<R>; done: FormActionDef<R>['done'] }) =>
  formPost({
    ...o,
    signInNext: () => '/cve',
    labels: LABELS,
    notFound: 'form',
    refused: (input, { problem }) =>
      page(
        input,
        problem.status,
        null,
        withDetails(problem),
        html``,
        input.request.routeOptions.url === '/cve/pool' ? field(input.body, 'block') : '',
      ),
  });

export const cvePages = definePages([
  {
    method: 'GET',
    url: '/cve',
    policy: 'cve_pool.manage',
    handler: async (input) => page(input, 200, flashOf(input.query, DONE), null),
  },
  cveForm({
    url: '/cve/pool',
    policy: 'cve_pool.manage',
    run: ({ ctx, body }) => addCveBlock(ctx, { block: field(body, 'block') }),
    done: () => doneAt('/cve', 'block'),
  }),
  cveForm({
    url: '/cve/pool/:cveId/remove',
    policy: 'cve_pool.manage',
    run: ({ ctx, params }) => removeCveFromPool(ctx, params.cveId!),
    done: () => doneAt('/cve', 'removed'),
  }),
  formPost({
    url: '/cve/pool/reserve',
    policy: 'cve_pool.manage',
    signInNext: () => '/cve',
    labels: { amount: ['amount', 'The amount'] },
    notFound: 'form',
    run: ({ ctx, body }) => reserveFromCna(ctx, { amount: Number(field(body, 'amount')) }),
    done: (r, input) =>
      page(
        input,
        201,
        `Reserved ${r.added.length}: ${r.added.join(', ')}${r.partial ? ' (fewer than asked: the CNA range is exhausted)' : ''}${r.remainingQuota !== null ? `; ${r.remainingQuota} more may be reserved.` : '.'}`,
        null,
      ),
    refused: (input, { problem }) => page(input, problem.status, null, problem.message),
  }),
  cveForm({
    url: '/cve/account',
    policy: 'cna_account.manage',
    run: ({ ctx, body: b }) =>
      setCveAccount(ctx, { url: field(b, 'url'), shortName: field(b, 'shortName'), user: field(b, 'user'), apiKey: field(b, 'apiKey') }),
    done: () => doneAt('/cve', 'account'),
  }),
  formPost({
    url: '/cve/account/check',
    policy: 'cna_account.manage',
    signInNext: () => '/cve',
    notFound: 'form',
    run: ({ ctx }) => checkCveAccount(ctx),
    done: (r, input) =>
      page(
        input,
        200,
        `CVE Services accepts the credentials: organisation ${r.org} (roles ${r.roles.join(', ') || 'none'}${r.idQuota !== null ? `, id quota ${r.idQuota}` : ''}).`,
        null,
      ),
    refused: (input, { problem }) => page(input, problem.status, null, problem.message),
  }),
]);
