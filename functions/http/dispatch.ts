/**
 * From an API Gateway HTTP API (payload 2.0) event to an operation and back: route, parse, validate,
 * replay or record idempotent requests, run. The same function serves Lambda and the local server.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { matchRoute, operationForRouteKey, routes, type OperationId, type RouteSpec } from './routes';
import type { Deps } from '../core/deps';
import { DomainError, IdempotencyRaceError } from '../core/errors';
import { HttpError } from './errors';
import type { IdempotencyRequest } from '../core/run-command';
import { authorize, type TokenVerifier } from './auth';
import { json } from './respond';
import { operations, type OperationInput } from './operations';

/** Larger bodies are refused with 413 (the contract's largest request is far below this). */
export const MAX_BODY_BYTES = 64 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function resolve(event: APIGatewayProxyEventV2): { operationId: OperationId; params: Record<string, string> } {
  const matched = event.routeKey && event.routeKey !== '$default' ? operationForRouteKey(event.routeKey) : undefined;
  if (matched) return { operationId: matched, params: (event.pathParameters ?? {}) as Record<string, string> };
  const m = matchRoute(event.requestContext.http.method, event.rawPath);
  if (m.kind === 'found') return { operationId: m.operationId, params: m.pathParameters };
  if (m.kind === 'method_not_allowed') {
    throw new HttpError('method_not_allowed', `${event.requestContext.http.method} is not allowed on ${event.rawPath}.`, {
      allow: m.allow,
    });
  }
  throw new DomainError('not_found', `No route ${event.requestContext.http.method} ${event.rawPath}.`);
}

function parseBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) {
    throw new HttpError('payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes.`, { limit: MAX_BODY_BYTES });
  }
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError('malformed_json', 'The body is not valid JSON.');
  }
}

function validate<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> | undefined {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new DomainError('validation_failed', `The request's ${where} is not valid.`, {
    issues: r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })),
  });
}

const fingerprint = (operationId: string, params: unknown, body: unknown): string =>
  createHash('sha256').update(JSON.stringify([operationId, params, body])).digest('hex');

export async function dispatch(
  deps: Deps,
  event: APIGatewayProxyEventV2,
  verifier: TokenVerifier,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { operationId, params: rawParams } = resolve(event);
  const route: RouteSpec = routes[operationId];
  const role = await authorize(route.role, event, verifier);
  const rawBody = route.body ? parseBody(event) : undefined;
  const params = validate(route.params, rawParams, 'params');
  const query = validate(route.query, event.queryStringParameters ?? {}, 'query');
  const body = validate(route.body, rawBody, 'body');

  let idempotency: IdempotencyRequest | undefined;
  if (route.method === 'POST') {
    const key = event.headers?.['idempotency-key'];
    if (key !== undefined) {
      if (!IDEMPOTENCY_KEY.test(key)) {
        throw new DomainError('validation_failed', 'The Idempotency-Key header is not valid.', {
          issues: [{ path: 'headers.idempotency-key', message: 'must be 1-255 visible ASCII characters' }],
        });
      }
      // Keys are per caller role: two clients cannot collide on a key.
      idempotency = { key: `${role}:${key}`, fingerprint: fingerprint(operationId, params, body), statusCode: route.response.status };
      const replay = await replayed(deps, idempotency);
      if (replay) return replay;
    }
  }

  const input = { params, query, body, idempotency } as OperationInput<typeof operationId>;
  try {
    const result = await (operations[operationId] as (d: Deps, i: typeof input) => Promise<unknown>)(deps, input);
    return json(route.response.status, result);
  } catch (err) {
    if (err instanceof IdempotencyRaceError && idempotency) {
      const replay = await replayed(deps, idempotency);
      if (replay) return replay;
    }
    throw err;
  }
}

/** The first response to this key, if there was one; 422 if the key came with another request. */
async function replayed(deps: Deps, req: IdempotencyRequest): Promise<APIGatewayProxyStructuredResultV2 | undefined> {
  const record = await deps.store.getIdempotency(req.key);
  if (!record) return undefined;
  if (record.fingerprint !== req.fingerprint) {
    throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used with a different request.');
  }
  return json(record.statusCode, record.body, { 'idempotent-replayed': 'true' });
}
