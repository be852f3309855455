/**
 * What each route does: one line per operation, from validated input to a domain command. The type
 * makes the map complete: a route in functions/http/routes.ts without an operation does not compile.
 */
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { OperationId, Routes } from './routes';
import { adjustStock } from '../core/commands/adjust-stock';
import { health } from '../core/commands/health';
import { listAlerts } from '../core/commands/alerts';
import { clearCart, getCart, removeCartLine, setCartLine } from '../core/commands/carts';
import { getLocation, listLocations, putLocation } from '../core/commands/locations';
import { getChannel, listChannels, putChannel } from '../core/commands/channels';
import { cancelOrder, checkout, fulfil, getOrder } from '../core/commands/orders';
import { getAvailability, listMovements, stockReport } from '../core/commands/read-stock';
import { cancelPurchaseOrder, createPurchaseOrder, getPurchaseOrder, listPurchaseOrders, receivePurchaseOrder } from '../core/commands/purchase-orders';
import { cancelTransfer, completeTransfer, createTransfer, getTransfer, listTransfers } from '../core/commands/transfers';
import { getVariant, putVariant } from '../core/commands/variants';
import type { Deps } from '../core/deps';
import type { IdempotencyRequest } from '../core/run-command';
import { gunzipSync } from 'node:zlib';
import { OPENAPI_GZIP_BASE64 } from './openapi-document';

type Out<R, K extends string> = R extends { [P in K]: infer S } ? (S extends z.ZodType ? z.output<S> : never) : undefined;

export interface OperationInput<K extends OperationId> {
  params: Out<Routes[K], 'params'>;
  query: Out<Routes[K], 'query'>;
  body: Out<Routes[K], 'body'>;
  /** Present on state-changing POSTs that carried an Idempotency-Key. */
  idempotency?: IdempotencyRequest;
}

let openApi: unknown;

type Operations = { [K in OperationId]: (deps: Deps, input: OperationInput<K>) => Promise<unknown> };

export const operations: Operations = {
  health: (d) => health(d),
  // Generated from the route table by `npm run openapi`; a test fails if it is stale.
  openapi: async () => (openApi ??= JSON.parse(gunzipSync(Buffer.from(OPENAPI_GZIP_BASE64, 'base64')).toString('utf8'))),
  putLocation: (d, i) => putLocation(d, i.params.locationId, i.body),
  listLocations: (d) => listLocations(d),
  getLocation: (d, i) => getLocation(d, i.params.locationId),
  putChannel: (d, i) => putChannel(d, i.params.channelId, i.body),
  listChannels: (d) => listChannels(d),
  getChannel: (d, i) => getChannel(d, i.params.channelId),
  putVariant: (d, i) => putVariant(d, i.params.variantId, i.body),
  getVariant: (d, i) => getVariant(d, i.params.variantId),
  listMovements: (d, i) => listMovements(d, i.params.variantId, i.query),
  getAvailability: (d, i) => getAvailability(d, i.query.variantIds, { locationId: i.query.locationId, locationIds: i.query.locationIds, channelId: i.query.channelId }),
  postAdjustment: (d, i) => adjustStock(d, i.body, i.idempotency?.key ?? randomUUID(), i.idempotency),
  getStock: (d, i) => stockReport(d, i.query),
  putCartLine: (d, i) => setCartLine(d, i.params.cartId, i.params.variantId, i.body),
  deleteCartLine: (d, i) => removeCartLine(d, i.params.cartId, i.params.variantId),
  deleteCart: (d, i) => clearCart(d, i.params.cartId),
  getCart: (d, i) => getCart(d, i.params.cartId),
  checkout: (d, i) => checkout(d, i.params.cartId, i.body.orderId, i.idempotency),
  postFulfillment: (d, i) => fulfil(d, i.params.orderId, i.body, i.idempotency),
  cancelOrder: (d, i) => cancelOrder(d, i.params.orderId, i.body, i.idempotency),
  getOrder: (d, i) => getOrder(d, i.params.orderId),
  listAlerts: (d, i) => listAlerts(d, i.query),
  createPurchaseOrder: (d, i) => createPurchaseOrder(d, i.body, i.idempotency),
  listPurchaseOrders: (d, i) => listPurchaseOrders(d, i.query),
  getPurchaseOrder: (d, i) => getPurchaseOrder(d, i.params.purchaseOrderId),
  receivePurchaseOrder: (d, i) => receivePurchaseOrder(d, i.params.purchaseOrderId, i.body, i.idempotency),
  cancelPurchaseOrder: (d, i) => cancelPurchaseOrder(d, i.params.purchaseOrderId, i.idempotency),
  createTransfer: (d, i) => createTransfer(d, i.body, i.idempotency),
  getTransfer: (d, i) => getTransfer(d, i.params.transferId),
  listTransfers: (d, i) => listTransfers(d, i.query),
  completeTransfer: (d, i) => completeTransfer(d, i.params.transferId, i.idempotency),
  cancelTransfer: (d, i) => cancelTransfer(d, i.params.transferId, i.idempotency),
};
