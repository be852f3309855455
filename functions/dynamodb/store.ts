/**
 * The DynamoDB adapter: implements the InventoryStore port. Every change to stock goes through
 * `commit`, which turns a PlannedChange into one TransactWriteItems: the level updates (each with its
 * condition), a movement per level change, the records, and the idempotency record. A failed condition
 * comes back with the item as it was (ReturnValuesOnConditionCheckFailure: ALL_OLD) and becomes the
 * domain error the command chose for it.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  paginateScan,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrentChangeError, DomainError, IdempotencyRaceError } from '../core/errors';
import { systemClock, type Clock, type IdempotencyWrite, type InventoryStore, type Page } from '../core/ports';
import type { Movement } from '../core/schemas';
import type { Item } from './codec';
import {
  cartLineAttribute,
  decodeCart,
  decodeMovement,
  decodeRecord,
  decodeVariant,
  encodeCartLine,
  encodeDict,
  encodeLevel,
  encodeMovement,
  encodeRecord,
  LEVEL_FIELD,
  newVariantItem,
  recordKeys,
  storedId,
} from './codec';
import { dict } from '../core/dict';
import { cursorJson, decodeKeyCursor, encodeCursor, invalidCursor, keyShape, startKey, type KeyShape } from './cursor';
import * as keys from './keys';
import { classifyErrors } from './sdk-errors';
import type { ScannedRecord } from '../core/audit';
import { configOf } from '../core/views';
import { TABLE } from './table-schema';

import { applyDeltas } from '../core/planned-change';
import type { CartWrite, LevelChange, PlannedChange, RecordPutOrDelete, RecordWrite, VariantConfigWrite } from '../core/planned-change';
import { emptyLevels } from '../core/records';
import type { AlertRecord, AlertStateRecord, CartRecord, IdempotencyRecord, LocationRecord, OrderRecord, PurchaseOrderRecord, StoredRecord, TransferRecord, VariantRecord } from '../core/records';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** One transaction action and what its failed condition means. */
interface Action {
  item: TransactItem;
  onFail: (old: Item | undefined) => Error;
  /** A level update (its condition is a stock guard), as opposed to a record's state. */
  level?: boolean;
}

/** Builds expressions with numbered placeholders, so fragments compose without clashes. */
class Expr {
  names: Record<string, string> = {};
  values: Record<string, NativeAttributeValue> = {};
  private n = 0;
  name(n: string): string {
    const k = `#n${this.n++}`;
    this.names[k] = n;
    return k;
  }
  value(v: NativeAttributeValue): string {
    const k = `:v${this.n++}`;
    this.values[k] = v;
    return k;
  }
  params(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, NativeAttributeValue> } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** Whether a level as it was satisfies a change's expectation: used to tell which condition failed. */
const expectationHolds = (change: LevelChange, variant: VariantRecord | undefined): boolean => {
  const e = change.expect;
  const level = variant?.levels[change.locationId];
  if (change.requireBackorderPolicy && (variant?.backorderPolicy ?? 'deny') === 'deny') return false;
  if (e.kind === 'exact') return (level?.version ?? 0) === e.version;
  if (!level) return false;
  return (
    Object.entries(e.atLeast).every(([f, min]) => level[f as keyof typeof LEVEL_FIELD] >= (min as number)) &&
    Object.entries(e.equals ?? {}).every(([f, v]) => level[f as keyof typeof LEVEL_FIELD] === v)
  );
};

export class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The time of every change it commits (movements, level times, cart updates): the commands' clock. */
    private readonly clock: Clock = systemClock,
  ) {
    classifyErrors(doc);
  }

  /**
   * Every record an audit looks at: a Scan of the whole table in pages (the SDK's paginator), decoded by
   * entity; a variant's item gives its configuration and one level per location.
   */
  async *scan(): AsyncGenerator<ScannedRecord> {
    for await (const page of paginateScan({ client: this.doc }, { TableName: this.tableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) yield* scannedRecords(item);
    }
  }

  /** Answers whether the table can be read (one read of an item that does not exist: half a read unit). */
  async ping(): Promise<void> {
    await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.healthKey() }));
  }

  // ---------------------------------------------------------------- commit

  /** DynamoDB's limit on the actions of one transaction: every atomic change fits in it. */
  readonly maxActions = 100;

  /**
   * The actions committing `change` takes: one update per variant item (all its levels at once), one
   * movement per level change, one per record write (location checks de-duplicated), and the
   * idempotency record when there is one. Commands size what they plan with it.
   */
  actionsFor(change: PlannedChange, withIdempotency = false): number {
    const variants = new Set(change.levels.map((c) => c.variantId)).size;
    return variants + change.levels.length + dedupeLocationChecks(change.records).length + (withIdempotency ? 1 : 0);
  }

  async commit(change: PlannedChange, idempotency?: IdempotencyWrite): Promise<void> {
    const needed = this.actionsFor(change, !!idempotency);
    if (needed > this.maxActions) {
      throw new DomainError('conflict', `This change needs ${needed} writes; one atomic change takes at most ${this.maxActions}.`);
    }
    const at = this.clock.now().toISOString();
    const actions: Action[] = [
      ...this.levelActions(change.levels, at),
      ...change.levels.map((c) => this.movementAction(c, at)),
      ...dedupeLocationChecks(change.records).map((w) => this.recordAction(w)),
    ];
    if (idempotency) actions.push(this.idempotencyAction(idempotency, at));
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: actions.map((a) => a.item),
          // Makes the SDK's own retries of this call idempotent for ten minutes.
          ClientRequestToken: randomUUID(),
        }),
      );
    } catch (err) {
      throw this.translate(err, actions);
    }
  }

  private translate(err: unknown, actions: Action[]): Error {
    if (err instanceof TransactionCanceledException) {
      const reasons = err.CancellationReasons ?? [];
      // When several conditions failed, a record's (the cart, order or marker the command read has
      // moved on) explains the others: the plan was stale. Only otherwise is a level's guard the reason.
      const failed = reasons
        .map((r, i) => ({ r, a: actions[i] }))
        .filter(({ r }) => r.Code === 'ConditionalCheckFailed')
        .sort((x, y) => Number(x.a.level === true) - Number(y.a.level === true));
      if (failed.length > 0) {
        const old = failed[0].r.Item;
        return failed[0].a.onFail(old ? unmarshallItem(old) : undefined);
      }
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return new ConcurrentChangeError();
    }
    if ((err as { name?: string }).name === 'TransactionConflictException') return new ConcurrentChangeError();
    return err as Error;
  }

  /**
   * One update per variant (a transaction may touch an item once): each location's change adds its
   * SET clauses and its condition. Figures move by arithmetic (`oh = oh + :d`), and `av` moves with
   * them, because a condition cannot do arithmetic: `av >= :q` is how a hold proves stock is there.
   */
  private levelActions(changes: LevelChange[], at: string): Action[] {
    const byVariant = new Map<string, LevelChange[]>();
    for (const c of changes) byVariant.set(c.variantId, [...(byVariant.get(c.variantId) ?? []), c]);
    return [...byVariant.entries()].map(([variantId, group]) => ({ ...this.variantLevelAction(variantId, group, at), level: true }));
  }

  /** Each level changed records the time of the change (`at`): an alert it causes is dated by it. */
  private variantLevelAction(variantId: string, group: LevelChange[], at: string): Action {
    const onFail = (old: Item | undefined): Error => {
      const before = old ? decodeVariant(variantId, old) : undefined;
      for (const c of group) {
        if (!expectationHolds(c, before)) return c.onFail(before?.levels[c.locationId]);
      }
      return new ConcurrentChangeError();
    };
    const locations = group.map((c) => c.locationId);
    if (new Set(locations).size !== locations.length) throw new Error(`Two changes to one level of ${variantId} in one commit`);

    // The variant has no item yet (the command read it): create it whole, with its first levels.
    if (group.some((c) => c.createsVariant)) {
      const levels = dict(group.map((c) => [c.locationId, { ...applyDeltas(emptyLevels(), c.deltas), updatedAt: at }]));
      const etas = dict(group.flatMap((c) => (c.eta?.expectedAt ? [[c.eta.purchaseOrderId, c.eta.expectedAt] as const] : [])));
      const x = new Expr();
      const { PK: _pk, SK: _sk, ...attributes } = newVariantItem(variantId, levels, etas);
      return {
        onFail: () => new ConcurrentChangeError('The variant item was created concurrently.'),
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.variantKey(variantId),
            UpdateExpression: `SET ${Object.entries(attributes)
              .map(([k, v]) => `${x.name(k)} = ${x.value(v as NativeAttributeValue)}`)
              .join(', ')}`,
            ConditionExpression: 'attribute_not_exists(PK)',
            ...x.params(),
          },
        },
      };
    }

    const x = new Expr();
    const lv = x.name('lv');
    const sets: string[] = [];
    const conds: string[] = [];
    const backorder = group.some((c) => c.requireBackorderPolicy);
    for (const c of group) {
      const loc = `${lv}.${x.name(storedId(c.locationId))}`;
      const field = (f: keyof typeof LEVEL_FIELD) => `${loc}.${x.name(LEVEL_FIELD[f])}`;
      if (c.expect.kind === 'exact' && c.expect.version === 0) {
        sets.push(`${loc} = ${x.value(encodeLevel({ ...applyDeltas(emptyLevels(), c.deltas), updatedAt: at }))}`);
        conds.push(`attribute_not_exists(${loc})`);
        continue;
      }
      const d = c.deltas;
      const av = d.onHand - d.softReserved - d.hardReserved;
      const moves: [keyof typeof LEVEL_FIELD, number][] = [
        ['onHand', d.onHand],
        ['softReserved', d.softReserved],
        ['hardReserved', d.hardReserved],
        ['incoming', d.incoming],
        ['available', av],
      ];
      for (const [f, delta] of moves) {
        if (delta !== 0) {
          const p = field(f);
          sets.push(`${p} = ${p} + ${x.value(delta)}`);
        }
      }
      const v = `${loc}.${x.name('v')}`;
      sets.push(`${v} = ${v} + ${x.value(1)}`, `${loc}.${x.name('at')} = ${x.value(at)}`);
      if (c.expect.kind === 'exact') {
        conds.push(`${v} = ${x.value(c.expect.version)}`);
      } else {
        const guards = [
          ...Object.entries(c.expect.atLeast).map(([f, min]) => `${field(f as keyof typeof LEVEL_FIELD)} >= ${x.value(min as number)}`),
          ...Object.entries(c.expect.equals ?? {}).map(([f, v]) => `${field(f as keyof typeof LEVEL_FIELD)} = ${x.value(v as number)}`),
        ];
        conds.push(guards.length ? guards.join(' AND ') : `attribute_exists(${loc})`);
      }
    }
    const removes: string[] = [];
    for (const c of group) {
      if (!c.eta) continue;
      const path = `${x.name('eta')}.${x.name(storedId(c.eta.purchaseOrderId))}`;
      if (c.eta.expectedAt) sets.push(`${path} = ${x.value(c.eta.expectedAt)}`);
      else removes.push(path);
    }
    // A backorder is allowed by the variant's policy as it is now, not as the command read it.
    if (backorder) conds.push(`${x.name('backorderPolicy')} IN (${x.value('allow')}, ${x.value('preorder')})`);
    return {
      onFail,
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.variantKey(variantId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conds.join(' AND '),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...x.params(),
        },
      },
    };
  }

  private movementAction(c: LevelChange, at: string): Action {
    const movement: Movement = {
      movementId: `${Date.parse(at).toString(36)}-${randomUUID().slice(0, 8)}`,
      at,
      type: c.movement.type,
      variantId: c.variantId,
      locationId: c.locationId,
      deltas: c.deltas,
      reference: c.movement.reference,
      reason: c.movement.reason,
      ...(c.movement.note ? { note: c.movement.note } : {}),
    };
    return {
      onFail: () => new ConcurrentChangeError(),
      item: { Put: { TableName: this.tableName, Item: encodeMovement(movement) } },
    };
  }

  private recordAction(w: RecordWrite): Action {
    switch (w.op) {
      case 'location-active':
        return {
          onFail: (old) => w.onFail(old !== undefined),
          item: {
            ConditionCheck: {
              TableName: this.tableName,
              Key: keys.locationKey(w.locationId),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              ConditionExpression: '#active = :true',
              ExpressionAttributeNames: { '#active': 'active' },
              ExpressionAttributeValues: { ':true': true },
            },
          },
        };
      case 'cart':
        return this.cartAction(w);
      case 'cart-delete':
        return {
          onFail: (old) => w.onFail(old ? decodeCart(old) : undefined),
          item: {
            Delete: {
              TableName: this.tableName,
              Key: keys.cartKey(w.cartId),
              ConditionExpression: '#revision = :r',
              ExpressionAttributeNames: { '#revision': 'revision' },
              ExpressionAttributeValues: { ':r': w.expect.revision },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        };
      case 'variant-config':
        return this.variantConfigAction(w);
      default:
        return this.putOrDeleteAction(w);
    }
  }

  /**
   * A variant's configuration, written over whatever configuration its item had (its levels untouched;
   * an item not there yet is created with no levels), on the condition that its configVersion is as read.
   */
  private variantConfigAction(w: VariantConfigWrite): Action {
    const { config } = w;
    const expectedVersion = w.expect.configVersion;
    const x = new Expr();
    const sets = [
      `${x.name('entity')} = ${x.value('Variant')}`,
      `${x.name('variantId')} = ${x.value(config.variantId)}`,
      `${x.name('backorderPolicy')} = ${x.value(config.backorderPolicy)}`,
      `${x.name('expectedAvailabilityDate')} = ${x.value(config.expectedAvailabilityDate)}`,
      `${x.name('lowStockThreshold')} = ${x.value(config.lowStockThreshold)}`,
      `${x.name('locationThresholds')} = ${x.value(encodeDict(config.locationThresholds))}`,
      `${x.name('configVersion')} = ${x.value((expectedVersion ?? 0) + 1)}`,
      `${x.name('configUpdatedAt')} = ${x.value(this.clock.now().toISOString())}`,
      `${x.name('lv')} = if_not_exists(${x.name('lv')}, ${x.value({})})`,
      `${x.name('eta')} = if_not_exists(${x.name('eta')}, ${x.value({})})`,
      ...Object.entries(keys.variantListKeys(config.variantId)).map(([k, v]) => `${x.name(k)} = ${x.value(v)}`),
    ];
    const condition =
      expectedVersion === null
        ? 'attribute_not_exists(PK)'
        : expectedVersion === 0
          ? `attribute_not_exists(PK) OR attribute_not_exists(${x.name('configVersion')}) OR ${x.name('configVersion')} = ${x.value(0)}`
          : `${x.name('configVersion')} = ${x.value(expectedVersion)}`;
    return {
      onFail: () => new ConcurrentChangeError(),
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.variantKey(config.variantId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ...x.params(),
        },
      },
    };
  }

  private putOrDeleteAction(w: RecordPutOrDelete): Action {
    const k = recordKeys(w.record);
    const key = { PK: k.PK as string, SK: k.SK as string };
    const x = new Expr();
    let condition: string | undefined;
    let nextVersion = 1;
    const e = w.expect;
    if (e === 'absent') condition = 'attribute_not_exists(PK)';
    else if (e === 'exists') condition = 'attribute_exists(PK)';
    else if (e && 'version' in e) {
      condition = e.version === 0 ? 'attribute_not_exists(PK)' : `${x.name('version')} = ${x.value(e.version)}`;
      nextVersion = e.version + 1;
    } else if (e && 'equals' in e) {
      condition = Object.entries(e.equals)
        .map(([a, v]) => `${x.name(a)} = ${x.value(v)}`)
        .join(' AND ');
    }
    const onFail = (old: Item | undefined): Error =>
      w.onFail ? w.onFail(decodeRecord<StoredRecord>(old)) : new ConcurrentChangeError();
    const common = {
      TableName: this.tableName,
      ...(condition ? { ConditionExpression: condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
      ...x.params(),
    };
    if (w.op === 'put') {
      return { onFail, item: { Put: { ...common, Item: { ...encodeRecord(w.record), ...k, version: nextVersion } } } };
    }
    return { onFail, item: { Delete: { ...common, Key: key } } };
  }

  /**
   * A cart's lines are top-level attributes (`L#<variantId>`), so a line can be set on a cart that may
   * not exist yet, in one UpdateItem, conditioned on that line being absent: the first add to a cart
   * needs no read. The cart's expiry moves with every change, and with it its place in the sweeper's
   * index and its TTL.
   */
  private cartAction(w: CartWrite): Action {
    const x = new Expr();
    const sets: string[] = [];
    const removes: string[] = [];
    const now = this.clock.now().toISOString();
    for (const [variantId, line] of Object.entries(w.set)) sets.push(`${x.name(cartLineAttribute(variantId))} = ${x.value(encodeCartLine(line))}`);
    for (const variantId of w.remove) removes.push(x.name(cartLineAttribute(variantId)));
    const set = (attr: string, value: NativeAttributeValue) => sets.push(`${x.name(attr)} = ${x.value(value)}`);
    set('entity', 'Cart');
    set('cartId', w.cartId);
    set('updatedAt', now);
    const revision = x.name('revision');
    sets.push(`${revision} = ${x.value(randomUUID())}`);
    const holdId = x.name('holdId');
    if (w.expiresAt) {
      const index = keys.holdExpiryKeys(w.cartId, w.expiresAt);
      set('expiresAt', w.expiresAt);
      set('GSI1PK', index.GSI1PK);
      set('GSI1SK', index.GSI1SK);
      sets.push(`${holdId} = if_not_exists(${holdId}, ${x.value(w.newHoldId)})`);
    } else {
      set('expiresAt', null);
      removes.push(x.name('GSI1PK'), x.name('GSI1SK'), holdId);
    }
    set(TABLE.ttlAttribute, Math.floor(Date.parse(w.keepUntil) / 1000));
    // lineCount is kept by the store so that an add without a read can still respect the cart's size limit.
    let condition: string;
    if ('lineAbsent' in w.expect) {
      const lineCount = x.name('lineCount');
      const line = x.name(cartLineAttribute(w.expect.lineAbsent));
      condition = `attribute_not_exists(${line}) AND (attribute_not_exists(${lineCount}) OR ${lineCount} < ${x.value(w.expect.maxLines)})`;
      sets.push(`${lineCount} = if_not_exists(${lineCount}, ${x.value(0)}) + ${x.value(1)}`);
    } else {
      condition = `${revision} = ${x.value(w.expect.revision)}`;
      set('lineCount', w.expect.lineCount);
    }
    return {
      onFail: (old) => w.onFail(old ? decodeCart(old) : undefined),
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.cartKey(w.cartId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...x.params(),
        },
      },
    };
  }

  private idempotencyAction(w: IdempotencyWrite, at: string): Action {
    const record: IdempotencyRecord = { entity: 'Idempotency', ...w, createdAt: at, version: 1 };
    return {
      onFail: () => new IdempotencyRaceError(w.key),
      item: {
        Put: {
          TableName: this.tableName,
          Item: { ...encodeRecord(record), ...recordKeys(record) },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    };
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

  async getVariant(variantId: string, consistent = true): Promise<VariantRecord> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.variantKey(variantId), ConsistentRead: consistent }),
    );
    return decodeVariant(variantId, Item);
  }

  async getVariants(variantIds: string[]): Promise<VariantRecord[]> {
    const found = new Map((await this.batchGet(variantIds.map((id) => keys.variantKey(id)))).map((item) => [item.variantId as string, item]));
    return variantIds.map((id) => decodeVariant(id, found.get(id)));
  }

  /** Items by key (duplicates read once), in BatchGetItem requests of 100 in parallel; unprocessed keys retried with backoff. */
  private async batchGet(itemKeys: { PK: string; SK: string }[]): Promise<Item[]> {
    const unique = [...new Map(itemKeys.map((k) => [`${k.PK}\u0000${k.SK}`, k])).values()];
    const chunks: (typeof unique)[] = [];
    for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
    const found: Item[] = [];
    await Promise.all(
      chunks.map(async (chunk) => {
        let request: Record<string, { Keys: Item[] }> | undefined = { [this.tableName]: { Keys: chunk } };
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

  async listMovements(
    variantId: string,
    options: { locationId?: string; cursor?: string; limit: number },
  ): Promise<Page<Movement>> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ...(options.locationId
          ? {
              FilterExpression: 'locationId = :loc',
              ExpressionAttributeValues: { ':pk': keys.movementPartition(variantId), ':loc': options.locationId },
            }
          : { ExpressionAttributeValues: { ':pk': keys.movementPartition(variantId) } }),
        ExclusiveStartKey: decodeKeyCursor(options.cursor, keyShape(undefined, keys.movementPartition(variantId))),
        Limit: options.limit,
      }),
    );
    return { items: (out.Items ?? []).map(decodeMovement), cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  // ---------------------------------------------------------------- locations

  async getLocation(locationId: string): Promise<LocationRecord | undefined> {
    return decodeRecord<LocationRecord>(await this.getItem(keys.locationKey(locationId)));
  }

  async listLocations(): Promise<LocationRecord[]> {
    return (await this.queryCollection(keys.LOCATION_LIST_PARTITION)).map((i) => decodeRecord<LocationRecord>(i)!);
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

/** A transaction may touch an item once: one check per location is enough for every line it serves. */
const dedupeLocationChecks = (records: RecordWrite[]): RecordWrite[] => {
  const seen = new Set<string>();
  return records.filter((r) => {
    if (r.op !== 'location-active') return true;
    if (seen.has(r.locationId)) return false;
    seen.add(r.locationId);
    return true;
  });
};

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
    case 'Variant': {
      const v = decodeVariant(item.variantId as string, item);
      yield { kind: 'variant', config: configOf(v) };
      for (const [locationId, level] of Object.entries(v.levels)) yield { kind: 'level', variantId: v.variantId, locationId, level };
      return;
    }
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

const backoff = (attempt: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2)));

const unmarshallItem = (item: Record<string, unknown>): Item =>
  unmarshall(item as Parameters<typeof unmarshall>[0]) as Item;

