/**
 * The one table of routes. The API Gateway construct creates a route for each entry, the local server
 * matches requests against it, the HTTP handler dispatches by it, and the OpenAPI document is
 * generated from it. Each route names the role that may call it (`public` for none).
 */
import * as z from 'zod';
import type { DomainErrorCode } from '../core/errors';
import * as s from '../core/schemas';

export type Role = 'storefront' | 'orders' | 'backoffice';
export const ROLES: readonly Role[] = ['storefront', 'orders', 'backoffice'];
export type Access = Role | 'public';
/** The OAuth scope that grants a role (Cognito resource server `inventory`). */
export const scopeOf = (role: Role): string => `inventory/${role}`;
export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface RouteSpec {
  method: Method;
  /** API Gateway syntax: `{name}` for a path parameter. */
  path: string;
  role: Access;
  summary: string;
  /** More than the summary says, for the OpenAPI document (which adds the role, body, idempotency, paging and errors itself). */
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  response: { status: 200 | 201 | 202; schema: z.ZodType; description: string };
  /** The error codes this route returns besides the common ones. */
  errors?: DomainErrorCode[];
}

const P = {
  location: z.object({ locationId: s.Id }),
  channel: z.object({ channelId: s.Id }),
  variant: z.object({ variantId: s.Id }),
  cart: z.object({ cartId: s.Id }),
  cartLine: z.object({ cartId: s.Id, variantId: s.Id }),
  order: z.object({ orderId: s.Id }),
  purchaseOrder: z.object({ purchaseOrderId: s.Id }),
  transfer: z.object({ transferId: s.Id }),
  stockCount: z.object({ stockCountId: s.Id }),
  audit: z.object({ auditId: s.Id }),
};

export const routes = {
  health: {
    method: 'GET',
    path: '/health',
    role: 'public',
    summary: 'Health check: 200 when the service can read its table, else 503',
    response: { status: 200, schema: s.Health, description: 'The service is up' },
    errors: ['service_unavailable'],
  },
  openapi: {
    method: 'GET',
    path: '/openapi.json',
    role: 'public',
    summary: 'This API as an OpenAPI 3 document',
    response: { status: 200, schema: z.object({}).catchall(z.unknown()), description: 'The OpenAPI document' },
  },
  putLocation: {
    method: 'PUT',
    path: '/locations/{locationId}',
    role: 'backoffice',
    summary: 'Create or replace a stock location',
    params: P.location,
    body: s.PutLocationBody,
    response: { status: 200, schema: s.Location, description: 'The location' },
  },
  listLocations: {
    method: 'GET',
    path: '/locations',
    role: 'backoffice',
    summary: 'List stock locations',
    response: { status: 200, schema: z.object({ locations: z.array(s.Location) }), description: 'All locations' },
  },
  getLocation: {
    method: 'GET',
    path: '/locations/{locationId}',
    role: 'backoffice',
    summary: 'Get a stock location',
    params: P.location,
    response: { status: 200, schema: s.Location, description: 'The location' },
    errors: ['not_found'],
  },
  putChannel: {
    method: 'PUT',
    path: '/channels/{channelId}',
    role: 'backoffice',
    summary: 'Create or replace a sales channel: its name and the locations it sells from',
    params: P.channel,
    body: s.PutChannelBody,
    response: { status: 200, schema: s.Channel, description: 'The channel' },
    errors: ['not_found'],
  },
  listChannels: {
    method: 'GET',
    path: '/channels',
    role: 'backoffice',
    summary: 'List sales channels',
    response: { status: 200, schema: z.object({ channels: z.array(s.Channel) }), description: 'All channels' },
  },
  getChannel: {
    method: 'GET',
    path: '/channels/{channelId}',
    role: 'backoffice',
    summary: 'Get a sales channel',
    params: P.channel,
    response: { status: 200, schema: s.Channel, description: 'The channel' },
    errors: ['not_found'],
  },
  putVariant: {
    method: 'PUT',
    path: '/variants/{variantId}',
    role: 'backoffice',
    summary: "Set a variant's backorder policy, expected date and low-stock thresholds",
    params: P.variant,
    body: s.PutVariantBody,
    response: { status: 200, schema: s.Variant, description: 'The variant' },
  },
  getVariant: {
    method: 'GET',
    path: '/variants/{variantId}',
    role: 'backoffice',
    summary: "A variant's configuration, totals and levels per location",
    params: P.variant,
    response: { status: 200, schema: s.Variant, description: 'The variant' },
  },
  listMovements: {
    method: 'GET',
    path: '/variants/{variantId}/movements',
    role: 'backoffice',
    summary: "The variant's movement ledger: every change to a level, in order",
    params: P.variant,
    query: s.MovementsQuery,
    response: { status: 200, schema: s.MovementPage, description: 'A page of movements' },
  },
  getAvailability: {
    method: 'GET',
    path: '/availability',
    role: 'storefront',
    summary: 'Availability of 1 to 100 variants (the catalog read)',
    query: s.AvailabilityQuery,
    response: { status: 200, schema: s.AvailabilityResponse, description: 'Availability per variant' },
    errors: ['not_found'],
  },
  postAdjustment: {
    method: 'POST',
    path: '/stock/adjustments',
    role: 'backoffice',
    summary: 'Adjust on-hand stock by a delta or to an absolute count, or move units into or out of damaged or quality control; optionally compare-and-set on on-hand',
    body: s.AdjustmentBody,
    response: { status: 200, schema: s.StockLevel, description: 'The new levels' },
    errors: ['not_found', 'conflict', 'insufficient_stock', 'stale_quantity', 'idempotency_key_reused'],
  },
  getStock: {
    method: 'GET',
    path: '/stock',
    role: 'backoffice',
    summary: 'The stock report, filterable by location and low stock',
    query: s.StockQuery,
    response: { status: 200, schema: s.StockPage, description: 'A page of stock levels' },
  },
  putCartLine: {
    method: 'PUT',
    path: '/carts/{cartId}/lines/{variantId}',
    role: 'storefront',
    summary: "Set the cart's hold on a variant (0 removes it); restarts the hold period",
    params: P.cartLine,
    body: s.PutCartLineBody,
    response: { status: 200, schema: s.CartLine, description: 'The line as held' },
    errors: ['not_found', 'insufficient_stock', 'conflict'],
  },
  deleteCartLine: {
    method: 'DELETE',
    path: '/carts/{cartId}/lines/{variantId}',
    role: 'storefront',
    summary: "Release the cart's hold on a variant",
    params: P.cartLine,
    response: { status: 200, schema: s.CartLine, description: 'The line, now empty' },
  },
  deleteCart: {
    method: 'DELETE',
    path: '/carts/{cartId}',
    role: 'storefront',
    summary: "Release all the cart's holds",
    params: P.cart,
    response: { status: 200, schema: s.Cart, description: 'The cart, now empty' },
  },
  getCart: {
    method: 'GET',
    path: '/carts/{cartId}',
    role: 'storefront',
    summary: "The cart's lines and when its holds lapse",
    params: P.cart,
    response: { status: 200, schema: s.Cart, description: 'The cart' },
  },
  checkout: {
    method: 'POST',
    path: '/carts/{cartId}/checkout',
    role: 'orders',
    summary: "Turn every hold of the cart into the order's hard reservation, all or nothing",
    params: P.cart,
    body: s.CheckoutBody,
    response: { status: 200, schema: s.CheckoutResponse, description: 'The order reservation' },
    errors: ['insufficient_stock', 'conflict', 'idempotency_key_reused'],
  },
  postFulfillment: {
    method: 'POST',
    path: '/orders/{orderId}/fulfillments',
    role: 'orders',
    summary: 'Consume reserved stock: on-hand and hard-reserved both fall',
    params: P.order,
    body: s.FulfillmentBody,
    response: { status: 200, schema: s.Order, description: 'The order' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  cancelOrder: {
    method: 'POST',
    path: '/orders/{orderId}/cancel',
    role: 'orders',
    summary: 'Release the given (default: all unfulfilled) hard reservations',
    params: P.order,
    body: s.CancelOrderBody,
    response: { status: 200, schema: s.Order, description: 'The order' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  getOrder: {
    method: 'GET',
    path: '/orders/{orderId}',
    role: 'orders',
    summary: "Each line's reserved, fulfilled and cancelled quantities",
    params: P.order,
    response: { status: 200, schema: s.Order, description: 'The order' },
    errors: ['not_found'],
  },
  createPurchaseOrder: {
    method: 'POST',
    path: '/purchase-orders',
    role: 'backoffice',
    summary: 'Create an open purchase order; incoming rises by each line',
    body: s.CreatePurchaseOrderBody,
    response: { status: 201, schema: s.PurchaseOrder, description: 'The purchase order' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  listPurchaseOrders: {
    method: 'GET',
    path: '/purchase-orders',
    role: 'backoffice',
    summary: 'Purchase orders, newest first, filterable by status and location',
    query: s.PurchaseOrdersQuery,
    response: { status: 200, schema: s.PurchaseOrderPage, description: 'A page of purchase orders' },
  },
  getPurchaseOrder: {
    method: 'GET',
    path: '/purchase-orders/{purchaseOrderId}',
    role: 'backoffice',
    summary: 'A purchase order with ordered, received and outstanding per line',
    params: P.purchaseOrder,
    response: { status: 200, schema: s.PurchaseOrder, description: 'The purchase order' },
    errors: ['not_found'],
  },
  receivePurchaseOrder: {
    method: 'POST',
    path: '/purchase-orders/{purchaseOrderId}/receipts',
    role: 'backoffice',
    summary: 'Receive stock: on-hand rises, incoming falls (idempotent by receiptId)',
    params: P.purchaseOrder,
    body: s.ReceiptBody,
    response: { status: 200, schema: s.PurchaseOrder, description: 'The purchase order' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  cancelPurchaseOrder: {
    method: 'POST',
    path: '/purchase-orders/{purchaseOrderId}/cancel',
    role: 'backoffice',
    summary: 'Cancel: the outstanding quantity leaves incoming',
    params: P.purchaseOrder,
    body: s.Empty,
    response: { status: 200, schema: s.PurchaseOrder, description: 'The purchase order' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  createTransfer: {
    method: 'POST',
    path: '/transfers',
    role: 'backoffice',
    summary: 'Create a pending transfer between two locations',
    body: s.CreateTransferBody,
    response: { status: 201, schema: s.Transfer, description: 'The transfer' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  listTransfers: {
    method: 'GET',
    path: '/transfers',
    role: 'backoffice',
    summary: 'Transfers, newest first, filterable by status and location (either end)',
    query: s.TransfersQuery,
    response: { status: 200, schema: s.TransferPage, description: 'A page of transfers' },
  },
  getTransfer: {
    method: 'GET',
    path: '/transfers/{transferId}',
    role: 'backoffice',
    summary: 'A transfer',
    params: P.transfer,
    response: { status: 200, schema: s.Transfer, description: 'The transfer' },
    errors: ['not_found'],
  },
  completeTransfer: {
    method: 'POST',
    path: '/transfers/{transferId}/complete',
    role: 'backoffice',
    summary: "Move the stock: source on-hand falls, destination's rises, atomically",
    params: P.transfer,
    body: s.Empty,
    response: { status: 200, schema: s.Transfer, description: 'The transfer' },
    errors: ['not_found', 'conflict', 'insufficient_stock', 'idempotency_key_reused'],
  },
  cancelTransfer: {
    method: 'POST',
    path: '/transfers/{transferId}/cancel',
    role: 'backoffice',
    summary: 'Cancel a pending transfer',
    params: P.transfer,
    body: s.Empty,
    response: { status: 200, schema: s.Transfer, description: 'The transfer' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  createStockCount: {
    method: 'POST',
    path: '/stock-counts',
    role: 'backoffice',
    summary: 'Open a stock count at a location: each variant\'s on-hand now is what the count expects',
    body: s.CreateStockCountBody,
    response: { status: 201, schema: s.StockCount, description: 'The stock count, open' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  listStockCounts: {
    method: 'GET',
    path: '/stock-counts',
    role: 'backoffice',
    summary: 'Stock counts, newest first, filterable by status and location',
    query: s.StockCountsQuery,
    response: { status: 200, schema: s.StockCountPage, description: 'A page of stock counts' },
  },
  getStockCount: {
    method: 'GET',
    path: '/stock-counts/{stockCountId}',
    role: 'backoffice',
    summary: 'A stock count: expected, counted and variance per line',
    params: P.stockCount,
    response: { status: 200, schema: s.StockCount, description: 'The stock count' },
    errors: ['not_found'],
  },
  recordStockCountObservation: {
    method: 'POST',
    path: '/stock-counts/{stockCountId}/observations',
    role: 'backoffice',
    summary: 'Record what a counter found: counts add up across observations; an observationId applies once',
    params: P.stockCount,
    body: s.ObservationBody,
    response: { status: 200, schema: s.StockCount, description: 'The stock count' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  applyStockCount: {
    method: 'POST',
    path: '/stock-counts/{stockCountId}/apply',
    role: 'backoffice',
    summary: 'Change each counted line\'s on-hand by its variance (stock_count movements), keeping what moved since the count opened',
    params: P.stockCount,
    body: s.Empty,
    response: { status: 200, schema: s.StockCount, description: 'The stock count, applied' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  cancelStockCount: {
    method: 'POST',
    path: '/stock-counts/{stockCountId}/cancel',
    role: 'backoffice',
    summary: 'Cancel an open stock count',
    params: P.stockCount,
    body: s.Empty,
    response: { status: 200, schema: s.StockCount, description: 'The stock count, cancelled' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  requestAudit: {
    method: 'POST',
    path: '/audits',
    role: 'backoffice',
    summary: 'Start a reconciliation audit of every variant-location against its carts, orders, purchase orders, configuration and ledger',
    body: s.Empty,
    response: { status: 202, schema: s.AuditStarted, description: 'The audit, running (GET /audits/{auditId} until it is completed)' },
    errors: ['idempotency_key_reused'],
  },
  listAudits: {
    method: 'GET',
    path: '/audits',
    role: 'backoffice',
    summary: 'Audits, newest first (without their findings)',
    query: s.AuditsQuery,
    response: { status: 200, schema: s.AuditPage, description: 'A page of audits' },
  },
  getAudit: {
    method: 'GET',
    path: '/audits/{auditId}',
    role: 'backoffice',
    summary: 'An audit and its findings',
    params: P.audit,
    response: { status: 200, schema: s.Audit, description: 'The audit' },
    errors: ['not_found'],
  },
  repairAudit: {
    method: 'POST',
    path: '/audits/{auditId}/repair',
    role: 'backoffice',
    summary: 'Repair findings with reconciliation movements, each only if its figure has not changed since the audit (else stale)',
    params: P.audit,
    body: s.RepairBody,
    response: { status: 200, schema: s.RepairResult, description: 'What was repaired and what was stale' },
    errors: ['not_found', 'conflict', 'idempotency_key_reused'],
  },
  listAlerts: {
    method: 'GET',
    path: '/alerts',
    role: 'backoffice',
    summary: 'Low-stock alerts, filterable by location and status',
    query: s.AlertsQuery,
    response: { status: 200, schema: s.AlertList, description: 'Alerts, newest first' },
  },
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof routes;
export type OperationId = keyof Routes;

export const routeKeyOf = (r: RouteSpec): string => `${r.method} ${r.path}`;

const compiled = (Object.entries(routes) as [OperationId, RouteSpec][]).map(([operationId, r]) => {
  const names: string[] = [];
  const pattern = r.path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { operationId, route: r, names, regex: new RegExp(`^${pattern}$`) };
});

const byRouteKey = new Map(compiled.map((c) => [routeKeyOf(c.route), c.operationId]));

/** The operation API Gateway matched (its `routeKey`), if any. */
export const operationForRouteKey = (routeKey: string): OperationId | undefined => byRouteKey.get(routeKey);

export type RouteMatch =
  | { kind: 'found'; operationId: OperationId; routeKey: string; pathParameters: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: Method[] }
  | { kind: 'not_found' };

/** Matches a request as API Gateway does: literal segments, `{param}` for one segment, decoded. */
export function matchRoute(method: string, path: string): RouteMatch {
  const allow: Method[] = [];
  for (const c of compiled) {
    const m = c.regex.exec(path);
    if (!m) continue;
    if (c.route.method !== method) {
      allow.push(c.route.method);
      continue;
    }
    let pathParameters: Record<string, string>;
    try {
      pathParameters = Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    } catch {
      return { kind: 'not_found' };
    }
    return { kind: 'found', operationId: c.operationId, routeKey: routeKeyOf(c.route), pathParameters };
  }
  return allow.length ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
}
