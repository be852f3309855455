// The storefront's side of the inventory API with the typed client (docs/api.md, section 8; test/e2e/client.test.ts runs it).
import { createInventoryClient, isRetryable, type InventoryClient, type Schema } from '..';

/** One client per process: the token function is called before each request (client credentials, scope inventory/storefront). */
export const connect = (baseUrl: string, token: () => Promise<string> | string): InventoryClient => createInventoryClient({ baseUrl, token });

/** Product and listing pages: up to 100 variants a call, sent as `?variantIds=a,b`. */
export async function showAvailability(inventory: InventoryClient, variantIds: string[]) {
  const { data, error } = await inventory.GET('/availability', { params: { query: { variantIds } } });
  if (error) throw new Error(`availability: ${error.error.code}`);
  return data.variants.map((v) => ({
    variantId: v.variantId,
    label:
      v.available > 0
        ? `${v.available} in stock`
        : !v.purchasable
          ? 'out of stock'
          : v.expectedAvailabilityDate
            ? `pre-order: expected ${v.expectedAvailabilityDate}`
            : 'on back-order',
  }));
}

export type CartChange = { held: Schema<'CartLine'> } | { short: { available: number } };

/** Add to cart or change a quantity (the line's new total). Short stock is an answer, not an error; retry only what may be retried. */
export async function setQuantity(inventory: InventoryClient, cartId: string, variantId: string, quantity: number): Promise<CartChange> {
  for (let attempt = 1; ; attempt++) {
    const { data, error, response } = await inventory.PUT('/carts/{cartId}/lines/{variantId}', {
      params: { path: { cartId, variantId } },
      body: { quantity },
    });
    if (data) return { held: data };
    if (error?.error?.code === 'insufficient_stock') return { short: { available: Number(error.error.available) } };
    if (!isRetryable(response, error) || attempt === 4) throw new Error(`cart ${cartId}: HTTP ${response.status} ${error?.error?.code ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 0.1 * 2 ** attempt) * 1000));
  }
}

/** The cart page: each line, and when the holds lapse (`expired: true` lines are no longer held). */
export async function showCart(inventory: InventoryClient, cartId: string) {
  const { data, error } = await inventory.GET('/carts/{cartId}', { params: { path: { cartId } } });
  if (error) throw new Error(`cart ${cartId}: ${error.error.code}`);
  return { heldUntil: data.expiresAt, lines: data.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity, expired: l.expired })) };
}

/** The shopper empties or abandons the cart: its stock is released now, not when the hold lapses. */
export async function abandonCart(inventory: InventoryClient, cartId: string): Promise<void> {
  const { error } = await inventory.DELETE('/carts/{cartId}', { params: { path: { cartId } } });
  if (error) throw new Error(`cart ${cartId}: ${error.error.code}`);
}
