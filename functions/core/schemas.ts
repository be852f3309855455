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
  damaged: z.number().int().meta({ description: 'Units counted in onHand that are damaged: not sellable' }),
  qualityControl: z.number().int().meta({ description: 'Units counted in onHand held for quality control: not sellable' }),
  safetyStock: z.number().int().meta({ description: 'A floor kept back from sale (the variant\'s or the location\'s safety stock)' }),
  available: z.number().int().meta({
    description:
      'onHand - softReserved - hardReserved - damaged - qualityControl - safetyStock (negative only for backorders, or when the safety stock is more than the sellable units)',
  }),
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
    safetyStock: Quantity.nullable().optional().meta({ description: 'Units kept back from sale at every location (null: none)' }),
    locationSafetyStock: idRecord(Quantity)
      .optional()
      .meta({ description: 'Per location, a safety stock that overrides the variant\'s there (the whole map is replaced)' }),
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
  safetyStock: z.number().int().nullable(),
  locationSafetyStock: z.record(z.string(), z.number().int()),
});
export type VariantConfig = z.infer<typeof VariantConfig>;

// `safetyStock` is the configuration's here (what PUT takes, so a read-modify-write keeps it); the total kept back over
// the locations is `safetyStockTotal`, and each location's level shows its own `safetyStock`.
export const Variant = VariantConfig.extend(Levels.omit({ safetyStock: true }).shape)
  .extend({
    safetyStockTotal: z.number().int().meta({ description: 'The safety stock kept back over all locations (each location\'s is in its level)' }),
    locations: z.array(LocationLevels),
  })
  .meta({
    id: 'Variant',
    description: 'Configuration, totals over all locations, and levels per location. safetyStock is the configured variant-wide safety stock (null: none); safetyStockTotal the sum over the locations.',
  });
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
  'safety_stock',
  'stock_count',
  'reconciliation',
]);
export type MovementType = z.infer<typeof MovementType>;

export const Deltas = z.object({
  onHand: z.number().int(),
  softReserved: z.number().int(),
  hardReserved: z.number().int(),
  incoming: z.number().int(),
  damaged: z.number().int(),
  qualityControl: z.number().int(),
  safetyStock: z.number().int(),
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
export const UnsellableState = z.enum(['damaged', 'qualityControl']);
export type UnsellableState = z.infer<typeof UnsellableState>;

export const AdjustmentBody = z
  .strictObject({
    variantId: Id,
    locationId: Id,
    delta: z.number().int().min(-1_000_000_000).max(1_000_000_000).refine((d) => d !== 0, 'must not be 0').optional(),
    onHand: Quantity.optional(),
    state: UnsellableState.optional().meta({
      description: 'With delta: moves units between sellable and this state (positive: into it; negative: back); on-hand is unchanged',
    }),
    expectedOnHand: Quantity.optional().meta({
      description: 'Compare-and-set: applied only if the location\'s on-hand is still this figure, else 409 stale_quantity with the current onHand',
    }),
    reason: Reason,
    note: Note.optional(),
  })
  .refine((b) => (b.delta === undefined) !== (b.onHand === undefined), {
    message: 'exactly one of delta or onHand is required',
    path: ['delta'],
  })
  .refine((b) => b.state === undefined || b.delta !== undefined, { message: 'state moves units by delta: onHand cannot be given with it', path: ['state'] })
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

// ---- stock counts ----
const distinctIds = (ids: string[]) => new Set(ids).size === ids.length;

export const CreateStockCountBody = z
  .strictObject({
    stockCountId: Id.optional(),
    locationId: Id,
    variantIds: z
      .array(Id)
      .min(1)
      .max(500)
      .refine(distinctIds, 'each variant may appear once')
      .optional()
      .meta({ description: 'The variants to count (1-500); absent: every variant stocked at the location (at most 500)' }),
  })
  .meta({ id: 'CreateStockCountRequest' });
export type CreateStockCountBody = z.infer<typeof CreateStockCountBody>;

export const ObservationBody = z
  .strictObject({
    observationId: Id,
    lines: z
      .array(z.strictObject({ variantId: Id, counted: Quantity }))
      .min(1)
      .max(500)
      .refine((lines) => distinctIds(lines.map((l) => l.variantId)), 'each variant may appear once'),
  })
  .meta({ id: 'StockCountObservationRequest' });
export type ObservationBody = z.infer<typeof ObservationBody>;

export const StockCountStatus = z.enum(['open', 'applying', 'applied', 'cancelled']);
export const StockCountLine = z
  .object({
    variantId: Id,
    expectedOnHand: z.number().int().meta({ description: 'On-hand when the count opened (for a variant first found by an observation: when it was)' }),
    counted: z.number().int().nullable().meta({ description: 'What the observations counted, added up; null until observed' }),
    variance: z.number().int().nullable().meta({ description: 'counted - expectedOnHand; null until observed' }),
    applied: z.number().int().nullable().meta({ description: 'The on-hand change the apply made (the variance, unless on-hand had less by then); null until applied' }),
  })
  .meta({ id: 'StockCountLine' });
export const StockCount = z
  .object({
    stockCountId: Id,
    locationId: Id,
    status: StockCountStatus.meta({ description: 'applying: an apply larger than one transaction is under way (apply again to finish it)' }),
    lines: z.array(StockCountLine),
    observations: z.array(z.string()).meta({ description: 'The observation ids recorded' }),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    appliedAt: IsoDateTime.nullable(),
  })
  .meta({ id: 'StockCount' });
export type StockCount = z.infer<typeof StockCount>;
export const StockCountsQuery = listQuery(StockCountStatus);
export const StockCountPage = z.object({ stockCounts: z.array(StockCount), cursor: z.string().nullable() }).meta({ id: 'StockCountPage' });

// ---- audits (reconciliation) ----
export const AuditFigure = z.enum(['onHand', 'softReserved', 'hardReserved', 'incoming', 'damaged', 'qualityControl', 'safetyStock', 'available']);
export const AuditFinding = z
  .object({
    findingId: Id,
    variantId: Id,
    locationId: Id,
    figure: AuditFigure,
    recorded: z.number().int().meta({ description: 'The figure as the audit read it' }),
    expected: z.number().int().meta({
      description: 'What it should be: the live cart holds (softReserved), the order lines still reserved (hardReserved), what open purchase orders bring (incoming), the configuration (safetyStock), the ledger (onHand, damaged, qualityControl), the formula (available)',
    }),
    ledger: z.number().int().nullable().meta({ description: 'What its movements in the ledger summed to (null for available)' }),
    cause: z.string(),
    status: z.enum(['open', 'repaired', 'stale']).meta({ description: 'repaired by a reconciliation movement; stale: the figure had changed since the audit, left alone' }),
    resolvedAt: IsoDateTime.nullable(),
  })
  .meta({ id: 'AuditFinding' });
export type AuditFinding = z.infer<typeof AuditFinding>;
const AuditFields = {
  auditId: Id,
  status: z.enum(['running', 'completed', 'failed']),
  trigger: z.enum(['api', 'schedule']),
  requestedAt: IsoDateTime,
  startedAt: IsoDateTime.nullable(),
  completedAt: IsoDateTime.nullable(),
  checked: z.number().int().meta({ description: 'Variant-locations judged' }),
  skipped: z.number().int().meta({ description: 'Variant-locations that changed while the audit read the table: judged by the next audit' }),
  truncated: z.boolean().meta({ description: 'More findings than one audit keeps (1,000): the first ones, by variant and location, are listed' }),
  readUnits: z.number().meta({ description: 'DynamoDB read units the audit consumed' }),
  error: z.string().nullable(),
};
export const AuditSummary = z.object(AuditFields).meta({ id: 'AuditSummary' });
export type AuditSummary = z.infer<typeof AuditSummary>;
export const Audit = z.object({ ...AuditFields, findings: z.array(AuditFinding) }).meta({ id: 'Audit' });
export type Audit = z.infer<typeof Audit>;
export const AuditStarted = z.object({ auditId: Id, status: z.literal('running') }).meta({ id: 'AuditStarted' });
export const AuditsQuery = z.strictObject({ cursor: Cursor.optional(), limit: Limit.optional() });
export const AuditPage = z.object({ audits: z.array(AuditSummary), cursor: z.string().nullable() }).meta({ id: 'AuditPage' });
export const RepairBody = z
  .strictObject({
    findingIds: z
      .array(Id)
      .min(1)
      .max(1000)
      .refine(distinctIds, 'each finding may appear once')
      .optional()
      .meta({ description: 'The findings to repair; absent: every open finding' }),
  })
  .meta({ id: 'RepairRequest' });
export type RepairBody = z.infer<typeof RepairBody>;
export const RepairResult = z
  .object({
    auditId: Id,
    repaired: z.array(Id).meta({ description: 'Findings this request repaired' }),
    stale: z.array(Id).meta({ description: 'Findings left alone: their figure had changed since the audit' }),
    findings: z.array(AuditFinding),
  })
  .meta({ id: 'RepairResult' });
export type RepairResult = z.infer<typeof RepairResult>;
