import { z } from 'zod';
import { PATH_PARAMS, pathParamsOf, type RouteDef } from './route.ts';

// OpenAPI 3.1 generated from the route table: the same Zod schemas that validate the input.
// OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what z.toJSONSchema emits.

const ErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'Stable error code.' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
} as const;

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export function openApiDocument(routes: RouteDef[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (!r.url.startsWith('/api/')) continue;
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const params = pathParamsOf(r.url).map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: PATH_PARAMS[name]?.schema ?? { type: 'string' },
    }));
    const query = r.query
      ? Object.entries((jsonSchema(r.query).properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          schema,
        }))
      : [];
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      'x-policy': r.policy,
      security: r.policy === 'public' || r.policy === 'reporter-link' ? [] : [{ bearer: [] }, { session: [] }],
      parameters: [...params, ...query],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } } : {}),
      responses: {
        [String(r.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Embargo API',
      version: '0.1.0',
      description: 'Coordinated vulnerability disclosure desk. Every route names its access policy in x-policy.',
    },
    paths,
    components: {
      schemas: { Error: ErrorSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token from POST /api/tokens' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'embargo_session',
          description:
            'Browser session (named __Host-embargo_session when the desk is served over HTTPS); unsafe methods also need the ' +
            'x-csrf-token header. It ends after sessionIdleMinutes unused or sessionHours after sign-in; a 401 with the code ' +
            'reauthentication_required asks for the password and code again (POST /api/session/reauthentication).',
        },
      },
    },
  };
}
