import { defineRoutes, NoBody } from '../route.ts';
import { addCveBlock, CveBlockInput, CvePoolQuery, listCvePool, removeCveFromPool } from '../../app/cve/pool.ts';
import { checkCveAccount, CveAccountInput, cveAccountView, removeCveAccount, setCveAccount } from '../../app/cve/account.ts';
import { cvePublications, publishCveRecords, ReserveInput, reserveFromCna } from '../../app/cve/cna.ts';
import { cveRequestText } from '../../app/cve/request.ts';

// CVE identifiers: the team's pool (a reserved block entered by hand, or ids reserved through its CNA
// account), the CNA account at CVE Services (admins; the API key is never returned), publishing an
// advisory's CVE records through it, and the ready-to-paste request for teams that ask another CNA.

export const cveRoutes = defineRoutes([
  {
    method: 'GET',
    url: '/api/cve/pool',
    policy: 'signed-in',
    tag: 'cve',
    query: CvePoolQuery,
    summary:
      "The team's CVE ids, free and assigned (with the advisory's public id for the central team), in numeric order. Central team and admins.",
    handler: ({ ctx, query }) => listCvePool(ctx, query),
  },
  {
    method: 'POST',
    url: '/api/cve/pool',
    policy: 'signed-in',
    tag: 'cve',
    status: 201,
    body: CveBlockInput,
    summary:
      'Add a reserved block: "CVE-2026-1000..CVE-2026-1049" or a list of ids. One id already in the pool refuses the whole block. Central team and admins.',
    handler: ({ ctx, body }) => addCveBlock(ctx, body),
  },
  {
    method: 'DELETE',
    url: '/api/cve/pool/:cveId',
    policy: 'signed-in',
    tag: 'cve',
    summary: 'Remove an id no advisory holds. Central team and admins.',
    handler: async ({ ctx, params }) => (await removeCveFromPool(ctx, params.cveId!), { ok: true }),
  },
  {
    method: 'POST',
    url: '/api/cve/pool/reserve',
    policy: 'signed-in',
    tag: 'cve',
    status: 201,
    body: ReserveInput,
    summary: "Reserve ids through the team's CNA account at CVE Services (sequential) and add them to the pool. Central team and admins.",
    handler: ({ ctx, body }) => reserveFromCna(ctx, body),
  },
  {
    method: 'GET',
    url: '/api/cve/account',
    policy: 'admin',
    tag: 'cve',
    summary:
      'The CNA account at CVE Services: URL, organisation short name, user, whether a key is set, and whether the configuration file sets it (it then wins). Never the key.',
    handler: ({ ctx }) => cveAccountView(ctx),
  },
  {
    method: 'PUT',
    url: '/api/cve/account',
    policy: 'admin',
    tag: 'cve',
    body: CveAccountInput,
    summary:
      'Set the CNA account; the API key is sealed and never shown again (omit it to keep the stored one). Refused when the configuration file sets the account.',
    handler: ({ ctx, body }) => setCveAccount(ctx, body),
  },
  {
    method: 'DELETE',
    url: '/api/cve/account',
    policy: 'admin',
    tag: 'cve',
    summary: 'Remove the CNA account stored in the database.',
    handler: async ({ ctx }) => (await removeCveAccount(ctx), { ok: true }),
  },
  {
    method: 'POST',
    url: '/api/cve/account/check',
    policy: 'admin',
    tag: 'cve',
    body: NoBody,
    summary: "Check the CNA account's credentials against CVE Services (reads the organisation).",
    handler: ({ ctx, body }) => (NoBody.parse(body), checkCveAccount(ctx)),
  },
  {
    method: 'POST',
    url: '/api/cve/advisories/:ref/records',
    policy: 'signed-in',
    tag: 'cve',
    body: NoBody,
    summary:
      "Publish (first time) or update the CVE records of a public advisory's CVE ids through the CNA account, from its published version; a withdrawn advisory rejects them. Never before the advisory's publication time.",
    handler: ({ ctx, params, body }) => (NoBody.parse(body), publishCveRecords(ctx, params.ref!)),
  },
  {
    method: 'GET',
    url: '/api/cve/advisories/:ref/records',
    policy: 'signed-in',
    tag: 'cve',
    summary: 'The CVE records this desk published for the advisory, with state and advisory version.',
    handler: ({ ctx, params }) => cvePublications(ctx, params.ref!),
  },
  {
    method: 'GET',
    url: '/api/cve/advisories/:ref/request',
    policy: 'signed-in',
    tag: 'cve',
    summary: "A ready-to-paste CVE request (the fields of MITRE's form) from the advisory's latest version, as text/plain.",
    handler: async ({ ctx, params, reply }) => reply.type('text/plain; charset=utf-8').send(await cveRequestText(ctx, params.ref!)),
  },
]);
