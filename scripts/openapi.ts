/**
 * The OpenAPI 3 document, generated from the route table and its zod schemas. Everything here is driven by the
 * table, so a route added to functions/http/routes.ts gets the same treatment without a line here: its role
 * becomes an OAuth2 scope, its body is `required` unless the service accepts it absent, its comma-joined list
 * parameters are arrays (`style: form, explode: false`), its errors are the `ErrorCode` enum, and its
 * description says who may call it, whether it takes an Idempotency-Key, how it pages and what it answers.
 * `npm run openapi` writes it (scripts/write-openapi.ts); `npm run client` turns it into clients/typescript.
 */
import * as z from 'zod';
import { OpenApiGeneratorV3, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ROLES, routes, scopeOf, type Role, type RouteSpec } from '../functions/http/routes';
import { ERROR_CODES, statusFor, type ErrorCode } from '../functions/http/errors';
import { ErrorBody } from '../functions/core/schemas';

/** The name of the security scheme every non-public operation requires. */
export const SECURITY_SCHEME = 'oauth2';

/** The form of the stack's Cognito domain: a placeholder, since the domain is made at deploy (its outputs give the real URLs). */
const COGNITO = 'https://your-domain-prefix.auth.your-region.amazoncognito.com';

const IdempotencyHeader = z.object({
  'Idempotency-Key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .meta({
      description:
        '1-255 visible ASCII characters. Replaying the same key with the same body returns the first response (header `Idempotent-Replayed: true`) and changes nothing; the same key with another body is 422 `idempotency_key_reused`. Keys are kept per role for at least 24 hours.',
    }),
});

/** What each code means to a caller. A code added to functions/http/errors.ts does not compile until it is explained here. */
const MEANING: Record<ErrorCode, string> = {
  validation_failed: 'the path, query, body, Idempotency-Key or cursor is not valid; `issues: [{path, message}]` says where',
  malformed_json: 'the body is not JSON',
  unauthorized: 'no bearer token, or an expired or invalid one: get a new token',
  forbidden: "the token does not grant the route's role (`requiredRole`): use the right client",
  not_found: 'no such route, or no such location, order, purchase order, transfer, stock count, audit or finding',
  method_not_allowed: 'the path exists, the method does not (`allow`, and the `Allow` header)',
  insufficient_stock: 'not enough available stock (`available`), or not the units to move into or out of damaged or quality control; nothing changed',
  conflict: 'the state does not allow the action (details vary); with `retryable: true`, the items kept changing: retry with the same key',
  stale_quantity: 'an adjustment\'s `expectedOnHand` is not the on-hand any more (`onHand` is the figure now); nothing changed',
  payload_too_large: 'the body is over 64 KB (`limit`)',
  idempotency_key_reused: 'the Idempotency-Key, fulfillmentId, receiptId or observationId was used with another request; nothing changed',
  throttled: 'the store is busy (`retryable: true`, `Retry-After`): retry with the same key',
  internal_error: 'a bug: its details are logged, never shown',
  service_unavailable: 'the store did not answer (`retryable: true`, `Retry-After`): retry with the same key',
};

const ErrorCodeSchema = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).meta({
  id: 'ErrorCode',
  description: `Stable: branch on it (the message may change).\n\n${ERROR_CODES.map((c) => `- \`${c}\` (${statusFor(c)}): ${MEANING[c]}`).join('\n')}`,
  example: 'insufficient_stock',
});

/** The error envelope, with `code` as the enum (the service's own ErrorBody types it as a string). */
const ErrorSchema = z.object({ error: ErrorBody.shape.error.extend({ code: ErrorCodeSchema }) }).meta({ id: 'Error' });

const ROLE_DESCRIPTION: Record<Role | 'public', string> = {
  storefront: 'The storefront: availability and carts (scope `inventory/storefront`).',
  orders: 'The order service: checkout, fulfilments, cancellations and order reads (scope `inventory/orders`).',
  backoffice: 'The back office: locations, variants, the ledger, adjustments, the stock report, purchase orders, transfers and alerts (scope `inventory/backoffice`).',
  public: 'No token needed.',
};

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

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * A query parameter the API reads as a comma-joined list: a string split into an array, declared as
 * `z.string().transform(split).pipe(z.array(...))`. The array is what the service validates, so that is
 * what the document shows, serialized as one comma-joined value (`style: form, explode: false`): the wire
 * format stays `?variantIds=a,b`.
 */
function commaList(field: z.ZodType): { list: z.ZodType; optional: boolean; description?: string } | undefined {
  const optional = defOf(field).type === 'optional';
  const inner = optional ? defOf(field).innerType! : field;
  const def = defOf(inner);
  if (def.type !== 'pipe' || defOf(def.out!).type !== 'array') return undefined;
  let source = def.in!;
  while (defOf(source).type === 'pipe') source = defOf(source).in!;
  if (defOf(source).type !== 'string') return undefined;
  const description = (field.meta()?.description ?? inner.meta()?.description) as string | undefined;
  return { list: def.out!, optional, description };
}

/** The query as the document shows it: comma-joined lists as array parameters. */
function queryForDocument(query: z.ZodType): { schema: z.ZodType; lists: string[] } {
  const shape = (query as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return { schema: query, lists: [] };
  const lists: string[] = [];
  const documented = Object.fromEntries(
    Object.entries(shape).map(([name, field]) => {
      const list = commaList(field);
      if (!list) return [name, field];
      lists.push(name);
      const array = list.list.meta({ ...(list.description ? { description: list.description } : {}), param: { style: 'form', explode: false } });
      return [name, list.optional ? array.optional() : array];
    }),
  );
  return { schema: z.object(documented), lists };
}

/** Whether the service accepts the route without a body: it reads an absent body as `{}`. */
const bodyOptional = (body: z.ZodType) => body.safeParse({}).success;

const isPaginated = (r: RouteSpec) => Boolean((r.query as unknown as { shape?: Record<string, unknown> } | undefined)?.shape?.cursor);

function describeOperation(r: RouteSpec, errors: ErrorCode[], lists: string[]): string {
  const parts: string[] = [];
  if (r.description) parts.push(r.description);
  parts.push(
    r.role === 'public'
      ? '**Who may call it:** anyone; no token.'
      : `**Who may call it:** a token whose \`scope\` grants \`${scopeOf(r.role)}\` (the ${r.role} role).`,
  );
  if (r.body) {
    parts.push(
      bodyOptional(r.body)
        ? '**Body:** optional; no body is read as `{}`.'
        : '**Body:** required (JSON, `Content-Type: application/json`); fields it does not define are refused with 400 `validation_failed`.',
    );
  }
  if (r.method === 'POST') {
    parts.push('**Idempotency:** send an `Idempotency-Key`; a retry with the same key and body never applies the change twice.');
  }
  if (lists.length) {
    parts.push(`**Lists:** ${lists.map((l) => `\`${l}\``).join(' and ')} ${lists.length > 1 ? 'are' : 'is'} comma-separated in one parameter (\`?${lists[0]}=a,b\`).`);
  }
  if (isPaginated(r)) {
    parts.push(
      '**Pages:** pass the answer’s `cursor` back as `?cursor=` (with the same filters) until it is `null`; a page can hold fewer items than `limit`, even none.',
    );
  }
  parts.push(`**Errors:** ${errors.map((c) => `\`${c}\` (${statusFor(c)})`).join(', ')}.`);
  return parts.join('\n\n');
}

/**
 * zod's `unknown` (an error's extra details, the document's own object) comes out as `{nullable: true}`, which
 * OpenAPI 3.0 does not allow without a `type`: it is any value, which an empty schema already says.
 */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const keys = Object.keys(o);
  if (o.nullable === true && keys.every((k) => k === 'nullable' || k === 'description')) {
    return o.description === undefined ? {} : { description: o.description };
  }
  return Object.fromEntries(keys.map((k) => [k, normalise(o[k])]));
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const scopes = Object.fromEntries(ROLES.map((r) => [scopeOf(r), ROLE_DESCRIPTION[r]]));
  registry.registerComponent('securitySchemes', SECURITY_SCHEME, {
    type: 'oauth2',
    description: [
      "Cognito's OAuth 2.0 access tokens (JWT), sent as `Authorization: Bearer <token>`. Each route needs one role, granted by the scope `inventory/<role>`.",
      'The URLs below show the form of the stack’s Cognito domain: take the real ones from the stack outputs (`TokenUrl`; `OperatorSignInUrl`, `OperatorClientId`).',
      '- **Services** (storefront, order service, back-office automation): the client-credentials flow, with their app client’s id and secret (outputs `storefrontClientId`, `ordersClientId`, `backofficeClientId`).',
      '- **Operators** (people using the back-office dashboard): the authorization-code flow with PKCE through the hosted sign-in page, as a public client without a secret; it grants `inventory/backoffice` only.',
      '- **Locally** (`npm start`): the service signs its own tokens, one per role, in `.local/tokens.json`.',
    ].join('\n\n'),
    flows: {
      clientCredentials: { tokenUrl: `${COGNITO}/oauth2/token`, scopes },
      authorizationCode: {
        authorizationUrl: `${COGNITO}/oauth2/authorize`,
        tokenUrl: `${COGNITO}/oauth2/token`,
        scopes: { [scopeOf('backoffice')]: ROLE_DESCRIPTION.backoffice },
      },
    },
  });
  for (const [operationId, r] of Object.entries(routes) as [string, RouteSpec][]) {
    const errors = [...new Set<ErrorCode>([...commonErrors(r), ...(r.errors ?? [])])].sort((a, b) => statusFor(a) - statusFor(b));
    const byStatus = new Map<number, string[]>();
    for (const code of errors) byStatus.set(statusFor(code), [...(byStatus.get(statusFor(code)) ?? []), describeCode(code)]);
    const query = r.query ? queryForDocument(r.query) : undefined;
    registry.registerPath({
      operationId,
      method: r.method.toLowerCase() as 'get' | 'put' | 'post' | 'delete',
      path: r.path,
      summary: r.summary,
      description: describeOperation(r, errors, query?.lists ?? []),
      tags: [r.role],
      ...(r.role === 'public' ? { security: [] } : { security: [{ [SECURITY_SCHEME]: [scopeOf(r.role as Role)] }] }),
      request: {
        ...(r.params ? { params: r.params } : {}),
        ...(query ? { query: query.schema as never } : {}),
        ...(r.body ? { body: { required: !bodyOptional(r.body), content: { 'application/json': { schema: r.body } } } } : {}),
        ...(r.method === 'POST' ? { headers: IdempotencyHeader } : {}),
      },
      responses: {
        [r.response.status]: { description: r.response.description, content: { 'application/json': { schema: r.response.schema } } },
        ...Object.fromEntries(
          [...byStatus.entries()].map(([status, codes]) => [
            status,
            { description: `Error: ${codes.join(', ')}`, content: { 'application/json': { schema: ErrorSchema } } },
          ]),
        ),
      },
    });
  }
  const document = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Inventory service',
      version: '1.0.0',
      description:
        'Stock per variant and location, soft and hard reservations, purchase orders, transfers and low-stock alerts. The client guide, with examples, is docs/api.md; a typed TypeScript client generated from this document is in clients/typescript.',
      license: { name: 'Proprietary: for the e-commerce platform’s own clients; not licensed for redistribution' },
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'Local: `npm start` (override the port with PORT)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'AWS: the stack output `ApiUrl` (API Gateway’s default endpoint; the stage is `$default`)',
        variables: {
          apiId: { default: 'your-api-id', description: 'The HTTP API’s id (the first label of `ApiUrl`)' },
          region: { default: 'your-region', description: 'The stack’s region' },
        },
      },
    ],
    tags: (['storefront', 'orders', 'backoffice', 'public'] as const).map((name) => ({ name, description: ROLE_DESCRIPTION[name] })),
  }) as unknown as Record<string, unknown>;
  cached = normalise(document) as Record<string, unknown>;
  return cached;
}
