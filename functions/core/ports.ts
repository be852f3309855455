/**
 * The ports the domain's commands run against. The DynamoDB adapter implements InventoryStore; the
 * EventBridge adapter implements EventPublisher. Commands take them as arguments, so the same command
 * runs in Lambda, in the local server and in tests.
 */
import type { ScannedRecord } from './audit';
import type { Movement } from './schemas';
import type { PlannedChange } from './planned-change';
import type { ChannelRecord, StockStateRecord } from './records';
import type { AlertRecord, AlertStateRecord, CartRecord, IdempotencyRecord, LocationRecord, OrderRecord, PurchaseOrderRecord, TransferRecord, VariantRecord } from './records';

export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export interface IdempotencyWrite {
  key: string;
  fingerprint: string;
  statusCode: number;
  body: unknown;
}

export interface InventoryStore {
  /** Every record an audit looks at, read once (a scan of the whole table). */
  scan(): AsyncIterable<ScannedRecord>;

  /** Resolves when the table answers a read; throws otherwise. */
  ping(): Promise<void>;

  /** Applies the whole change atomically, with the idempotency record when given; throws DomainError or ConcurrentChangeError. */
  commit(change: PlannedChange, idempotency?: IdempotencyWrite): Promise<void>;
  /** How many actions committing `change` takes; a commit takes at most `maxActions`. Commands size what they plan with these. */
  actionsFor(change: PlannedChange, withIdempotency?: boolean): number;
  readonly maxActions: number;

  getLocation(locationId: string): Promise<LocationRecord | undefined>;
  listLocations(): Promise<LocationRecord[]>;
  getChannel(channelId: string): Promise<ChannelRecord | undefined>;
  listChannels(): Promise<ChannelRecord[]>;

  /** Which of a variant's scopes are in stock, as the stream last judged them. */
  getStockState(variantId: string): Promise<StockStateRecord | undefined>;
  /** The variants in stock at a location (as judged), in id order, all pages. */
  listInStock(locationId: string): Promise<string[]>;

  /**
   * A variant with its levels at every location, or at `locationIds` only (what a change at those locations
   * reads, whatever the number of locations the variant is stocked at); strongly consistent unless `consistent` is false.
   */
  getVariant(variantId: string, consistent?: boolean, locationIds?: string[]): Promise<VariantRecord>;
  /** A variant's configuration only (its `levels` empty): what judging one level against its threshold needs. */
  getVariantConfig(variantId: string): Promise<VariantRecord>;
  /** Many variants, eventually consistent, in one round trip: with their levels everywhere, or at `locationIds` only. */
  getVariants(variantIds: string[], locationIds?: string[]): Promise<VariantRecord[]>;
  /** Variants in id order, a page at a time. */
  listVariants(cursor: string | undefined, limit: number): Promise<Page<VariantRecord>>;

  listMovements(variantId: string, options: { locationId?: string; cursor?: string; limit: number }): Promise<Page<Movement>>;

  getIdempotency(key: string): Promise<IdempotencyRecord | undefined>;

  getCart(cartId: string): Promise<CartRecord | undefined>;
  /** Carts whose live holds lapsed before `before`; with a variant, only carts that hold it. */
  listExpiredCarts(before: string, options?: { variantId?: string; limit?: number }): Promise<CartRecord[]>;

  getOrder(orderId: string): Promise<OrderRecord | undefined>;

  getPurchaseOrder(id: string): Promise<PurchaseOrderRecord | undefined>;
  /** Newest first; status and location filter the pages (a page may be short). */
  listPurchaseOrders(options: { status?: string; locationId?: string; cursor?: string; limit: number }): Promise<Page<PurchaseOrderRecord>>;
  getTransfer(id: string): Promise<TransferRecord | undefined>;
  /** Newest first; status and location (either end) filter the pages. */
  listTransfers(options: { status?: string; locationId?: string; cursor?: string; limit: number }): Promise<Page<TransferRecord>>;

  getAlertState(variantId: string, locationId: string): Promise<AlertStateRecord | undefined>;
  getAlert(alertId: string): Promise<AlertRecord | undefined>;
  /** Alerts of the given statuses, optionally at one location, newest first, a page at a time. */
  listAlerts(options: { statuses: ('open' | 'cleared')[]; locationId?: string; cursor?: string; limit: number }): Promise<Page<AlertRecord>>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface PublishedEvent {
  /** Stays the same across retries, so subscribers can de-duplicate. */
  id: string;
  detailType: string;
  detail: Record<string, unknown>;
}

export interface EventPublisher {
  /** Publishes every event or throws, naming the ones that failed. */
  publish(events: PublishedEvent[]): Promise<void>;
}

/**
 * The service's own metrics, by name, with the unit CloudWatch stores each in: the names the alarms and the dashboard
 * read (lib/constructs/monitoring.ts; namespace `Inventory`, dimension `service=inventory`). A counter's values are
 * summed over an invocation; a gauge's are each kept (the alarms read their Maximum). docs/operations.md says where
 * each is emitted.
 */
export const METRICS = {
  HoldsGranted: { unit: 'Count', kind: 'counter' },
  HoldsRefused: { unit: 'Count', kind: 'counter' },
  ConflictsRetried: { unit: 'Count', kind: 'counter' },
  /** Cart lines released, with the dimension `path`: sweeper, reclaim or ttl. */
  HoldsReleased: { unit: 'Count', kind: 'counter' },
  Checkouts: { unit: 'Count', kind: 'counter' },
  AlertsOpened: { unit: 'Count', kind: 'counter' },
  AlertsCleared: { unit: 'Count', kind: 'counter' },
  EventsPublished: { unit: 'Count', kind: 'counter' },
  EventsFailed: { unit: 'Count', kind: 'counter' },
  LapsedHoldsUnreleased: { unit: 'Count', kind: 'gauge' },
  StreamBatchAge: { unit: 'Milliseconds', kind: 'gauge' },
} as const;

export type MetricName = keyof typeof METRICS;
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['kind'] extends 'counter' ? K : never }[MetricName];
export type GaugeName = Exclude<MetricName, CounterName>;
/** A metric's dimensions besides `service` (which every metric has): `path` for HoldsReleased. */
export type MetricDimensions = Readonly<Record<string, string>>;

/** Where the domain reports what it did (Powertools Metrics in Lambda: functions/commons/metrics.ts). Optional on Deps: none, no metrics. */
export interface MetricsSink {
  /** Adds `value` (default 1) to a counter. */
  count(name: CounterName, value?: number, dimensions?: MetricDimensions): void;
  /** Records one value of a gauge. */
  gauge(name: GaugeName, value: number): void;
}
