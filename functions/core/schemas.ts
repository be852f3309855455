/**
 * The HTTP contract's shapes (shared/API.md), as zod schemas. They validate requests, type the
 * domain's inputs and outputs, and generate the OpenAPI document, so contract and code cannot drift.
 * `.meta({ id })` names a schema as an OpenAPI component.
 */
import * as z from 'zod';
import { dict, type Dict } from './dict';

export const Id = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 _ . : -')
  .meta({ id: 'Id', example: 'sku-123' });

/** Stands in for a `__proto__` key while zod validates a record: it contains '#', so it is never an id. */
const PROTO_KEY = '#__proto__';

/**
 * A JSON object keyed by ids, parsed into a Dict (./dict.ts). zod's record skips a `__proto__` key (it
 * guards the prototype of the plain object it builds), but `__proto__` is a valid id: it is renamed for
 * the validation and named again in the Dict, so no key is lost.
 */
const idRecord = <V extends z.ZodType>(value: V) =>
  z
    .preprocess(
      (input) =>
        input && typeof input === 'object' && !Array.isArray(input) && Object.hasOwn(input, '__proto__')
          ? Object.fromEntries(Object.entries(input).map(([k, v]) => [k === '__proto__' ? PROTO_KEY : k, v]))
          : input,
      z.record(z.union([Id, z.literal(PROTO_KEY)]), value),
    )
    .transform((r): Dict<z.output<V>> => dict(Object.entries(r).map(([k, v]) => [k === PROTO_KEY ? '__proto__' : k, v as z.output<V>])));

const Quantity = z.number().int().min(0).max(1_000_000_000);
const PositiveQuantity = z.number().int().min(1).max(1_000_000_000);
const IsoDate = z.iso.date().meta({ description: 'A calendar date, YYYY-MM-DD', example: '2026-12-24' });
const IsoDateTime = z.iso.datetime().meta({ description: 'ISO 8601 UTC time' });
const Reason = z.string().trim().min(1).max(200);
const Note = z.string().max(1000);

export const LocationType = z.enum(['warehouse', 'retail', 'fulfilment_centre', 'virtual']);
export const BackorderPolicy = z.enum(['deny', 'allow', 'preorder']);

// ---- locations ----
export const PutLocationBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    type: LocationType,
    active: z.boolean().optional(),
  })
  .meta({ id: 'PutLocationRequest' });

export const Location = z
  .object({
    locationId: Id,
    name: z.string(),
    type: LocationType,
    active: z.boolean(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .meta({ id: 'Location' });
export type Location = z.infer<typeof Location>;

// ---- levels ----
export const Levels = z.object({
  onHand: z.number().int(),
  softReserved: z.number().int(),
  hardReserved: z.number().int(),
  incoming: z.number().int(),
  available: z.number().int().meta({ description: 'onHand - softReserved - hardReserved (negative only for backorders)' }),
});
export type Levels = z.infer<typeof Levels>;

export const LocationLevels = Levels.extend({
  locationId: Id,
  active: z.boolean().meta({ description: 'false when the location does not sell (inactive or unknown)' }),
  lowStockThreshold: z.number().int().nullable(),
}).meta({ id: 'LocationLevels' });
export type LocationLevels = z.infer<typeof LocationLevels>;

// ---- sales channels ----
export const PutChannelBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    locationIds: z.array(Id).min(1).max(50).refine((ids) => new Set(ids).size === ids.length, 'each location may appear once'),
  })
  .meta({ id: 'PutChannelRequest' });
export type PutChannelBody = z.infer<typeof PutChannelBody>;

export const Channel = z
  .object({ channelId: Id, name: z.string(), locationIds: z.array(Id), createdAt: IsoDateTime, updatedAt: IsoDateTime })
  .meta({ id: 'Channel', description: 'A sales channel (web, app, a marketplace) and the locations it sells from.' });
export type Channel = z.infer<typeof Channel>;

// ---- variants ----
export const PutVariantBody = z
  .strictObject({
    backorderPolicy: BackorderPolicy.optional(),
    expectedAvailabilityDate: IsoDate.nullable().optional(),
    lowStockThreshold: Quantity.nullable().optional(),
    locationThresholds: idRecord(Quantity).optional(),
    hotLocations: idRecord(z.number().int().min(2).max(32))
      .nullable()
      .optional()
      .meta({
        description:
          'Flash-sale mode: per location, the number of buckets (2-32) its stock of this variant is split over, so that holds there can go past one item\'s write limit. null, or a location left out, turns the mode off there. Figures never change with it.',
      }),
  })
  .meta({
    id: 'PutVariantRequest',
    description: 'Fields left out keep their current value; null clears a value.',
  });
export type PutVariantBody = z.infer<typeof PutVariantBody>;

export const VariantConfig = z.object({
  variantId: Id,
  backorderPolicy: BackorderPolicy,
  expectedAvailabilityDate: IsoDate.nullable(),
  lowStockThreshold: z.number().int().nullable(),
  locationThresholds: z.record(z.string(), z.number().int()),
  hotLocations: z.record(z.string(), z.number().int()).meta({ description: 'Buckets per hot location (flash-sale mode); empty when none.' }),
});
export type VariantConfig = z.infer<typeof VariantConfig>;

export const Variant = VariantConfig.extend(Levels.shape)
  .extend({ locations: z.array(LocationLevels) })
  .meta({ id: 'Variant', description: 'Configuration, totals over all locations, and levels per location.' });
export type Variant = z.infer<typeof Variant>;

// ---- movements ----
export const MovementType = z.enum([
  'adjustment',
  'cart_hold',
  'cart_release',
  'hold_expired',
  'checkout',
  'fulfillment',
  'order_cancel',
  'po_created',
  'po_receipt',
  'po_cancelled',
  'transfer_out',
  'transfer_in',
]);
export type MovementType = z.infer<typeof MovementType>;

export const Deltas = z.object({
  onHand: z.number().int(),
  softReserved: z.number().int(),
  hardReserved: z.number().int(),
  incoming: z.number().int(),
});
export type Deltas = z.infer<typeof Deltas>;

export const Movement = z
  .object({
    movementId: z.string(),
    at: IsoDateTime,
    type: MovementType,
    variantId: Id,
    locationId: Id,
    deltas: Deltas,
    reference: z.string().meta({ description: 'What caused it: cart:<id>, order:<id>, adjustment:<id>, ...' }),
    reason: z.string(),
    note: z.string().optional(),
  })
  .meta({ id: 'Movement' });
export type Movement = z.infer<typeof Movement>;

export const MovementPage = z
  .object({ movements: z.array(Movement), cursor: z.string().nullable() })
  .meta({ id: 'MovementPage' });

// ---- catalog read ----
export const AvailabilityQuery = z.strictObject({
  variantIds: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(Id).min(1).max(100))
    .meta({ description: 'Comma-separated, 1 to 100 variant ids' }),
  locationId: Id.optional().meta({ description: 'Only this location (kept from v1; the same as locationIds with one id)' }),
  locationIds: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(Id).min(1).max(50))
    .optional()
    .meta({ description: 'Comma-separated, 1 to 50 location ids: levels and totals over these locations only (those that sell)' }),
  channelId: Id.optional().meta({ description: "A sales channel: levels and totals over its locations (those that sell); 404 for an unknown channel" }),
});

export const VariantAvailability = Levels.extend({
  variantId: Id,
  backorderPolicy: BackorderPolicy,
  purchasable: z.boolean(),
  expectedAvailabilityDate: IsoDate.nullable(),
  locations: z.array(LocationLevels),
}).meta({
  id: 'VariantAvailability',
  description: 'Totals count the locations that sell (active); inactive ones are listed with active: false.',
});
export type VariantAvailability = z.infer<typeof VariantAvailability>;

export const AvailabilityResponse = z
  .object({ variants: z.array(VariantAvailability) })
  .meta({ id: 'AvailabilityResponse' });

// ---- adjustments and the stock report ----
export const AdjustmentBody = z
  .strictObject({
    variantId: Id,
    locationId: Id,
    delta: z.number().int().min(-1_000_000_000).max(1_000_000_000).refine((d) => d !== 0, 'must not be 0').optional(),
    onHand: Quantity.optional(),
    reason: Reason,
    note: Note.optional(),
  })
  .refine((b) => (b.delta === undefined) !== (b.onHand === undefined), {
    message: 'exactly one of delta or onHand is required',
    path: ['delta'],
  })
  .meta({ id: 'AdjustmentRequest' });
export type AdjustmentBody = z.infer<typeof AdjustmentBody>;

export const StockLevel = LocationLevels.extend({ variantId: Id }).meta({ id: 'StockLevel' });
export type StockLevel = z.infer<typeof StockLevel>;

const BooleanString = z.enum(['true', 'false']).transform((s) => s === 'true');
const Cursor = z.string().max(2048);
const Limit = z.coerce.number().int().min(1).max(100);

export const StockQuery = z.strictObject({
  locationId: Id.optional(),
  lowStockOnly: BooleanString.optional(),
  cursor: Cursor.optional(),
  limit: Limit.optional(),
});

export const StockPage = z
  .object({ levels: z.array(StockLevel), cursor: z.string().nullable() })
  .meta({ id: 'StockPage' });

export const MovementsQuery = z.strictObject({
  locationId: Id.optional(),
  cursor: Cursor.optional(),
  limit: Limit.optional(),
});

// ---- carts ----
export const PutCartLineBody = z
  .strictObject({
    quantity: Quantity,
    locationId: Id.optional(),
    channelId: Id.optional().meta({ description: "Without locationId: allocate only from this sales channel's active locations (404 for an unknown channel)" }),
  })
  .meta({ id: 'PutCartLineRequest' });
export type PutCartLineBody = z.infer<typeof PutCartLineBody>;

export const Allocation = z
  .object({ locationId: Id, quantity: z.number().int() })
  .meta({ id: 'Allocation' });
export type Allocation = z.infer<typeof Allocation>;

export const CartLine = z
  .object({
    cartId: Id,
    variantId: Id,
    quantity: z.number().int(),
    allocations: z.array(Allocation),
    backorderedQuantity: z.number().int(),
    expiresAt: IsoDateTime.nullable(),
    expired: z.boolean().meta({ description: 'true once the hold period has passed; checkout re-reserves it if stock allows' }),
    expectedAvailabilityDate: IsoDate.nullable(),
  })
  .meta({ id: 'CartLine' });
export type CartLine = z.infer<typeof CartLine>;

export const Cart = z
  .object({
    cartId: Id,
    lines: z.array(CartLine),
    expiresAt: IsoDateTime.nullable().meta({ description: 'When the first of its live holds lapses' }),
  })
  .meta({ id: 'Cart' });
export type Cart = z.infer<typeof Cart>;

// ---- orders ----
export const CheckoutBody = z.strictObject({ orderId: Id }).meta({ id: 'CheckoutRequest' });
export const OrderLineQuantity = z.strictObject({ variantId: Id, locationId: Id, quantity: PositiveQuantity });
export const FulfillmentBody = z
  .strictObject({ fulfillmentId: Id, lines: z.array(OrderLineQuantity).min(1).max(50) })
  .meta({ id: 'FulfillmentRequest' });
export const CancelOrderBody = z
  .strictObject({ lines: z.array(OrderLineQuantity).min(1).max(50).optional() })
  .meta({ id: 'CancelOrderRequest' });

export const OrderLine = z
  .object({
    variantId: Id,
    locationId: Id,
    reserved: z.number().int().meta({ description: 'Units still hard-reserved (not yet fulfilled or cancelled)' }),
    fulfilled: z.number().int(),
    cancelled: z.number().int(),
    backordered: z.number().int(),
  })
  .meta({ id: 'OrderLine' });
export type OrderLine = z.infer<typeof OrderLine>;

export const Order = z
  .object({
    orderId: Id,
    cartId: Id,
    status: z.enum(['open', 'fulfilled', 'cancelled', 'closed']),
    createdAt: IsoDateTime,
    lines: z.array(OrderLine),
  })
  .meta({ id: 'Order' });
export type Order = z.infer<typeof Order>;

export const CheckoutResponse = z
  .object({
    orderId: Id,
    cartId: Id,
    lines: z.array(z.object({ variantId: Id, quantity: z.number().int(), allocations: z.array(Allocation) })),
  })
  .meta({ id: 'CheckoutResponse' });
export type CheckoutResponse = z.infer<typeof CheckoutResponse>;

// ---- common ----
export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.string().meta({ example: 'insufficient_stock' }),
        message: z.string(),
      })
      .catchall(z.unknown()),
  })
  .meta({ id: 'Error' });

export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const Empty = z.strictObject({});

// ---- low-stock alerts ----
export const AlertStatus = z.enum(['open', 'cleared']);
export const Alert = z
  .object({
    alertId: z.string(),
    variantId: Id,
    locationId: Id,
    status: AlertStatus,
    available: z.number().int().meta({ description: 'Available at the last transition' }),
    threshold: z.number().int(),
    openedAt: IsoDateTime,
    clearedAt: IsoDateTime.nullable(),
  })
  .meta({ id: 'Alert' });
export type Alert = z.infer<typeof Alert>;
export const AlertsQuery = z.strictObject({ locationId: Id.optional(), status: AlertStatus.optional(), cursor: Cursor.optional(), limit: Limit.optional() });
export const AlertList = z
  .object({ alerts: z.array(Alert), cursor: z.string().nullable().meta({ description: 'The next page, if any (pass it as `cursor`)' }) })
  .meta({ id: 'AlertList' });

// ---- purchase orders ----
const SupplyLine = z.strictObject({ variantId: Id, quantity: PositiveQuantity });
const distinctVariants = (lines: { variantId: string }[]) => new Set(lines.map((l) => l.variantId)).size === lines.length;

export const CreatePurchaseOrderBody = z
  .strictObject({
    purchaseOrderId: Id.optional(),
    supplier: z.string().trim().min(1).max(200),
    locationId: Id,
    expectedAt: IsoDate.optional(),
    lines: z.array(SupplyLine).min(1).max(40).refine(distinctVariants, 'each variant may appear once'),
  })
  .meta({ id: 'CreatePurchaseOrderRequest' });
export type CreatePurchaseOrderBody = z.infer<typeof CreatePurchaseOrderBody>;

export const ReceiptBody = z
  .strictObject({ receiptId: Id, lines: z.array(SupplyLine).min(1).max(40).refine(distinctVariants, 'each variant may appear once') })
  .meta({ id: 'ReceiptRequest' });
export type ReceiptBody = z.infer<typeof ReceiptBody>;

export const PurchaseOrderStatus = z.enum(['open', 'partially_received', 'received', 'cancelled']);
export const PurchaseOrder = z
  .object({
    purchaseOrderId: Id,
    supplier: z.string(),
    locationId: Id,
    expectedAt: IsoDate.nullable(),
    status: PurchaseOrderStatus,
    lines: z.array(z.object({ variantId: Id, ordered: z.number().int(), received: z.number().int(), outstanding: z.number().int() })),
    receipts: z.array(z.string()),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .meta({ id: 'PurchaseOrder' });
export type PurchaseOrder = z.infer<typeof PurchaseOrder>;

/** A list's query: filtered by status and location, paged by cursor. */
const listQuery = <S extends z.ZodType>(status: S) =>
  z.strictObject({ status: status.optional(), locationId: Id.optional(), cursor: Cursor.optional(), limit: Limit.optional() });

export const PurchaseOrdersQuery = listQuery(PurchaseOrderStatus);
export const PurchaseOrderPage = z
  .object({ purchaseOrders: z.array(PurchaseOrder), cursor: z.string().nullable() })
  .meta({ id: 'PurchaseOrderPage' });

// ---- transfers ----
export const CreateTransferBody = z
  .strictObject({
    transferId: Id.optional(),
    fromLocationId: Id,
    toLocationId: Id,
    lines: z.array(SupplyLine).min(1).max(30).refine(distinctVariants, 'each variant may appear once'),
  })
  .refine((b) => b.fromLocationId !== b.toLocationId, { message: 'must differ from fromLocationId', path: ['toLocationId'] })
  .meta({ id: 'CreateTransferRequest' });
export type CreateTransferBody = z.infer<typeof CreateTransferBody>;

export const Transfer = z
  .object({
    transferId: Id,
    fromLocationId: Id,
    toLocationId: Id,
    status: z.enum(['pending', 'completed', 'cancelled']),
    lines: z.array(z.object({ variantId: Id, quantity: z.number().int() })),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
  })
  .meta({ id: 'Transfer' });
export type Transfer = z.infer<typeof Transfer>;
export const TransfersQuery = listQuery(z.enum(['pending', 'completed', 'cancelled']));
export const TransferPage = z.object({ transfers: z.array(Transfer), cursor: z.string().nullable() }).meta({ id: 'TransferPage' });
