/**
 * The inventory service's typed TypeScript client: the types in ./schema.ts are generated from docs/openapi.json by
 * openapi-typescript (`npm run client`; a test fails when they are stale), and calls go through openapi-fetch, so a
 * wrong path, a missing parameter, a missing required body or a misspelt field does not compile, and `data` and
 * `error` come back typed (`error.error.code` is the ErrorCode union).
 *
 * ```ts
 * const inventory = createInventoryClient({ baseUrl: process.env.INVENTORY_API!, token: () => tokens.current() });
 * const { data, error } = await inventory.GET('/availability', { params: { query: { variantIds: ['sku-1', 'sku-2'] } } });
 * ```
 *
 * It needs only `fetch` (Node.js 18+ or a browser) and the `openapi-fetch` package. docs/api.md section 8 has the
 * storefront's recipe written with it.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };

/** A named schema of the API: `Schema<'Variant'>`, `Schema<'CartLine'>`, … */
export type Schema<N extends keyof components['schemas']> = components['schemas'][N];
/** The stable error codes (`error.code`). */
export type ErrorCode = Schema<'ErrorCode'>;
/** The error envelope every error the service itself answers has: `{error: {code, message, ...details}}`. */
export type ApiError = Schema<'Error'>;
export type InventoryClient = Client<paths>;

export interface InventoryClientOptions extends Omit<ClientOptions, 'querySerializer'> {
  /** The API's base URL: the stack output `ApiUrl`, or `http://127.0.0.1:3000` for `npm start`. */
  baseUrl: string;
  /** The bearer token, or a function giving the current one (called before each request, so a refreshed token is used). */
  token?: string | (() => string | undefined | Promise<string | undefined>);
}

/**
 * Lists in the query go comma-joined in one parameter (`?variantIds=a,b`), as the document declares them
 * (`style: form, explode: false`) and the service reads them; openapi-fetch's own default would repeat the name.
 */
export const QUERY_SERIALIZER = { array: { style: 'form', explode: false } } as const;

/** A client for the whole API, sending `Authorization: Bearer <token>` when a token is given. */
export function createInventoryClient({ token, ...options }: InventoryClientOptions): InventoryClient {
  const client = createClient<paths>({ ...options, querySerializer: QUERY_SERIALIZER });
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        const current = typeof token === 'function' ? await token() : token;
        if (current) request.headers.set('authorization', `Bearer ${current}`);
        return request;
      },
    });
  }
  return client;
}

/**
 * Whether a failed call may be retried as it was (same body, same Idempotency-Key): 429 and 503, and any error the
 * service marks `retryable: true` (a 409 `conflict` under contention). API Gateway's own 429 has another body, hence the status.
 */
export function isRetryable(response: Response, error?: unknown): boolean {
  if (response.status === 429 || response.status === 503) return true;
  const details = (error as { error?: { retryable?: unknown } } | undefined)?.error;
  return details?.retryable === true;
}
