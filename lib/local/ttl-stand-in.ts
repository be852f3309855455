/**
 * The local stand-in for DynamoDB's TTL deleter. DynamoDB Local has one, but it stops at the first
 * expired item that lacks the key attributes of any global secondary index, and this table's indexes
 * are sparse by design, so locally it would delete nothing. This does what AWS does: it finds items
 * whose TTL attribute is in the past and deletes each on the condition that it is still expired.
 *
 * The stream processor must tell a TTL delete of a cart from the service's own deletes (AWS marks TTL
 * deletes in the stream record: userIdentity Service, dynamodb.amazonaws.com). So a cart is deleted in a
 * transaction that also writes a note of the delete (keys.ttlDeleteNoteKey: the cart's key and revision),
 * and the stream poller looks the note up: nothing is kept in memory, so a crash at any point (`kill -9`
 * between the delete and its stream record) loses no TTL release.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  paginateScan,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { ttlDeleteNoteKey } from '../../functions/dynamodb/keys';
import { TABLE } from '../../functions/dynamodb/table-schema';
import { localClientConfig } from './dynamodb-local';

export interface TtlStandIn {
  /** Whether the stand-in deleted this item (by its key and, for a cart, the revision it had). */
  deleted(pk: string, sk: string, revision: string): Promise<boolean>;
  /** One pass: deletes every item whose TTL is at or before `nowSeconds` (default: now). Returns how many. */
  runOnce(nowSeconds?: number): Promise<number>;
  stop(): Promise<void>;
}

/** How long a note is kept: longer than the stream keeps its records (24 hours). */
const NOTE_SECONDS = 2 * 86_400;

const keyAttributes = (pk: string, sk: string): Record<string, AttributeValue> => ({
  [TABLE.partitionKey]: { S: pk },
  [TABLE.sortKey]: { S: sk },
});

export function startTtlStandIn(options: { endpoint: string; tableName: string; intervalMs: number; onError?: (e: unknown) => void }): TtlStandIn {
  const client = new DynamoDBClient(localClientConfig(options.endpoint));
  const TableName = options.tableName;
  let running: Promise<number> | undefined;
  const stillExpired = (now: number) => ({
    ConditionExpression: '#ttl <= :now',
    ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
    ExpressionAttributeValues: { ':now': { N: String(now) } },
  });

  /** Deletes one expired item; a cart with its note, in one transaction. False if it is no longer expired. */
  const remove = async (pk: string, sk: string, entity: string | undefined, revision: string | undefined, now: number): Promise<boolean> => {
    try {
      if (entity !== 'Cart') {
        // As in AWS: an item whose TTL was moved into the future meanwhile is not deleted.
        await client.send(new DeleteItemCommand({ TableName, Key: keyAttributes(pk, sk), ...stillExpired(now) }));
        return true;
      }
      const note = ttlDeleteNoteKey(pk, sk, revision ?? '');
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Delete: { TableName, Key: keyAttributes(pk, sk), ...stillExpired(now) } },
            {
              Put: {
                TableName,
                Item: { ...keyAttributes(note.PK, note.SK), entity: { S: 'TtlDeleteNote' }, [TABLE.ttlAttribute]: { N: String(now + NOTE_SECONDS) } },
              },
            },
          ],
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || err instanceof TransactionCanceledException) return false;
      throw err;
    }
  };

  const runOnce = async (nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> => {
    let count = 0;
    const pages = paginateScan(
      { client },
      {
        TableName,
        FilterExpression: '#ttl BETWEEN :from AND :now',
        ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute, '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey, '#entity': 'entity', '#revision': 'revision' },
        ExpressionAttributeValues: { ':from': { N: String(nowSeconds - 5 * 365 * 86_400) }, ':now': { N: String(nowSeconds) } },
        ProjectionExpression: '#pk, #sk, #ttl, #entity, #revision',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const pk = item[TABLE.partitionKey].S!;
        const sk = item[TABLE.sortKey].S!;
        if (await remove(pk, sk, item.entity?.S, item.revision?.S, nowSeconds)) count++;
      }
    }
    return count;
  };

  const timer = setInterval(() => {
    running ??= runOnce()
      .catch((e) => {
        options.onError?.(e);
        return 0;
      })
      .finally(() => (running = undefined));
  }, options.intervalMs);
  return {
    deleted: async (pk, sk, revision) => {
      const note = ttlDeleteNoteKey(pk, sk, revision);
      const { Item } = await client.send(new GetItemCommand({ TableName, Key: keyAttributes(note.PK, note.SK), ConsistentRead: true }));
      return Item !== undefined;
    },
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
      client.destroy();
    },
  };
}
