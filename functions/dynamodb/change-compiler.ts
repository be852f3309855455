/**
 * Turns a PlannedChange into the actions of one TransactWriteItems, and a cancelled transaction back into
 * the error its command chose: level items updated by arithmetic under their guards, a movement per level
 * change, at most one action on each variant's configuration item (created with its first level; expected
 * dates of purchase orders; the backorder policy checked as it is at commit), the records, and the
 * idempotency record. A failed condition comes back with the item as it was (ReturnValuesOnConditionCheckFailure:
 * ALL_OLD) and becomes the domain error the command chose for it. The store sends what this compiles.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrentChangeError, IdempotencyRaceError } from '../core/errors';
import type { Clock, IdempotencyWrite } from '../core/ports';
import { applyDeltas } from '../core/planned-change';
import type { CartWrite, LevelChange, PlannedChange, RecordPutOrDelete, RecordWrite, RelayoutWrite, VariantConfigWrite } from '../core/planned-change';
import { placeChange, relayout, type BucketPart } from '../core/buckets';
import { dict } from '../core/dict';
import { emptyLevels, type IdempotencyRecord, type LevelRecord, type StoredRecord } from '../core/records';
import type { Deltas, Movement } from '../core/schemas';
import {
  cartLineAttribute,
  decodeCart,
  decodeLevel,
  decodeRecord,
  encodeCartLine,
  encodeDict,
  encodeMovement,
  encodeRecord,
  LEVEL_FIELD,
  levelItem,
  newVariantItem,
  recordKeys,
  SCHEMA_ATTRIBUTE,
  SCHEMA_VERSION,
  storedId,
  type Item,
  type StoredLevel,
} from './codec';
import * as keys from './keys';
import { TABLE } from './table-schema';

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** One transaction action and what its failed condition means. */
export interface Action {
  item: TransactItem;
  onFail: (old: Item | undefined) => Error;
  /** A level update (its condition is a stock guard), as opposed to a record's state. */
  level?: boolean;
  /**
   * Set on a change to one bucket of a hot location: a bucket's failed guard does not say the location is short, so
   * the store reads the location's buckets before it lets the change's own error stand (DynamoInventoryStore.commit).
   */
  bucketOf?: LevelChange;
  /** Which bucket, and by how much it moves (what the store's hints follow when the commit succeeds). */
  bucket?: number;
  deltas?: Deltas;
}

/**
 * What the compiler knows of hot locations: their bucket counts and their buckets' figures as last read (hints:
 * a stale one costs a retry, never a wrong answer, since every bucket's guard is checked at commit). The store keeps it.
 */
export interface BucketLayout {
  /** The location's bucket count as last known (1: not hot). */
  count(variantId: string, locationId: string): number;
  /** Each bucket's figures as last read, bucket 0 first (undefined where unknown). */
  hints(variantId: string, locationId: string): (LevelRecord | undefined)[];
}

/** A change's part at one bucket; a check-only part moves nothing and asserts `equals` (a count at a hot location). */
type PlacedPart = BucketPart & { equals?: Partial<Record<keyof typeof LEVEL_FIELD, number>>; checkOnly?: boolean };

const NOT_HOT: BucketLayout = { count: () => 1, hints: () => [] };

/** Builds expressions with numbered placeholders, so fragments compose without clashes. */
export class Expr {
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
export const expectationHolds = (change: LevelChange, level: LevelRecord | undefined): boolean => {
  const e = change.expect;
  if (e.kind === 'exact') return (level?.version ?? 0) === e.version;
  if (!level) return false;
  return (
    Object.entries(e.atLeast).every(([f, min]) => level[f as keyof typeof LEVEL_FIELD] >= (min as number)) &&
    Object.entries(e.equals ?? {}).every(([f, v]) => level[f as keyof typeof LEVEL_FIELD] === v)
  );
};

export class ChangeCompiler {
  /** DynamoDB's limit on the actions of one transaction: every atomic change fits in it. */
  readonly maxActions = 100;

  constructor(
    private readonly tableName: string,
    /** The time of every change (movements, level times, cart updates): the commands' clock. */
    private readonly clock: Clock,
    private readonly layout: BucketLayout = NOT_HOT,
  ) {}

  /**
   * The actions committing `change` takes: one per level changed, one movement per level change, one per
   * variant whose configuration item the change creates, dates or checks, one per record write (location
   * checks de-duplicated), and the idempotency record when there is one. Commands size what they plan with it.
   */
  actionsFor(change: PlannedChange, withIdempotency = false): number {
    const configs = new Set(change.levels.filter(needsConfigAction).map((c) => c.variantId)).size;
    // A change at a hot location takes one bucket as any level does (compile() splits it only where the transaction has
    // room), and a count there checks every other bucket's on-hand.
    const levels = change.levels.reduce(
      (n, c) => n + 2 + (c.expect.kind === 'guard' && c.expect.equals && Object.keys(c.expect.equals).length ? this.layout.count(c.variantId, c.locationId) - 1 : 0),
      0,
    );
    const records = dedupeLocationChecks(change.records).reduce((n, r) => n + (r.op === 'relayout' ? Math.max(r.to, r.from.length, 1) : 1), 0);
    return levels + configs + records + (withIdempotency ? 1 : 0);
  }

  compile(change: PlannedChange, idempotency?: IdempotencyWrite): Action[] {
    const at = this.clock.now().toISOString();
    const seen = new Set<string>();
    for (const c of change.levels) {
      const k = `${c.variantId}\u0000${c.locationId}`;
      if (seen.has(k)) throw new Error(`Two changes to the level of ${c.variantId} at ${c.locationId} in one commit`);
      seen.add(k);
    }
    const byVariant = new Map<string, LevelChange[]>();
    for (const c of change.levels.filter(needsConfigAction)) byVariant.set(c.variantId, [...(byVariant.get(c.variantId) ?? []), c]);
    let placed = change.levels.map((c) => ({ change: c, parts: this.place(c) }));
    const parts = () => placed.reduce((n, p) => n + (p.parts ? 2 * p.parts.length : 2), 0);
    // Splits take more actions than actionsFor() counts: where the transaction has no room for them, none is split
    // (a bucket short of a whole change then fails its guard, and the change is placed again from what is read).
    if (parts() - 2 * change.levels.length + this.actionsFor(change, !!idempotency) > this.maxActions) {
      placed = change.levels.map((c) => ({ change: c, parts: this.place(c, 1) }));
    }
    const actions: Action[] = [
      ...placed.flatMap(({ change: c, parts }) =>
        parts ? this.bucketActions(c, parts, at) : [{ ...this.levelAction(c, at), level: true }],
      ),
      ...[...byVariant.entries()].map(([variantId, group]) => this.configAction(variantId, group)),
      ...placed.flatMap(({ change: c, parts }) =>
        parts ? parts.filter((p) => !p.checkOnly).map((p) => this.movementAction(c, at, p.deltas, p.bucket)) : [this.movementAction(c, at)],
      ),
      ...dedupeLocationChecks(change.records).flatMap((w) => (w.op === 'relayout' ? this.relayoutActions(w, at) : [this.recordAction(w)])),
    ];
    if (idempotency) actions.push(this.idempotencyAction(idempotency, at));
    return actions;
  }

  /** The domain error a failed transaction means: the failed condition the command chose an error for, or a lost race. */
  translate(err: unknown, actions: Action[]): Error {
    const failed = this.failedAction(err, actions);
    if (failed) return failed.action.onFail(failed.old);
    return this.lostRace(err);
  }

  /**
   * The action whose failed condition explains a cancelled transaction, with its item as it was. When several failed,
   * a record's (the cart, order or marker the command read has moved on) explains the others: the plan was stale.
   * Only otherwise is a level's guard the reason.
   */
  failedAction(err: unknown, actions: Action[]): { action: Action; old: Item | undefined } | undefined {
    if (!(err instanceof TransactionCanceledException)) return undefined;
    const failed = (err.CancellationReasons ?? [])
      .map((r, i) => ({ r, a: actions[i] }))
      .filter(({ r }) => r.Code === 'ConditionalCheckFailed')
      .sort((x, y) => Number(x.a.level === true) - Number(y.a.level === true));
    if (failed.length === 0) return undefined;
    const old = failed[0].r.Item;
    return { action: failed[0].a, old: old ? unmarshallItem(old) : undefined };
  }

  private lostRace(err: unknown): Error {
    if (err instanceof TransactionCanceledException && (err.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict')) {
      return new ConcurrentChangeError();
    }
    if ((err as { name?: string }).name === 'TransactionConflictException') return new ConcurrentChangeError();
    return err as Error;
  }


  /**
   * One level item. Figures move by arithmetic (`oh = oh + :d`), and `av` moves with them, because a condition
   * cannot do arithmetic: `av >= :q` is how a hold proves stock is there. A level that does not exist yet is put
   * whole, on the condition that it still does not. Each change records its time (`at`): an alert it causes is
   * dated by it.
   */
  private levelAction(c: LevelChange, at: string): Action {
    const key = keys.levelKey(c.variantId, c.locationId);
    const onFail = (old: Item | undefined): Error => {
      const before = old ? decodeLevel(old as unknown as StoredLevel) : undefined;
      return expectationHolds(c, before) ? new ConcurrentChangeError() : c.onFail(before);
    };
    if (c.expect.kind === 'exact' && c.expect.version === 0) {
      return {
        onFail,
        item: {
          Put: {
            TableName: this.tableName,
            Item: levelItem(c.variantId, c.locationId, { ...applyDeltas(emptyLevels(), c.deltas), updatedAt: at }),
            ConditionExpression: 'attribute_not_exists(PK)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      };
    }
    const x = new Expr();
    const field = (f: keyof typeof LEVEL_FIELD) => x.name(LEVEL_FIELD[f]);
    const sets = levelMoves(c.deltas).map(([f, delta]) => `${field(f)} = ${field(f)} + ${x.value(delta)}`);
    const v = x.name('v');
    sets.push(`${v} = ${v} + ${x.value(1)}`, `${x.name('at')} = ${x.value(at)}`);
    let condition: string;
    if (c.expect.kind === 'exact') {
      condition = `${v} = ${x.value(c.expect.version)}`;
    } else {
      const guards = [
        ...Object.entries(c.expect.atLeast).map(([f, min]) => `${field(f as keyof typeof LEVEL_FIELD)} >= ${x.value(min as number)}`),
        ...Object.entries(c.expect.equals ?? {}).map(([f, val]) => `${field(f as keyof typeof LEVEL_FIELD)} = ${x.value(val as number)}`),
      ];
      condition = guards.length ? guards.join(' AND ') : `attribute_exists(${x.name('PK')})`;
    }
    return {
      onFail,
      item: {
        Update: {
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...x.params(),
        },
      },
    };
  }

  /**
   * The variant's configuration item, once per variant: created with the variant's first level (the command
   * read that it had none); else the expected dates of purchase orders set or forgotten, and a backorder
   * checked against the policy as it is at commit, not as the command read it (a ConditionCheck, which
   * writes nothing, when only that).
   */
  private configAction(variantId: string, group: LevelChange[]): Action {
    const key = keys.variantKey(variantId);
    if (group.some((c) => c.createsVariant)) {
      const etas = dict(group.flatMap((c) => (c.eta?.expectedAt ? [[c.eta.purchaseOrderId, c.eta.expectedAt] as const] : [])));
      return {
        onFail: () => new ConcurrentChangeError('The variant was created concurrently.'),
        item: { Put: { TableName: this.tableName, Item: newVariantItem(variantId, etas), ConditionExpression: 'attribute_not_exists(PK)' } },
      };
    }
    const x = new Expr();
    const backorder = group.find((c) => c.requireBackorderPolicy);
    const conds = [`attribute_exists(${x.name('PK')})`];
    if (backorder) conds.push(`${x.name('backorderPolicy')} IN (${x.value('allow')}, ${x.value('preorder')})`);
    // The policy moved to deny (or the configuration is gone): the hold is short as far as its plan knew.
    const onFail = (): Error => (backorder ? backorder.onFail(undefined) : new ConcurrentChangeError());
    const sets: string[] = [];
    const removes: string[] = [];
    for (const c of group) {
      if (!c.eta) continue;
      const path = `${x.name('eta')}.${x.name(storedId(c.eta.purchaseOrderId))}`;
      if (c.eta.expectedAt) sets.push(`${path} = ${x.value(c.eta.expectedAt)}`);
      else removes.push(path);
    }
    if (sets.length === 0 && removes.length === 0) {
      return { onFail, item: { ConditionCheck: { TableName: this.tableName, Key: key, ConditionExpression: conds.join(' AND '), ...x.params() } } };
    }
    return {
      onFail,
      item: {
        Update: {
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `${sets.length ? `SET ${sets.join(', ')}` : ''}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`.trim(),
          ConditionExpression: conds.join(' AND '),
          ...x.params(),
        },
      },
    };
  }

  private movementAction(c: LevelChange, at: string, deltas: Deltas = c.deltas, shard = 0): Action {
    const movement: Movement = {
      movementId: `${Date.parse(at).toString(36)}-${randomUUID().slice(0, 8)}`,
      at,
      type: c.movement.type,
      variantId: c.variantId,
      locationId: c.locationId,
      deltas,
      reference: c.movement.reference,
      reason: c.movement.reason,
      ...(c.movement.note ? { note: c.movement.note } : {}),
    };
    return {
      onFail: () => new ConcurrentChangeError(),
      item: { Put: { TableName: this.tableName, Item: encodeMovement(movement, shard) } },
    };
  }

  /**
   * Where a change at a hot location goes (core/buckets.ts placeChange), or undefined for a location that is not
   * hot (or a change that creates the level: that is bucket 0, the level item). A count's `equals` guard is on the
   * location's figure, so it becomes every bucket's figure as last read: the change on bucket 0, a check on the others.
   */
  private place(c: LevelChange, maxParts = Infinity): PlacedPart[] | undefined {
    const n = this.layout.count(c.variantId, c.locationId);
    if (n <= 1 || c.expect.kind === 'exact') return undefined;
    const hints = this.layout.hints(c.variantId, c.locationId);
    const known = Array.from({ length: n }, (_, i) => hints[i]);
    const equals = c.expect.equals;
    if (equals && Object.keys(equals).length > 0) {
      if (known.some((h) => h === undefined)) throw new ConcurrentChangeError('The buckets of a hot location were not read.');
      const at = (i: number) => Object.fromEntries(Object.keys(equals).map((f) => [f, known[i]![f as keyof typeof LEVEL_FIELD]]));
      return [
        { bucket: 0, deltas: c.deltas, atLeast: {}, equals: at(0) },
        ...known.slice(1).map((_, j) => ({ bucket: j + 1, deltas: c.deltas, atLeast: {}, equals: at(j + 1), checkOnly: true })),
      ];
    }
    return placeChange(c.deltas, c.expect.atLeast, known, Math.random, maxParts);
  }

  /**
   * A change's parts at the buckets of a hot location: each an update of its bucket by arithmetic, guarded by its
   * share of the change's guard and by the bucket's existence (a bucket merged away fails, and the change is placed
   * again); a check-only part asserts a bucket's figure for a count.
   */
  private bucketActions(c: LevelChange, parts: PlacedPart[], at: string): Action[] {
    return parts.map((p) => {
      const key = keys.bucketKey(c.variantId, c.locationId, p.bucket);
      const x = new Expr();
      const field = (f: keyof typeof LEVEL_FIELD) => x.name(LEVEL_FIELD[f]);
      const conds = [
        `attribute_exists(${x.name('PK')})`,
        ...Object.entries(p.atLeast).map(([f, min]) => `${field(f as keyof typeof LEVEL_FIELD)} >= ${x.value(min as number)}`),
        ...Object.entries(p.equals ?? {}).map(([f, v]) => `${field(f as keyof typeof LEVEL_FIELD)} = ${x.value(v as number)}`),
      ];
      const onFail = (): Error => new ConcurrentChangeError();
      if (p.checkOnly) {
        return { onFail, bucketOf: c, bucket: p.bucket, level: true, item: { ConditionCheck: { TableName: this.tableName, Key: key, ConditionExpression: conds.join(' AND '), ...x.params() } } };
      }
      const sets = levelMoves(p.deltas).map(([f, delta]) => `${field(f)} = ${field(f)} + ${x.value(delta)}`);
      const v = x.name('v');
      sets.push(`${v} = ${v} + ${x.value(1)}`, `${x.name('at')} = ${x.value(at)}`);
      return {
        onFail,
        bucketOf: c,
        bucket: p.bucket,
        deltas: p.deltas,
        level: true,
        item: {
          Update: {
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: conds.join(' AND '),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ...x.params(),
          },
        },
      };
    });
  }

  /**
   * A relayout (core/buckets.ts relayout): every bucket set to its new figures on the condition that its version is
   * as read, new buckets created, merged ones deleted; the location's totals are those read, so no unit moves in or out.
   */
  private relayoutActions(w: RelayoutWrite, at: string): Action[] {
    const from = w.from.length > 0 ? w.from : [emptyLevels()];
    const next = relayout(from, w.to);
    const onFail = (): Error => new ConcurrentChangeError('The stock moved while its buckets were laid out; the change is planned again.');
    const actions: Action[] = [];
    for (let i = 0; i < Math.max(next.length, from.length); i++) {
      const key = keys.bucketKey(w.variantId, w.locationId, i);
      const read = w.from[i];
      if (i >= next.length) {
        actions.push({ onFail, item: { Delete: { TableName: this.tableName, Key: key, ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'v' }, ExpressionAttributeValues: { ':v': read.version } } } });
        continue;
      }
      const item = levelItem(w.variantId, w.locationId, { ...next[i], updatedAt: at }, i, w.to);
      actions.push({
        onFail,
        item: {
          Put: {
            TableName: this.tableName,
            Item: item,
            ...(read
              ? { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'v' }, ExpressionAttributeValues: { ':v': read.version } }
              : { ConditionExpression: 'attribute_not_exists(PK)' }),
          },
        },
      });
    }
    return actions;
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
      case 'relayout':
        throw new Error('A relayout is several actions: compile() makes them');
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
      `${x.name(SCHEMA_ATTRIBUTE)} = ${x.value(SCHEMA_VERSION)}`,
      `${x.name('variantId')} = ${x.value(config.variantId)}`,
      `${x.name('backorderPolicy')} = ${x.value(config.backorderPolicy)}`,
      `${x.name('expectedAvailabilityDate')} = ${x.value(config.expectedAvailabilityDate)}`,
      `${x.name('lowStockThreshold')} = ${x.value(config.lowStockThreshold)}`,
      `${x.name('locationThresholds')} = ${x.value(encodeDict(config.locationThresholds))}`,
      `${x.name('hot')} = ${x.value(encodeDict(config.hotLocations))}`,
      `${x.name('ledgerShards')} = ${x.value(w.ledgerShards)}`,
      `${x.name('configVersion')} = ${x.value((expectedVersion ?? 0) + 1)}`,
      `${x.name('configUpdatedAt')} = ${x.value(this.clock.now().toISOString())}`,
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
      return { onFail, item: { Put: { ...common, Item: { ...encodeRecord(w.record), ...k, version: nextVersion, [SCHEMA_ATTRIBUTE]: SCHEMA_VERSION } } } };
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
    set(SCHEMA_ATTRIBUTE, SCHEMA_VERSION);
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
          Item: { ...encodeRecord(record), ...recordKeys(record), [SCHEMA_ATTRIBUTE]: SCHEMA_VERSION },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    };
  }
}

/** The figures a change moves, and by how much (available with on-hand and the holds). */
const levelMoves = (d: Deltas): [keyof typeof LEVEL_FIELD, number][] =>
  (
    [
      ['onHand', d.onHand],
      ['softReserved', d.softReserved],
      ['hardReserved', d.hardReserved],
      ['incoming', d.incoming],
      ['available', d.onHand - d.softReserved - d.hardReserved],
    ] as [keyof typeof LEVEL_FIELD, number][]
  ).filter(([, delta]) => delta !== 0);

/** Whether a level change needs its variant's configuration item in the transaction. */
const needsConfigAction = (c: LevelChange): boolean => !!c.createsVariant || !!c.eta || !!c.requireBackorderPolicy;

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

const unmarshallItem = (item: Record<string, unknown>): Item =>
  unmarshall(item as Parameters<typeof unmarshall>[0]) as Item;
