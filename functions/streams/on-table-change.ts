/**
 * What the stream processor does with one change to the table, declared once as a list of routes: each is a
 * Lambda event filter pattern and what to do with a record that matches it. The stack gives the patterns to
 * the event source mapping (other records never invoke the function), the local stream poller applies them
 * with `matchesFilter` before the handler sees a record, and the handler picks a record's route with it too.
 *  - a cart deleted by DynamoDB's TTL (a REMOVE made by the service principal): whatever was still held is
 *    released, once (core/commands/expiry.ts);
 *  - a level item written: its location is judged low or not from the new image against the variant's
 *    threshold, and an alert opens or clears accordingly, once (core/commands/alerts.ts); a variant's
 *    configuration written with a new version: every location is judged again;
 *  - an alert written: its opening or clearing is published on EventBridge. A failure throws, so the record
 *    is retried (same eventId) and never dropped.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { alertEvent, applyJudgement, judgements, locationJudgement, type AlertJudgement } from '../core/commands/alerts';
import { releaseDeletedCart } from '../core/commands/expiry';
import { judgeLocationStock, judgeScopesAt, stockEvent } from '../core/commands/catalog-events';
import type { Deps } from '../core/deps';
import type { EventPublisher } from '../core/ports';
import { decodeCart, decodeLevel, decodeRecord, decodeVariant, type Item, type StoredLevel } from '../dynamodb/codec';
import { dict } from '../core/dict';
import type { LevelRecord, VariantRecord } from '../core/records';
import type { AlertRecord, StockEventRecord } from '../core/records';

/** A Lambda event filter pattern: each leaf lists the values a record's field may have. */
export type FilterPattern = { [field: string]: FilterPattern | readonly string[] };

/** What the stream processor needs: the domain's deps, and the bus its events go to. */
export type StreamDeps = Deps & {
  publisher: EventPublisher;
  /**
   * Variants' configurations read during one batch, so that a batch of level changes reads each variant's once. A
   * configuration record in the batch forgets its variant's entry, so the level records after it read it again.
   */
  configs?: Map<string, Promise<VariantRecord>>;
  /**
   * Hot locations judged during one batch: the first of a location's bucket records in a batch judges the location as
   * it is when read, which covers the batch's later records of it, so they read nothing (at thousands of holds a second,
   * reading every bucket per record would pass the buckets' read limit).
   */
  judgedHot?: Set<string>;
};

interface StreamRoute {
  name: string;
  pattern: FilterPattern;
  handle(deps: StreamDeps, record: DynamoDBRecord, images: { old?: Item; now?: Item }, logger?: Pick<Logger, 'info'>): Promise<void>;
}

const written = (entity: string): FilterPattern => ({ eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { entity: { S: [entity] } } } });

const ROUTES: readonly StreamRoute[] = [
  {
    name: 'cart deleted by TTL',
    // AWS marks TTL deletes with the service principal; the local poller gives the stand-in's deletes the same mark.
    pattern: {
      eventName: ['REMOVE'],
      userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
      dynamodb: { OldImage: { entity: { S: ['Cart'] } } },
    },
    handle: async (deps, _record, { old }, logger) => {
      const released = await releaseDeletedCart(deps, decodeCart(old!));
      if (released > 0) logger?.info('Released a cart deleted by TTL', { cartId: old!.cartId, lines: released });
    },
  },
  {
    // A level moved: that location is judged against the threshold the configuration gives it now.
    name: 'level written',
    pattern: written('Level'),
    handle: async (deps, record, { old, now }, logger) => {
      const variantId = now!.variantId as string;
      const locationId = now!.locationId as string;
      let config = deps.configs?.get(variantId);
      if (!config) {
        config = deps.store.getVariantConfig(variantId);
        deps.configs?.set(variantId, config);
        config.catch(() => deps.configs?.delete(variantId));
      }
      const at = fallbackTime(deps, record);
      if (Number(now!.nb) > 1 || Number(old?.nb) > 1) {
        // One bucket of a hot location (or the location turned the mode off): the location is judged on its exact
        // figures, read from every bucket, ordered by their version (the sum of the buckets', which only grows).
        const once = `${variantId}\u0000${locationId}`;
        if (deps.judgedHot?.has(once)) return;
        deps.judgedHot?.add(once);
        const [current, { levels }] = await Promise.all([config, deps.store.getVariant(variantId, true, [locationId])]);
        if (!levels[locationId]) return;
        const when = (now!.at as string | undefined) ?? at;
        await judge(deps, [locationJudgement(current, locationId, levels[locationId], when)], logger);
        await judgeLocationStock(deps, { variantId, locationId, available: levels[locationId].available, levelVersion: levels[locationId].version, at: when });
        return;
      }
      // The catalog's events: only a change that crosses zero is judged (the stream gives every version of the item,
      // so each crossing is one record whose images differ in sign).
      const before = old ? Number(old.av) : 0;
      if (before > 0 !== Number(now!.av) > 0) {
        await judgeLocationStock(deps, { variantId, locationId, available: Number(now!.av), levelVersion: Number(now!.v), at: (now!.at as string | undefined) ?? at });
      }
      const level = (item: Item | undefined) => (item ? dict([[locationId, decodeLevel(item as unknown as StoredLevel)]]) : dict<LevelRecord>());
      // A new level item is judged as a level change (its before is the same configuration with no level there), never as a configuration's.
      const current = await config;
      await judge(deps, judgements({ ...current, levels: level(old) }, { ...current, levels: level(now) }, at), logger);
    },
  },
  {
    // The configuration changed (thresholds among it): every location is judged again, as the levels are now.
    name: 'variant configuration written',
    pattern: written('Variant'),
    handle: async (deps, record, { old, now }, logger) => {
      const variantId = now!.variantId as string;
      deps.configs?.delete(variantId);
      if (old && old.configVersion === now!.configVersion) return; // expected dates moved, nothing judged changed
      const { levels } = await deps.store.getVariant(variantId);
      const before = old ? { ...decodeVariant(variantId, old), levels } : undefined;
      await judge(deps, judgements(before, { ...decodeVariant(variantId, now!), levels }, fallbackTime(deps, record)), logger);
    },
  },
  {
    // A location made active or inactive joins or leaves every channel's and the all-locations scope.
    name: 'location written',
    pattern: written('Location'),
    handle: async (deps, record, { old, now }) => {
      if (!old || old.active === now!.active) return;
      await judgeScopesAt(deps, [now!.locationId as string], (now!.updatedAt as string | undefined) ?? fallbackTime(deps, record));
    },
  },
  {
    // A channel's locations changed (or it is new): the variants in stock at the locations that joined or left it.
    name: 'channel written',
    pattern: written('Channel'),
    handle: async (deps, record, { old, now }) => {
      const before = new Set((old?.locationIds as string[] | undefined) ?? []);
      const after = new Set(now!.locationIds as string[]);
      const changed = [...before, ...after].filter((l) => before.has(l) !== after.has(l));
      if (changed.length > 0) await judgeScopesAt(deps, [...new Set(changed)], (now!.updatedAt as string | undefined) ?? fallbackTime(deps, record));
    },
  },
  {
    name: 'catalog event written',
    pattern: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['StockEvent'] } } } },
    handle: async (deps, _record, { now }, logger) => {
      const event = stockEvent(decodeRecord<StockEventRecord>(now)!);
      await deps.publisher.publish([event]);
      logger?.info(`Published ${event.detailType}`, { eventId: event.id, ...event.detail });
    },
  },
  {
    name: 'alert written',
    pattern: written('Alert'),
    handle: async (deps, _record, { old, now }, logger) => {
      const alert = decodeRecord<AlertRecord>(now)!;
      const before = old ? decodeRecord<AlertRecord>(old) : undefined;
      const direction = !before && alert.status === 'open' ? 'opened' : before?.status === 'open' && alert.status === 'cleared' ? 'cleared' : null;
      if (!direction) return;
      const event = alertEvent(alert, direction);
      await deps.publisher.publish([event]);
      // The event's own ids: what a subscriber holding the event can look for in this log.
      logger?.info(`Published ${event.detailType}`, { eventId: event.id, alertId: alert.alertId, variantId: alert.variantId, locationId: alert.locationId });
    },
  },
];

/** When a change was made, for a change whose item carries no time of its own: the stream record's time. */
function fallbackTime(deps: Deps, record: DynamoDBRecord): string {
  const recorded = record.dynamodb?.ApproximateCreationDateTime;
  return recorded ? new Date(recorded * 1000).toISOString() : deps.clock.now().toISOString();
}

async function judge(deps: Deps, all: AlertJudgement[], logger?: Pick<Logger, 'info'>): Promise<void> {
  for (const j of all) {
    const transition = await applyJudgement(deps, j);
    if (!transition) continue;
    deps.metrics?.count(transition === 'opened' ? 'AlertsOpened' : 'AlertsCleared');
    logger?.info(`Low-stock alert ${transition}`, { ...j });
  }
}

/** The patterns of the records the stream processor acts on: the event source mapping's filters. */
export const STREAM_FILTERS: readonly FilterPattern[] = ROUTES.map((r) => r.pattern);

/**
 * Whether a record matches a filter pattern, as Lambda's event filtering decides it for the patterns used
 * here: every field the pattern names is present and has one of the listed values.
 */
export function matchesFilter(value: unknown, pattern: FilterPattern): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const v = value && typeof value === 'object' && Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined;
    if (Array.isArray(rule)) return typeof v === 'string' && rule.includes(v);
    return matchesFilter(v, rule as FilterPattern);
  });
}

const image = (img: unknown): Item | undefined => (img ? (unmarshall(img as Parameters<typeof unmarshall>[0]) as Item) : undefined);

/** Handles one record: by the first route whose pattern it matches (none: nothing to do). */
export async function handleTableChange(deps: StreamDeps, record: DynamoDBRecord, logger?: Pick<Logger, 'info'>): Promise<void> {
  const route = ROUTES.find((r) => matchesFilter(record, r.pattern));
  if (!route) return;
  await route.handle(deps, record, { old: image(record.dynamodb?.OldImage), now: image(record.dynamodb?.NewImage) }, logger);
}
