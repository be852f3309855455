/**
 * What the stream processor does with one change to the table:
 *  - a cart deleted by DynamoDB's TTL (a REMOVE made by the service principal) whose holds were still
 *    live is released, once (see core/commands/expiry.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { releaseDeletedCart } from '../core/commands/expiry';
import type { Deps } from '../core/deps';
import { decodeCart, type Item } from '../dynamodb/codec';

const image = (img: unknown): Item | undefined =>
  img ? (unmarshall(img as Parameters<typeof unmarshall>[0]) as Item) : undefined;

/** True for a delete made by TTL, as AWS marks it. */
export const isTtlDelete = (record: DynamoDBRecord): boolean =>
  record.eventName === 'REMOVE' &&
  record.userIdentity?.type === 'Service' &&
  record.userIdentity?.principalId === 'dynamodb.amazonaws.com';

export async function handleTableChange(deps: Deps, record: DynamoDBRecord, logger?: Pick<Logger, 'info'>): Promise<void> {
  const old = image(record.dynamodb?.OldImage);
  if (isTtlDelete(record) && old?.entity === 'Cart') {
    const released = await releaseDeletedCart(deps, decodeCart(old));
    if (released > 0) logger?.info('Released a cart deleted by TTL', { cartId: old.cartId, lines: released });
  }
}
