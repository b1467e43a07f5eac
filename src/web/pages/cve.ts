import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addCveBlock, listCvePool, removeCveFromPool } from '../../app/cve/pool.ts';
import { checkCveAccount, cveAccountView, setCveAccount } from '../../app/cve/account.ts';
import { reserveFromCna } from '../../app/cve/cna.ts';
import { mayDo } from '../../domain/access.ts';
import { html, type Html } from '../html.ts';
import {
  ctxOf,
  field,
  hiddenCsrf,
  input,
  layout,
  notFoundPage,
  pageProblem,
  problemOf,
  sendHtml,
  seeOther,
  textarea,
  webRoute,
  type Viewer,
  type WebDeps,
} from '../common.ts';
import { allowedTo, guardPage } from './guard.ts';

// The CVE page: the team's pool of CVE ids (add a reserved block, reserve ids through the CNA
// account, remove a free id) for the central team and admins, and the CNA account at CVE Services
// for admins. The API key is a password field that is never filled in: the page only says whether
// a key is set. Every form calls the same use cases as the API.

const DONE: Record<string, string> = {
  block: 'The block is added to the pool.',
  removed: 'The id is removed from the pool.',
  account: 'The CNA account is saved.',
};

export function registerCvePages(fastify: FastifyInstance, deps: WebDeps): void {
  const { app } = deps;

  const guard = (request: FastifyRequest, reply: FastifyReply, post: boolean) =>
    guardPage(deps, request, reply, { post, allow: allowedTo('cve_pool.manage'), signInNext: '/cve' });

  const page = async (
    reply: FastifyReply,
    viewer: Viewer,
    status: number,
    flash: string | null,
    error: string | null,
    extra: Html = html``,
    blockValue = '',
  ) => {
    const ctx = ctxOf(app, viewer);
    const pool = await listCvePool(ctx, {});
    const account = mayDo(viewer.principal!, 'cna_account.manage') ? await cveAccountView(ctx) : null;
    const body = html`${extra}
<section class="card" aria-labelledby="pool-h"><h2 id="pool-h">CVE ids of the team</h2>
  <p>${pool.free} free, ${pool.assigned} assigned. An advisory takes the lowest free id.</p>
  ${
    pool.ids.length
      ? html`<table><caption>The pool, in numeric order</caption>
      <thead><tr><th scope="col">CVE id</th><th scope="col">Source</th><th scope="col">State</th><th scope="col">Advisory</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${pool.ids.map(
        (x) => html`<tr><td>${x.cveId}</td><td>${x.source === 'cna' ? 'CNA account' : 'reserved block'}</td><td>${x.state}</td>
        <td>${x.advisory ?? (x.state === 'assigned' ? html`<span class="muted">assigned</span>` : '')}</td>
        <td>${
          x.state === 'free'
            ? html`<form method="post" action="/cve/pool/${x.cveId}/remove" class="inline">${hiddenCsrf(viewer)}<button type="submit" class="link">Remove</button></form>`
            : ''
        }</td></tr>`,
      )}</tbody></table>`
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

  /** Runs a use case from a form: redirect with a confirmation, or the page again with the error. */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    viewer: Viewer,
    run: () => Promise<unknown>,
    done: string,
    blockValue = '',
  ) => {
    try {
      await run();
    } catch (err) {
      const problem = problemOf(err, {
        block: ['block', 'The block'],
        amount: ['amount', 'The amount'],
        url: ['url', 'The URL'],
        shortName: ['shortName', 'The short name'],
        user: ['user', 'The user'],
      });
      if (problem.status >= 500) request.log.error(err);
      const details = Object.entries(problem.fields)
        .slice(0, 10)
        .map(([k, m]) => `${k}: ${m}`)
        .join('; ');
      return page(reply, viewer, problem.status, null, details ? `${problem.message} (${details})` : problem.message, html``, blockValue);
    }
    return seeOther(reply, `/cve?done=${encodeURIComponent(done)}`);
  };

  webRoute(fastify, deps, {
    method: 'GET',
    url: '/cve',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, false);
      if (!viewer) return reply;
      return page(reply, viewer, 200, DONE[field(request.query, 'done')] ?? null, null);
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/cve/pool',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      const block = field(request.body, 'block');
      return act(request, reply, viewer, () => addCveBlock(ctxOf(app, viewer), { block }), 'block', block);
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/cve/pool/:cveId/remove',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      const { cveId } = request.params as { cveId: string };
      return act(request, reply, viewer, () => removeCveFromPool(ctxOf(app, viewer), cveId), 'removed');
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/cve/pool/reserve',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      try {
        const r = await reserveFromCna(ctxOf(app, viewer), { amount: Number(field(request.body, 'amount')) });
        const note = `Reserved ${r.added.length}: ${r.added.join(', ')}${r.partial ? ' (fewer than asked: the CNA range is exhausted)' : ''}${r.remainingQuota !== null ? `; ${r.remainingQuota} more may be reserved.` : '.'}`;
        return page(reply, viewer, 201, note, null);
      } catch (err) {
        const problem = problemOf(err, { amount: ['amount', 'The amount'] });
        if (problem.status >= 500 && problem.code !== 'upstream_failed') request.log.error(err);
        return page(reply, viewer, problem.status, null, problem.message);
      }
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/cve/account',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      if (!mayDo(viewer.principal!, 'cna_account.manage')) return notFoundPage(reply, viewer);
      const b = request.body;
      return act(
        request,
        reply,
        viewer,
        () =>
          setCveAccount(ctxOf(app, viewer), {
            url: field(b, 'url'),
            shortName: field(b, 'shortName'),
            user: field(b, 'user'),
            apiKey: field(b, 'apiKey'),
          }),
        'account',
      );
    },
  });

  webRoute(fastify, deps, {
    method: 'POST',
    url: '/cve/account/check',
    handler: async (request, reply) => {
      const viewer = await guard(request, reply, true);
      if (!viewer) return reply;
      if (!mayDo(viewer.principal!, 'cna_account.manage')) return notFoundPage(reply, viewer);
      try {
        const r = await checkCveAccount(ctxOf(app, viewer));
        return page(
          reply,
          viewer,
          200,
          `CVE Services accepts the credentials: organisation ${r.org} (roles ${r.roles.join(', ') || 'none'}${r.idQuota !== null ? `, id quota ${r.idQuota}` : ''}).`,
          null,
        );
      } catch (err) {
        const problem = pageProblem(request, err);
        return page(reply, viewer, problem.status, null, problem.message);
      }
    },
  });
}
