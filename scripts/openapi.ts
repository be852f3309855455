/** The OpenAPI 3 document, generated from the route table and its zod schemas. */
import * as z from 'zod';
import { OpenApiGeneratorV3, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { routes, scopeOf, type Role, type RouteSpec } from '../functions/http/routes';
import { statusFor, type ErrorCode } from '../functions/http/errors';
import { ErrorBody } from '../functions/core/schemas';

const IdempotencyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .max(255)
    .optional()
    .meta({ description: 'Replaying the same key with the same body returns the first response and changes nothing; another body is 422' }),
});

/**
 * The errors a route can answer besides those its entry in the route table lists. Any request can find the
 * store busy (429 `throttled`) or unreachable (503 `service_unavailable`); a write can also meet items that
 * keep changing past every re-plan (409 `conflict`). All three carry `retryable: true` and a Retry-After.
 */
function commonErrors(r: RouteSpec): ErrorCode[] {
  return [
    ...(r.role === 'public' ? [] : (['unauthorized', 'forbidden'] as const)),
    'validation_failed',
    ...(r.body ? (['malformed_json', 'payload_too_large'] as const) : []),
    ...(r.method === 'GET' ? [] : (['conflict'] as const)),
    'throttled',
    'service_unavailable',
  ];
}

const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['conflict', 'throttled', 'service_unavailable']);
const describeCode = (code: ErrorCode) => (RETRYABLE.has(code) ? `${code} (retryable)` : code);

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT whose `scope` grants the route’s role: inventory/storefront, inventory/orders or inventory/backoffice.',
  });
  for (const [operationId, r] of Object.entries(routes) as [string, RouteSpec][]) {
    const errors = [...new Set<ErrorCode>([...commonErrors(r), ...(r.errors ?? [])])];
    const byStatus = new Map<number, string[]>();
    for (const code of errors) byStatus.set(statusFor(code), [...(byStatus.get(statusFor(code)) ?? []), describeCode(code)]);
    registry.registerPath({
      operationId,
      method: r.method.toLowerCase() as 'get' | 'put' | 'post' | 'delete',
      path: r.path,
      summary: r.summary,
      tags: [r.role],
      ...(r.role === 'public' ? { security: [] } : { security: [{ bearerAuth: [scopeOf(r.role as Role)] }] }),
      request: {
        ...(r.params ? { params: r.params } : {}),
        ...(r.query ? { query: r.query as never } : {}),
        ...(r.body ? { body: { content: { 'application/json': { schema: r.body } } } } : {}),
        ...(r.method === 'POST' ? { headers: IdempotencyHeader } : {}),
      },
      responses: {
        [r.response.status]: { description: r.response.description, content: { 'application/json': { schema: r.response.schema } } },
        ...Object.fromEntries(
          [...byStatus.entries()].map(([status, codes]) => [
            status,
            { description: `Error: ${codes.join(', ')}`, content: { 'application/json': { schema: ErrorBody } } },
          ]),
        ),
      },
    });
  }
  cached = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Inventory service',
      version: '1.0.0',
      description: 'Stock per variant and location, soft and hard reservations, purchase orders, transfers and low-stock alerts.',
    },
  }) as unknown as Record<string, unknown>;
  return cached;
}
