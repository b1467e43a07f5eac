import { defineRoutes, NoQuery } from '../route.ts';
import {
  caseKeyCandidates,
  confirmKey,
  dismissKey,
  generateTeamKeyFor,
  GenerateTeamKeyInput,
  importTeamKeyFor,
  ImportTeamKeyInput,
  memberKeyStatuses,
  myKeys,
  removeMyKey,
  teamKeys,
  teamPublicKey,
  uploadMyKey,
  UploadKeyInput,
} from '../../app/keys/keys.ts';
import { NotFoundError } from '../../domain/errors.ts';

// OpenPGP keys: the team's public key (anyone: reporters encrypt to it), one's own key, candidates
// offered by mail, the team key (admins), and each member's key status (admins).

export const keyRoutes = defineRoutes([
  {
    method: 'GET',
    url: '/api/team-key',
    policy: 'public',
    tag: 'keys',
    summary: "The team's armored OpenPGP public key (the active team key).",
    handler: async ({ ctx, reply }) => {
      const k = await teamPublicKey(ctx.app.db);
      if (!k) throw new NotFoundError('team key');
      return reply.type('application/pgp-keys').header('x-fingerprint', k.fingerprint).send(k.armored);
    },
  },
  {
    method: 'GET',
    url: '/api/me/keys',
    policy: 'signed-in',
    tag: 'keys',
    summary: 'Your OpenPGP keys: the confirmed one and candidates offered by mail, each with whether it can be used.',
    handler: async ({ ctx }) => ({ keys: await myKeys(ctx) }),
  },
  {
    method: 'POST',
    url: '/api/me/keys',
    policy: 'signed-in',
    tag: 'keys',
    status: 201,
    body: UploadKeyInput,
    summary: 'Upload your public key (armored); it must be usable and carry one of your addresses. It replaces an earlier one.',
    handler: ({ ctx, body }) => uploadMyKey(ctx, body),
  },
  {
    method: 'DELETE',
    url: '/api/me/keys/:id',
    policy: 'signed-in',
    tag: 'keys',
    summary: 'Remove one of your keys: mail to you becomes notices until you upload another.',
    handler: async ({ ctx, params }) => (await removeMyKey(ctx, params.id!), { ok: true }),
  },
  {
    method: 'POST',
    url: '/api/keys/:id/confirm',
    policy: 'signed-in',
    tag: 'keys',
    summary: "Confirm a key offered by mail: your own, or a reporter's on a case where you see the reporter's identity.",
    handler: ({ ctx, params }) => confirmKey(ctx, params.id!),
  },
  {
    method: 'POST',
    url: '/api/keys/:id/dismiss',
    policy: 'signed-in',
    tag: 'keys',
    summary:
      'Dismiss a key offered by mail (it did not match what its owner said out of band): never used; offered again, it stays dismissed.',
    handler: async ({ ctx, params }) => (await dismissKey(ctx, params.id!), { ok: true }),
  },
  {
    method: 'GET',
    url: '/api/reports/:id/keys',
    policy: 'signed-in',
    tag: 'keys',
    summary: 'Keys the reporter offered by mail on this case (candidates until confirmed).',
    handler: async ({ ctx, params }) => ({ keys: await caseKeyCandidates(ctx, params.id!) }),
  },
  {
    method: 'GET',
    url: '/api/admin/team-keys',
    policy: 'admin',
    tag: 'keys',
    summary: 'The team keys: the active one and earlier ones kept to decrypt old mail.',
    handler: async ({ ctx }) => ({ keys: await teamKeys(ctx) }),
  },
  {
    method: 'POST',
    url: '/api/admin/team-keys/generate',
    policy: 'admin',
    tag: 'keys',
    status: 201,
    body: GenerateTeamKeyInput,
    summary: 'Generate a new active team key (curve25519 by default, or rsa4096).',
    handler: ({ ctx, body }) => generateTeamKeyFor(ctx, body),
  },
  {
    method: 'POST',
    url: '/api/admin/team-keys/import',
    policy: 'admin',
    tag: 'keys',
    status: 201,
    body: ImportTeamKeyInput,
    summary: "Import the team's existing private key (armored, with its passphrase) as the active key.",
    handler: ({ ctx, body }) => importTeamKeyFor(ctx, body),
  },
  {
    method: 'GET',
    url: '/api/admin/member-keys',
    policy: 'admin',
    tag: 'keys',
    query: NoQuery,
    summary: "Each member's key status: usable, none, expired, revoked, too weak.",
    handler: async ({ ctx, query }) => (NoQuery.parse(query), { members: await memberKeyStatuses(ctx) }),
  },
]);
