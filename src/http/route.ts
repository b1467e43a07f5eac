import type { FastifyReply, FastifyRequest } from 'fastify';
import { z, type ZodType } from 'zod';
import type { Ctx } from '../app/context.ts';
import { isUuid } from '../domain/ids.ts';

// Every route is declared as data: method, path, access policy, schemas and handler. The server
// registers them, the OpenAPI document is generated from them, and the route × role matrix test
// walks them, so a route without a policy cannot exist.

/**
 * - public: anyone, no session (the report form, sign-in, the OpenAPI document)
 * - reporter-link: anyone holding the report's secret link
 * - signed-in: a person with a session or API token; the use case applies need-to-know per case
 * - admin: a signed-in admin
 * - stakeholder: a stakeholder organisation signed in to the portal; the use case shows only what its tier may see
 */
export type Policy = 'public' | 'reporter-link' | 'signed-in' | 'admin' | 'stakeholder';

export interface RouteInput {
  ctx: Ctx;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  policy: Policy;
  summary: string;
  tag: string;
  body?: ZodType;
  query?: ZodType;
  /** HTTP status on success. */
  status?: number;
  /** Per-route rate limit (requests per minute per address), for unauthenticated writes. */
  rateLimitPerMinute?: (config: Ctx['app']['config']) => number;
  handler(input: RouteInput): Promise<unknown>;
}

export const defineRoutes = (routes: RouteDef[]) => routes;

/** The query of a route whose use case takes none: the door refuses any parameter. */
export const NoQuery = z.strictObject({});
/** The body of a POST whose use case takes none: absent or {}; the door refuses any field. */
export const NoBody = z.strictObject({}).optional();

// Path parameters are hostile input. Each parameter name has one shape, checked by the server before
// the use case runs: a value of another shape is "not found", never a database error (a malformed
// uuid, a NUL byte in a text column). A route may only use a name listed here.

export interface PathParam {
  accepts(value: string): boolean;
  /** Its JSON Schema in the OpenAPI document. */
  schema: Record<string, unknown>;
}

/** The longest text segment (slug, incident or advisory id, secret link token, address) a route takes. */
export const MAX_SEGMENT = 320;

const uuid: PathParam = { accepts: isUuid, schema: { type: 'string', format: 'uuid' } };
const segment: PathParam = {
  accepts: (v) => v.length > 0 && v.length <= MAX_SEGMENT && !/[\u0000-\u001f\u007f]/.test(v),
  schema: { type: 'string', minLength: 1, maxLength: MAX_SEGMENT },
};
const version: PathParam = { accepts: (v) => /^[1-9][0-9]{0,8}$/.test(v), schema: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } };

export const PATH_PARAMS: Record<string, PathParam> = {
  id: uuid,
  advisoryId: uuid,
  attachmentId: uuid,
  markId: uuid,
  proposalId: uuid,
  itemId: uuid,
  daysOffId: uuid,
  orgId: uuid,
  updateId: uuid,
  version,
  /** An incident id (TF-2026-0007), an advisory's public id, or an advisory's uuid. */
  ref: segment,
  token: segment,
  slug: segment,
  name: segment,
  email: segment,
  address: segment,
  cveId: segment,
  /** A role id of the profile (triage-coordinator). */
  role: segment,
  /** An item id of the profile's remediation checklist (code-review). */
  item: segment,
};

/** The names of a route's path parameters, in order. */
export const pathParamsOf = (url: string): string[] => [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
