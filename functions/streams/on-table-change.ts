/**
 * What the stream processor does with one change to the table:
 *  - a cart deleted by DynamoDB's TTL (a REMOVE made by the service principal) whose holds were still
 *    live is released, once (core/commands/expiry.ts);
 *  - a variant's item changed: each location it touched is judged low or not from the new image, and an
 *    alert opens or clears accordingly, once (core/commands/alerts.ts);
 *  - an alert opened or cleared: its event is published on EventBridge. A failure throws, so the record
 *    is retried (same eventId) and never dropped.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { alertEvent, applyJudgement, judgements } from '../core/commands/alerts';
import { releaseDeletedCart } from '../core/commands/expiry';
import type { Deps } from '../core/deps';
import type { AlertRecord } from '../core/model';
import { decodeCart, decodeRecord, decodeVariant, type Item } from '../dynamodb/codec';

const image = (img: unknown): Item | undefined =>
  img ? (unmarshall(img as Parameters<typeof unmarshall>[0]) as Item) : undefined;

/** True for a delete made by TTL, as AWS marks it. */
export const isTtlDelete = (record: DynamoDBRecord): boolean =>
  record.eventName === 'REMOVE' &&
  record.userIdentity?.type === 'Service' &&
  record.userIdentity?.principalId === 'dynamodb.amazonaws.com';

export async function handleTableChange(deps: Deps, record: DynamoDBRecord, logger?: Pick<Logger, 'info'>): Promise<void> {
  const old = image(record.dynamodb?.OldImage);
  const now = image(record.dynamodb?.NewImage);
  const entity = (now ?? old)?.entity;

  if (isTtlDelete(record) && old?.entity === 'Cart') {
    const released = await releaseDeletedCart(deps, decodeCart(old));
    if (released > 0) logger?.info('Released a cart deleted by TTL', { cartId: old.cartId, lines: released });
    return;
  }

  if (entity === 'Variant' && now) {
    const variantId = now.variantId as string;
    const recorded = record.dynamodb?.ApproximateCreationDateTime;
    const fallbackAt = recorded ? new Date(recorded * 1000).toISOString() : deps.clock.now().toISOString();
    for (const j of judgements(old ? decodeVariant(variantId, old) : undefined, decodeVariant(variantId, now), fallbackAt)) {
      const transition = await applyJudgement(deps, j);
      if (transition) logger?.info(`Low-stock alert ${transition}`, { ...j });
    }
    return;
  }

  if (entity === 'Alert' && now && deps.publisher) {
    const alert = decodeRecord<AlertRecord>(now)!;
    const before = old ? decodeRecord<AlertRecord>(old) : undefined;
    if (!before && alert.status === 'open') await deps.publisher.publish([alertEvent(alert, 'opened')]);
    else if (before?.status === 'open' && alert.status === 'cleared') await deps.publisher.publish([alertEvent(alert, 'cleared')]);
  }
}
