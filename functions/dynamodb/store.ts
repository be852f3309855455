/**
 * The DynamoDB adapter: implements the InventoryStore port. Every change to stock goes through `commit`,
 * which sends what the ChangeCompiler (change-compiler.ts) makes of a PlannedChange as one
 * TransactWriteItems and hands a cancellation back to it to explain. The rest are the reads commands plan
 * from, the lists, and the audit's scan.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  paginateScan,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentChangeError, DomainError } from '../core/errors';
import { bucketCount, relayout, sumBuckets } from '../core/buckets';
import { applyDeltas } from '../core/planned-change';
import type { LevelChange } from '../core/planned-change';
import { emptyLevels, type LevelRecord } from '../core/records';
import { systemClock, type Clock, type IdempotencyWrite, type InventoryStore, type Page, type ScanOptions } from '../core/ports';
import type { Movement } from '../core/schemas';
import type { Item, StoredLevel } from './codec';
import { ChangeCompiler, Expr, expectationHolds, type BucketLayout } from './change-compiler';
import { bucketOf, decodeDict, decodeLevel, isLevelItem, cartLineAttribute, decodeCart, decodeMovement, decodeRecord, decodeVariant } from './codec';
import { cursorJson, decodeKeyCursor, encodeCursor, invalidCursor, keyShape, startKey, type KeyShape } from './cursor';
import * as keys from './keys';
import { classifyErrors } from './sdk-errors';
import type { ScannedRecord } from '../core/audit';
import { configOf } from '../core/views';
import { TABLE } from './table-schema';

import type { PlannedChange } from '../core/planned-change';
import { dict } from '../core/dict';
import type { Dict } from '../core/dict';
import type { Deltas } from '../core/schemas';
import type { ChannelRecord, StockStateRecord } from '../core/records';
import type { AuditFindingRecord, AuditRecord } from '../core/records';
import type { AlertRecord, AlertStateRecord, CartRecord, IdempotencyRecord, LocationRecord, OrderRecord, PurchaseOrderRecord, StockCountRecord, StoredRecord, TransferRecord, VariantRecord } from '../core/records';

export class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The time of every change it commits (movements, level times, cart updates): the commands' clock. */
    clock: Clock = systemClock,
  ) {
    classifyErrors(doc);
    this.compiler = new ChangeCompiler(tableName, clock, this.layout);
    this.maxActions = this.compiler.maxActions;
  }

  private readonly compiler: ChangeCompiler;
  /** What this store has seen of hot locations: where it places changes (hints only: see BucketLayout). */
  private readonly layout = new BucketHints();

  /**
   * Every record an audit looks at: a Scan of the whole table in pages (1 MB at most each), decoded by entity; a
   * variant's item gives its configuration and one level per location. With a budget (`readUnitsPerSecond`), the pages
   * are paced so that the read units consumed since the start stay within it: DynamoDB bills a Scan by the bytes it
   * reads, in 4 KB units (halved when eventually consistent), whatever the items. `segments` read in parallel, their
   * pages interleaved.
   */
  async *scan(options: ScanOptions = {}): AsyncGenerator<ScannedRecord> {
    const consistent = options.consistent ?? true;
    const segments = Math.max(1, options.segments ?? 1);
    const started = Date.now();
    let units = 0;
    const pace = async (pageUnits: number) => {
      units += pageUnits;
      options.onReadUnits?.(pageUnits);
      if (!options.readUnitsPerSecond) return;
      const due = started + (units / options.readUnitsPerSecond) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    };
    const pages = (segment: number) =>
      paginateScan(
        { client: this.doc },
        {
          TableName: this.tableName,
          ConsistentRead: consistent,
          ReturnConsumedCapacity: 'TOTAL',
          ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
        },
      );
    const readers = Array.from({ length: segments }, (_, i) => pages(i)[Symbol.asyncIterator]());
    const next = (i: number) => readers[i].next().then((r) => ({ i, r }));
    const pending = new Map(readers.map((_, i) => [i, next(i)]));
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      const page = r.value;
      await pace(page.ConsumedCapacity?.CapacityUnits ?? estimatedReadUnits(page.Items ?? [], consistent));
      pending.set(i, next(i));
      for (const item of page.Items ?? []) yield* scannedRecords(item);
    }
  }

  /** Answers whether the table can be read (one read of an item that does not exist: half a read unit). */
  async ping(): Promise<void> {
    await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.healthKey() }));
  }

  // ---------------------------------------------------------------- commit

  readonly maxActions: number;

  actionsFor(change: PlannedChange, withIdempotency = false): number {
    return this.compiler.actionsFor(change, withIdempotency);
  }

  async commit(change: PlannedChange, idempotency?: IdempotencyWrite): Promise<void> {
    const needed = this.actionsFor(change, !!idempotency);
    if (needed > this.maxActions) {
      throw new DomainError('conflict', `This change needs ${needed} writes; one atomic change takes at most ${this.maxActions}.`);
    }
    const actions = this.compiler.compile(await this.withoutHotLocationChecks(change), idempotency);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: actions.map((a) => a.item),
          // Makes the SDK's own retries of this call idempotent for ten minutes.
          ClientRequestToken: randomUUID(),
        }),
      );
    } catch (err) {
      const failed = this.compiler.failedAction(err, actions);
      const hot = failed && (failed.action.bucketOf ?? (Number(failed.old?.nb) > 1 ? levelChangeOf(change, failed.old!) : undefined));
      if (hot) throw await this.bucketFailure(hot);
      throw this.compiler.translate(err, actions);
    }
    for (const a of actions) if (a.bucketOf && a.bucket !== undefined && a.deltas) this.layout.applied(a.bucketOf, a.bucket, a.deltas);
    for (const r of change.records) {
      if (r.op === 'variant-config') this.layout.learnCounts(r.config.variantId, r.config.hotLocations);
      if (r.op === 'relayout') this.layout.learnBuckets(r.variantId, r.locationId, relayout(r.from.length ? r.from : [emptyLevels()], r.to, r.adjust));
    }
  }

  /**
   * At a hot location, every hold checking the location's item inside its transaction would cap the location at that
   * one item's limit again: there, the location is checked against its record read at most LOCATION_CHECK_MS ago
   * instead (so a location made inactive stops taking holds within that time, not at once).
   */
  private async withoutHotLocationChecks(change: PlannedChange): Promise<PlannedChange> {
    const hot = new Set(change.levels.filter((c) => this.layout.count(c.variantId, c.locationId) > 1).map((c) => c.locationId));
    if (hot.size === 0) return change;
    const records: PlannedChange['records'] = [];
    for (const r of change.records) {
      if (r.op !== 'location-active' || !hot.has(r.locationId)) {
        records.push(r);
        continue;
      }
      const location = await this.recentLocation(r.locationId);
      if (!location?.active) throw r.onFail(location !== undefined);
    }
    return { ...change, records };
  }

  private readonly locations = new Map<string, { at: number; location: Promise<LocationRecord | undefined> }>();

  private recentLocation(locationId: string): Promise<LocationRecord | undefined> {
    const cached = this.locations.get(locationId);
    if (cached && Date.now() - cached.at < LOCATION_CHECK_MS) return cached.location;
    const entry = { at: Date.now(), location: this.getLocation(locationId) };
    entry.location.catch(() => this.locations.delete(locationId));
    this.locations.set(locationId, entry);
    return entry.location;
  }

  /**
   * A guard failed at one bucket of a hot location (or at a location found hot since this store last looked): that
   * says nothing of the location, so the change's own error (e.g. short of stock) stands only if the location's total
   * fails the guard too, read from every bucket at once; otherwise the change is placed again from what was read.
   */
  private async bucketFailure(change: LevelChange): Promise<Error> {
    const level = await this.readLocation(change.variantId, change.locationId);
    if (level && expectationHolds(change, level)) return new ConcurrentChangeError('A bucket was short; the change is placed again.');
    // Read after the failure, the total may also reflect changes made since. Short of stock (available, on-hand, a
    // count's figure) at that moment is an answer; a hold or reservation the change releases being gone is not: the
    // record it came from (a cart, an order) has moved on too, and planning again from it finds what is left to do.
    const e = change.expect;
    const stockGuard = e.kind === 'guard' && (e.atLeast.available !== undefined || e.atLeast.onHand !== undefined || Object.keys(e.equals ?? {}).length > 0);
    return stockGuard ? change.onFail(level) : new ConcurrentChangeError('The hold or reservation moved since it was read; the change is planned again.');
  }

  /** A location's exact figures, from every one of its buckets when it is hot (what the store learns of it, kept). */
  private async readLocation(variantId: string, locationId: string): Promise<LevelRecord | undefined> {
    const v = await this.getVariant(variantId, true, [locationId]);
    return v.levels[locationId];
  }

  /**
   * The exact figures of a variant's hot locations: each location's buckets with its configuration, in one
   * TransactGetItems (a snapshot: units a relayout moves between buckets are never counted twice or missed). When the
   * configuration read with them has another bucket count, they are read again with it.
   */
  private async withBuckets(variant: VariantRecord, only?: string[], consistent = true): Promise<VariantRecord> {
    this.layout.learnCounts(variant.variantId, variant.hotLocations);
    const hot = Object.keys(variant.hotLocations).filter((loc) => !only || only.includes(loc));
    if (hot.length === 0) return variant;
    const levels = dict(Object.entries(variant.levels));
    const buckets = dict(Object.entries(variant.buckets));
    await Promise.all(
      hot.map(async (loc) => {
        let n = bucketCount(variant.hotLocations, loc);
        if (!consistent) {
          // The catalog's read: every bucket, eventually consistent (a quarter of a snapshot's read units), so a page
          // view of a flash-sale variant costs its buckets little; a relayout in progress may show for a moment.
          const found = await this.batchGet(Array.from({ length: n }, (_, b) => keys.bucketKey(variant.variantId, loc, b)), false);
          const sorted = found.sort((a, b) => bucketOf(a) - bucketOf(b)).map((i) => decodeLevel(i as unknown as StoredLevel));
          if (sorted.length > 0) {
            buckets[loc] = sorted;
            levels[loc] = sumBuckets(sorted);
          }
          return;
        }
        for (let attempt = 0; ; attempt++) {
          const out = await this.doc.send(
            new TransactGetCommand({
              TransactItems: [keys.variantKey(variant.variantId), ...Array.from({ length: n }, (_, b) => keys.bucketKey(variant.variantId, loc, b))].map((Key) => ({
                Get: { TableName: this.tableName, Key },
              })),
            }),
          );
          const [config, ...items] = (out.Responses ?? []).map((r) => r.Item);
          const now = bucketCount(decodeDict<number>(config?.hot), loc);
          if (now !== n && attempt < 3) {
            n = now;
            continue;
          }
          const found = items.filter((i): i is Item => !!i).sort((a, b) => bucketOf(a) - bucketOf(b)).map((i) => decodeLevel(i as unknown as StoredLevel));
          if (found.length === 0) {
            delete levels[loc];
            delete buckets[loc];
          } else {
            buckets[loc] = found;
            levels[loc] = sumBuckets(found);
          }
          this.layout.learnBuckets(variant.variantId, loc, found);
          return;
        }
      }),
    );
    return { ...variant, levels, buckets };
  }

  /** One item by key, strongly consistent: the reads that commands plan from. */
  private async getItem(key: { PK: string; SK: string }): Promise<Item | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  /** Every item of a GSI1 partition (optionally a key range), through the SDK's paginator, up to `limit` (also each page's size). */
  private async queryCollection(partition: string, options: { beginsWith?: string; before?: string; filter?: { expression: string; names: Record<string, string> }; limit?: number } = {}): Promise<Item[]> {
    const idx = TABLE.indexes.byCollection;
    const range = options.beginsWith !== undefined ? ' AND begins_with(#sk, :sk)' : options.before !== undefined ? ' AND #sk < :sk' : '';
    const items: Item[] = [];
    const pages = paginateQuery(
      { client: this.doc, pageSize: options.limit },
      {
        TableName: this.tableName,
        IndexName: idx.name,
        KeyConditionExpression: `#pk = :pk${range}`,
        ExpressionAttributeNames: { '#pk': idx.partitionKey, ...(range ? { '#sk': idx.sortKey } : {}), ...options.filter?.names },
        ExpressionAttributeValues: { ':pk': partition, ...(range ? { ':sk': options.beginsWith ?? options.before } : {}) },
        ...(options.filter ? { FilterExpression: options.filter.expression } : {}),
      },
    );
    for await (const page of pages) {
      items.push(...(page.Items ?? []));
      if (options.limit !== undefined && items.length >= options.limit) break;
    }
    return items;
  }

  // ---------------------------------------------------------------- variants

  /** A variant with its levels everywhere: one Query of its partition (its configuration and every level item). */
  async getVariant(variantId: string, consistent = true, locationIds?: string[]): Promise<VariantRecord> {
    if (locationIds) {
      const items = await this.batchGet([keys.variantKey(variantId), ...locationIds.map((loc) => keys.levelKey(variantId, loc))], consistent);
      return this.withBuckets(decodeVariant(variantId, items.find((i) => !isLevelItem(i)), items.filter(isLevelItem)), locationIds, consistent);
    }
    const items: Item[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.variantPartition(variantId) },
        ConsistentRead: consistent,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return this.withBuckets(decodeVariant(variantId, items.find((i) => !isLevelItem(i)), items.filter(isLevelItem)), undefined, consistent);
  }

  /** A variant's configuration alone (no levels): one GetItem. */
  async getVariantConfig(variantId: string): Promise<VariantRecord> {
    const variant = decodeVariant(variantId, await this.getItem(keys.variantKey(variantId)));
    this.layout.learnCounts(variantId, variant.hotLocations);
    return variant;
  }

  /**
   * Many variants, eventually consistent (the catalog's read). Everywhere: one Query per variant, all in
   * parallel (one round trip; read units grow with the level items read). At given locations: one
   * BatchGetItem of their configurations and those level items (100 keys a request, in parallel).
   */
  async getVariants(variantIds: string[], locationIds?: string[], consistent = false): Promise<VariantRecord[]> {
    if (!locationIds) return Promise.all(variantIds.map((id) => this.getVariant(id, consistent)));
    const found = await this.batchGet(
      variantIds.flatMap((id) => [keys.variantKey(id), ...locationIds.map((loc) => keys.levelKey(id, loc))]),
      consistent,
    );
    const byVariant = new Map<string, Item[]>();
    for (const item of found) byVariant.set(item.variantId as string, [...(byVariant.get(item.variantId as string) ?? []), item]);
    return Promise.all(
      variantIds.map((id) => {
        const items = byVariant.get(id) ?? [];
        return this.withBuckets(decodeVariant(id, items.find((i) => !isLevelItem(i)), items.filter(isLevelItem)), locationIds, consistent);
      }),
    );
  }

  /** Items by key (duplicates read once), in BatchGetItem requests of 100 in parallel; unprocessed keys retried with backoff. */
  private async batchGet(itemKeys: { PK: string; SK: string }[], consistent = false): Promise<Item[]> {
    const unique = [...new Map(itemKeys.map((k) => [`${k.PK}\u0000${k.SK}`, k])).values()];
    const chunks: (typeof unique)[] = [];
    for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
    const found: Item[] = [];
    await Promise.all(
      chunks.map(async (chunk) => {
        let request: Record<string, { Keys: Item[]; ConsistentRead?: boolean }> | undefined = { [this.tableName]: { Keys: chunk, ConsistentRead: consistent } };
        for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
          if (attempt > 0) await backoff(attempt);
          const out = await this.doc.send(new BatchGetCommand({ RequestItems: request }));
          found.push(...(out.Responses?.[this.tableName] ?? []));
          request = out.UnprocessedKeys as typeof request;
        }
      }),
    );
    return found;
  }

  async listVariants(cursor: string | undefined, limit: number): Promise<Page<VariantRecord>> {
    const idx = TABLE.indexes.keysOnly;
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: idx.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': idx.partitionKey },
        ExpressionAttributeValues: { ':pk': keys.VARIANT_LIST_PARTITION },
        ExclusiveStartKey: decodeKeyCursor(cursor, keyShape(idx, keys.VARIANT_LIST_PARTITION)),
        Limit: limit,
      }),
    );
    const ids = (out.Items ?? []).map((i) => i[idx.sortKey] as string);
    return { items: await this.getVariants(ids), cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  // ---------------------------------------------------------------- movements

  /**
   * A variant's ledger, oldest first, a page at a time: shard 0 and, for a variant that has had hot locations, its
   * other shards (keys.movementPartition), each queried from the cursor's sort key and merged. A page never passes
   * the point where a shard that has more stopped, so nothing is skipped; the cursor is the last sort key returned.
   */
  async listMovements(variantId: string, options: { locationId?: string; cursor?: string; limit: number }): Promise<Page<Movement>> {
    const from = decodeKeyCursor(options.cursor, keyShape(undefined, keys.movementPartition(variantId)));
    const shards = (await this.getItem(keys.variantKey(variantId)))?.ledgerShards as number | undefined;
    const lists = await Promise.all(
      Array.from({ length: Math.max(1, shards ?? 1) }, async (_, shard) => {
        const pk = keys.movementPartition(variantId, shard);
        const out = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'PK = :pk',
            ...(options.locationId
              ? { FilterExpression: 'locationId = :loc', ExpressionAttributeValues: { ':pk': pk, ':loc': options.locationId } }
              : { ExpressionAttributeValues: { ':pk': pk } }),
            ...(from ? { ExclusiveStartKey: { PK: pk, SK: from.SK } } : {}),
            Limit: options.limit,
          }),
        );
        return { items: out.Items ?? [], stoppedAt: out.LastEvaluatedKey?.SK as string | undefined };
      }),
    );
    const stops = lists.flatMap((l) => (l.stoppedAt ? [l.stoppedAt] : []));
    const boundary = stops.length ? stops.sort()[0] : undefined;
    const merged = lists
      .flatMap((l) => l.items)
      .filter((i) => boundary === undefined || (i.SK as string) <= boundary)
      .sort((a, b) => ((a.SK as string) < (b.SK as string) ? -1 : 1));
    const page = merged.slice(0, options.limit);
    const more = page.length < merged.length || boundary !== undefined;
    const last = page.length === options.limit || page.length < merged.length ? (page.at(-1)!.SK as string) : boundary;
    return {
      items: page.map(decodeMovement),
      cursor: more && last !== undefined ? encodeCursor({ PK: keys.movementPartition(variantId), SK: last }) : null,
    };
  }

  // ---------------------------------------------------------------- locations

  async getLocation(locationId: string): Promise<LocationRecord | undefined> {
    return decodeRecord<LocationRecord>(await this.getItem(keys.locationKey(locationId)));
  }

  async listLocations(): Promise<LocationRecord[]> {
    return (await this.queryCollection(keys.LOCATION_LIST_PARTITION)).map((i) => decodeRecord<LocationRecord>(i)!);
  }

  async getChannel(channelId: string): Promise<ChannelRecord | undefined> {
    return decodeRecord<ChannelRecord>(await this.getItem(keys.channelKey(channelId)));
  }

  async listChannels(): Promise<ChannelRecord[]> {
    return (await this.queryCollection(keys.CHANNEL_LIST_PARTITION)).map((i) => decodeRecord<ChannelRecord>(i)!);
  }

  async getStockState(variantId: string): Promise<StockStateRecord | undefined> {
    return decodeRecord<StockStateRecord>(await this.getItem(keys.stockStateKey(variantId)));
  }

  async listInStock(locationId: string): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      { TableName: this.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.inStockPartition(locationId) }, ConsistentRead: true },
    );
    for await (const page of pages) ids.push(...(page.Items ?? []).map((i) => i.variantId as string));
    return ids;
  }

  // ---------------------------------------------------------------- records

  async getIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    return decodeRecord<IdempotencyRecord>(await this.getItem(keys.idempotencyKey(key)));
  }

  async getCart(cartId: string): Promise<CartRecord | undefined> {
    const item = await this.getItem(keys.cartKey(cartId));
    return item ? decodeCart(item) : undefined;
  }

  async listExpiredCarts(before: string, options: { variantId?: string; limit?: number } = {}): Promise<CartRecord[]> {
    const filter = options.variantId
      ? { expression: 'attribute_exists(#line)', names: { '#line': cartLineAttribute(options.variantId) } }
      : undefined;
    const perShard = await Promise.all(
      Array.from({ length: keys.HOLD_EXPIRY_SHARDS }, (_, shard) =>
        this.queryCollection(keys.holdExpiryPartition(shard), { before, filter, limit: options.limit ?? 500 }),
      ),
    );
    return perShard.flat().map(decodeCart);
  }

  async getPurchaseOrder(id: string): Promise<PurchaseOrderRecord | undefined> {
    return decodeRecord<PurchaseOrderRecord>(await this.getItem(keys.purchaseOrderKey(id)));
  }

  listPurchaseOrders(options: { status?: string; locationId?: string; cursor?: string; limit: number }): Promise<Page<PurchaseOrderRecord>> {
    return this.listCollection<PurchaseOrderRecord>(keys.PURCHASE_ORDER_LIST_PARTITION, options, ['locationId']);
  }

  listTransfers(options: { status?: string; locationId?: string; cursor?: string; limit: number }): Promise<Page<TransferRecord>> {
    return this.listCollection<TransferRecord>(keys.TRANSFER_LIST_PARTITION, options, ['fromLocationId', 'toLocationId']);
  }

  /** A GSI1 collection, newest first; status and location (any of `locationFields`) filter each page. */
  private async listCollection<T extends StoredRecord>(
    partition: string,
    options: { status?: string; locationId?: string; cursor?: string; limit: number },
    locationFields: string[],
  ): Promise<Page<T>> {
    const idx = TABLE.indexes.byCollection;
    const x = new Expr();
    const filters: string[] = [];
    if (options.status) filters.push(`${x.name('status')} = ${x.value(options.status)}`);
    if (options.locationId) {
      const loc = x.value(options.locationId);
      filters.push(`(${locationFields.map((f) => `${x.name(f)} = ${loc}`).join(' OR ')})`);
    }
    const pk = x.name(idx.partitionKey);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: idx.name,
        KeyConditionExpression: `${pk} = ${x.value(partition)}`,
        ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
        ...x.params(),
        ScanIndexForward: false,
        ExclusiveStartKey: decodeKeyCursor(options.cursor, keyShape(idx, partition)),
        Limit: options.limit,
      }),
    );
    return { items: (out.Items ?? []).map((i) => decodeRecord<T>(i)!), cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  async getStockCount(id: string): Promise<StockCountRecord | undefined> {
    return decodeRecord<StockCountRecord>(await this.getItem(keys.stockCountKey(id)));
  }

  /**
   * Stock counts newest first, a page at a time: the page's keys from GSI2 (keys.stockCountKey), then the counts in one
   * batch; status and location filter the page (it may be short, even empty, with a cursor).
   */
  async listStockCounts(options: { status?: string; locationId?: string; cursor?: string; limit: number }): Promise<Page<StockCountRecord>> {
    const page = await this.listByKeys<StockCountRecord>(keys.STOCK_COUNT_LIST_PARTITION, 'STOCKCOUNT', options);
    const items = page.items.filter((c) => (!options.status || c.status === options.status) && (!options.locationId || c.locationId === options.locationId));
    return { items, cursor: page.cursor };
  }

  /**
   * A page of a GSI2 (keys only) list, newest first, then its records (sort key `sk`) in one strongly consistent batch,
   * in the list's order; a record gone since is left out.
   */
  private async listByKeys<T extends StoredRecord>(partition: string, sk: string, options: { cursor?: string; limit: number }): Promise<Page<T>> {
    const idx = TABLE.indexes.keysOnly;
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: idx.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': idx.partitionKey },
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
        ExclusiveStartKey: decodeKeyCursor(options.cursor, keyShape(idx, partition)),
        Limit: options.limit,
      }),
    );
    const order = (out.Items ?? []).map((i) => i.PK as string);
    const found = new Map((await this.batchGet(order.map((PK) => ({ PK, SK: sk })), true)).map((i) => [i.PK as string, decodeRecord<T>(i)!]));
    return { items: order.flatMap((pk) => (found.has(pk) ? [found.get(pk)!] : [])), cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  /** An audit with its findings: one Query of its partition (keys.auditPartition), strongly consistent. */
  async getAudit(auditId: string): Promise<{ audit: AuditRecord; findings: AuditFindingRecord[] } | undefined> {
    const items: Item[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      { TableName: this.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': keys.auditPartition(auditId) }, ConsistentRead: true },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    const audit = items.find((i) => i.entity === 'Audit');
    if (!audit) return undefined;
    return { audit: decodeRecord<AuditRecord>(audit)!, findings: items.filter((i) => i.entity === 'AuditFinding').map((i) => decodeRecord<AuditFindingRecord>(i)!) };
  }

  /** Some findings of an audit, strongly consistent (BatchGetItem). */
  async getAuditFindings(auditId: string, findingIds: string[]): Promise<AuditFindingRecord[]> {
    return (await this.batchGet(findingIds.map((id) => keys.auditFindingKey(auditId, id)), true)).map((i) => decodeRecord<AuditFindingRecord>(i)!);
  }

  /** Audits newest first, a page at a time (GSI2 keys, then the audits in one batch). */
  listAudits(options: { cursor?: string; limit: number }): Promise<Page<AuditRecord>> {
    return this.listByKeys<AuditRecord>(keys.AUDIT_LIST_PARTITION, 'AUDIT', options);
  }

  async getTransfer(id: string): Promise<TransferRecord | undefined> {
    return decodeRecord<TransferRecord>(await this.getItem(keys.transferKey(id)));
  }

  async getAlertState(variantId: string, locationId: string): Promise<AlertStateRecord | undefined> {
    return decodeRecord<AlertStateRecord>(await this.getItem(keys.alertStateKey(variantId, locationId)));
  }

  async getAlert(alertId: string): Promise<AlertRecord | undefined> {
    return decodeRecord<AlertRecord>(await this.getItem(keys.alertKey(alertId)));
  }

  /**
   * Alerts newest first, of one status or both, at one location or all, a page at a time. With both statuses
   * the page merges the two lists: the cursor keeps each list's own position (null: from its start; 'done'),
   * and an alert read but not returned is read again for the next page.
   */
  async listAlerts(options: { statuses: ('open' | 'cleared')[]; locationId?: string; cursor?: string; limit: number }): Promise<Page<AlertRecord>> {
    const index = options.locationId ? TABLE.indexes.keysOnly : TABLE.indexes.byCollection;
    const partitionOf = (s: 'open' | 'cleared') => (options.locationId ? keys.alertLocationPartition(s, options.locationId) : keys.alertListPartition(s));
    const positions = alertPositions(options.cursor, options.statuses.map((s) => [s, keyShape(index, partitionOf(s))]));
    const lists = await Promise.all(
      options.statuses.map(async (status) => {
        const from = positions[status];
        if (from === 'done') return { status, from, items: [] as Item[], last: undefined };
        const out = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': index.partitionKey },
            ExpressionAttributeValues: { ':pk': partitionOf(status) },
            ScanIndexForward: false,
            ...(from ? { ExclusiveStartKey: from } : {}),
            Limit: options.limit,
          }),
        );
        return { status, from, items: out.Items ?? [], last: out.LastEvaluatedKey };
      }),
    );
    // Newest first across the lists (their index sort keys are `<openedAt>#<alertId>`); what a page takes of
    // each list is a prefix of what was read from it.
    const merged = lists
      .flatMap((l) => l.items)
      .sort((a, b) => String(b[index.sortKey]).localeCompare(String(a[index.sortKey])))
      .slice(0, options.limit);
    const taken = new Set(merged);
    const next: Record<string, Item | null | 'done'> = {};
    for (const l of lists) {
      const used = l.items.filter((i) => taken.has(i));
      if (used.length === l.items.length) next[l.status] = l.last ?? 'done';
      else if (used.length > 0) next[l.status] = Object.fromEntries(keyShape(index, '').names.map((n) => [n, used.at(-1)![n]]));
      else next[l.status] = l.from;
    }
    // A location's list is keys only: the alerts themselves, in one batch.
    const items = options.locationId ? new Map((await this.batchGet(merged.map((m) => ({ PK: m.PK as string, SK: m.SK as string })))).map((i) => [i.PK, i])) : undefined;
    return {
      items: merged.flatMap((m) => {
        const item = items ? items.get(m.PK) : m;
        return item ? [decodeRecord<AlertRecord>(item)!] : [];
      }),
      cursor: Object.values(next).every((v) => v === 'done') ? null : encodeCursor(next),
    };
  }

  async getOrder(orderId: string): Promise<OrderRecord | undefined> {
    return decodeRecord<OrderRecord>(await this.getItem(keys.orderKey(orderId)));
  }
}

/** Each list's position in an alerts cursor: exactly the lists asked for, each null, 'done' or a start key of that list. */
function alertPositions(cursor: string | undefined, lists: [string, KeyShape][]): Record<string, Item | null | 'done'> {
  if (cursor === undefined) return Object.fromEntries(lists.map(([s]) => [s, null]));
  const state = cursorJson(cursor);
  const fields = state && typeof state === 'object' && !Array.isArray(state) ? (state as Record<string, unknown>) : undefined;
  if (!fields || Object.keys(fields).length !== lists.length || !lists.every(([s]) => Object.hasOwn(fields, s))) return invalidCursor();
  return Object.fromEntries(lists.map(([s, shape]) => [s, fields[s] === null || fields[s] === 'done' ? (fields[s] as null | 'done') : startKey(fields[s], shape)]));
}

/** What an item is, for an audit (core/audit.ts). */
function* scannedRecords(item: Item): Generator<ScannedRecord> {
  switch (item.entity) {
    case 'Variant':
      yield { kind: 'variant', config: configOf(decodeVariant(item.variantId as string, item)) };
      return;
    case 'Level':
      // One per bucket at a hot location: the audit sums them.
      yield { kind: 'level', variantId: item.variantId as string, locationId: item.locationId as string, level: decodeLevel(item as unknown as StoredLevel) };
      return;
    case 'Cart':
      yield { kind: 'cart', cart: decodeCart(item) };
      return;
    case 'Order':
      yield { kind: 'order', order: decodeRecord<OrderRecord>(item)! };
      return;
    case 'PurchaseOrder':
      yield { kind: 'purchaseOrder', purchaseOrder: decodeRecord<PurchaseOrderRecord>(item)! };
      return;
    case 'Movement':
      yield { kind: 'movement', movement: decodeMovement(item) };
      return;
    case 'Alert':
      yield { kind: 'alert', alert: decodeRecord<AlertRecord>(item)! };
      return;
    case 'AlertState':
      yield { kind: 'alertState', state: decodeRecord<AlertStateRecord>(item)! };
      return;
  }
}

/**
 * What a Scan page costs when the table does not say (DynamoDB Local): its items' bytes, marshalled, in 4 KB units, halved
 * when eventually consistent. An estimate (a name's and a number's bytes are counted as JSON text), close enough for pacing.
 */
export const estimatedReadUnits = (items: Item[], consistent: boolean): number => {
  const bytes = items.reduce((n, i) => n + Buffer.byteLength(JSON.stringify(i)), 0);
  return Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
};

const backoff = (attempt: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2)));




/** How old the record a hold at a hot location checks its location against may be. */
export const LOCATION_CHECK_MS = 5_000;

/** The level change a failed level action was for (by its item's variant and location). */
const levelChangeOf = (change: PlannedChange, item: Item): LevelChange | undefined =>
  change.levels.find((c) => c.variantId === item.variantId && c.locationId === item.locationId);

/**
 * What this store knows of hot locations: bucket counts from the configurations it read, and each bucket's figures as
 * last read, moved by the changes it committed since. Hints only: a stale count or figure sends a change to a bucket
 * that cannot take it, whose guard fails, and the change is placed again from what is read then.
 */
class BucketHints implements BucketLayout {
  private readonly counts = new Map<string, Dict<number>>();
  private readonly figures = new Map<string, (LevelRecord | undefined)[]>();

  count(variantId: string, locationId: string): number {
    return bucketCount(this.counts.get(variantId), locationId);
  }

  hints(variantId: string, locationId: string): (LevelRecord | undefined)[] {
    return this.figures.get(`${variantId}\u0000${locationId}`) ?? [];
  }

  learnCounts(variantId: string, hot: Dict<number>): void {
    if (this.counts.size > 10_000) this.counts.clear();
    if (Object.keys(hot).length === 0) this.counts.delete(variantId);
    else this.counts.set(variantId, hot);
  }

  learnBuckets(variantId: string, locationId: string, buckets: LevelRecord[]): void {
    if (this.figures.size > 10_000) this.figures.clear();
    this.figures.set(`${variantId}\u0000${locationId}`, [...buckets]);
    const counts = dict(Object.entries(this.counts.get(variantId) ?? {}));
    if (buckets.length > 1) counts[locationId] = buckets.length;
    else delete counts[locationId];
    this.learnCounts(variantId, counts);
  }

  learnBucket(variantId: string, locationId: string, bucket: number, level: LevelRecord): void {
    const h = [...this.hints(variantId, locationId)];
    h[bucket] = level;
    this.figures.set(`${variantId}\u0000${locationId}`, h);
  }

  applied(change: LevelChange, bucket: number, deltas: Deltas): void {
    const h = this.hints(change.variantId, change.locationId)[bucket];
    if (h) this.learnBucket(change.variantId, change.locationId, bucket, applyDeltas(h, deltas));
  }
}
