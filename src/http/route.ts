import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { Ctx } from '../app/context.ts';

// Every route is declared as data: method, path, access policy, schemas and handler. The server
// registers them, the OpenAPI document is generated from them, and the route × role matrix test
// walks them, so a route without a policy cannot exist.

/**
 * - public: anyone, no session (the report form, sign-in, the OpenAPI document)
 * - reporter-link: anyone holding the report's secret link
 * - signed-in: a person with a session or API token; the use case applies need-to-know per case
 * - admin: a signed-in admin
 */
export type Policy = 'public' | 'reporter-link' | 'signed-in' | 'admin';

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
