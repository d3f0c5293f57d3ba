/** Builds the OpenAPI 3.1 document from the route table and its zod schemas (JSON Schema 2020-12). */
import { z } from 'zod';
import { errorSchema } from '#domain/schemas.js';
import type { RouteDef } from './http.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not logged in',
  403: 'Outside your scope or role',
  404: 'Not found (or outside your scope)',
  409: 'Not allowed in the current state',
  422: 'Invalid request',
  429: 'Too many attempts',
  503: 'A dependency is unavailable',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
}

/** A request body's schema: the api refuses a key its objects do not name (http.ts), and says so. */
function bodySchema(schema: z.ZodType) {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema instanceof z.ZodObject && zodSchema.def.catchall === undefined)
        jsonSchema.additionalProperties = false;
    },
  });
}

export function buildOpenApi(routes: readonly RouteDef[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const params = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams = r.query
      ? Object.entries((jsonSchema(r.query, 'input').properties ?? {}) as Record<string, unknown>).map(
          ([name, schema]) => ({
            name,
            in: 'query',
            required: false,
            schema,
          }),
        )
      : [];
    const responses: Record<string, unknown> = {
      [String(r.successStatus ?? 200)]: {
        description: 'OK',
        ...(r.response
          ? { content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } }
          : {}),
      },
    };
    for (const status of r.errors ?? []) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: jsonSchema(errorSchema, 'output') } },
      };
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: r.tags,
      ...(r.access === 'public' ? { security: [] } : {}),
      parameters: [...params, ...queryParams],
      ...(r.rawBody
        ? {
            requestBody: {
              required: true,
              description: `the file's bytes (≤ ${r.rawBody.maxBytes} bytes); header X-File-Name required`,
              content: Object.fromEntries(
                r.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
              ),
            },
          }
        : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: bodySchema(r.body) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: '三账一表 项目资金监管平台 API',
      version,
      description:
        'Supervision of public project funds from approval to settlement. Money is integer 分 (fen). Errors are {error:{code,message,details?}}.',
    },
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'sid' } } },
    security: [{ session: [] }],
    paths,
  };
}
