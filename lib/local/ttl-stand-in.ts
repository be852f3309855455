/**
 * The local stand-in for DynamoDB's TTL deleter. DynamoDB Local has one, but it stops at the first
 * expired item that lacks the key attributes of any global secondary index, and this table's indexes
 * are sparse by design, so locally it would delete nothing. This does what AWS does: it finds items
 * whose TTL attribute is in the past, deletes each on the condition that it is still expired, and
 * remembers what it deleted, so the stream poller can mark those REMOVE records as AWS marks TTL
 * deletes (userIdentity: Service, dynamodb.amazonaws.com).
 */
import { DynamoDBClient, paginateScan, DeleteItemCommand, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { TABLE } from '../../functions/dynamodb/table-schema';

export interface TtlStandIn {
  /** True once for a key (`PK|SK`) this stand-in deleted: its REMOVE record is a TTL delete. */
  takeTtlDelete(key: string): boolean;
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export const itemKey = (pk: string | undefined, sk: string | undefined): string => `${pk}|${sk}`;

export function startTtlStandIn(options: { endpoint: string; tableName: string; intervalMs: number; onError?: (e: unknown) => void }): TtlStandIn {
  const client = new DynamoDBClient({ endpoint: options.endpoint, region: 'us-east-1' });
  const deleted = new Set<string>();
  let running: Promise<number> | undefined;
  const runOnce = async (): Promise<number> => {
    const now = Math.floor(Date.now() / 1000);
    let count = 0;
    const pages = paginateScan(
      { client },
      {
        TableName: options.tableName,
        FilterExpression: '#ttl BETWEEN :from AND :now',
        ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute, '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':from': { N: String(now - 5 * 365 * 86_400) }, ':now': { N: String(now) } },
        ProjectionExpression: '#pk, #sk, #ttl',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const key = { [TABLE.partitionKey]: item[TABLE.partitionKey], [TABLE.sortKey]: item[TABLE.sortKey] };
        const id = itemKey(item[TABLE.partitionKey].S, item[TABLE.sortKey].S);
        deleted.add(id);
        try {
          await client.send(
            new DeleteItemCommand({
              TableName: options.tableName,
              Key: key,
              // As in AWS: an item whose TTL was moved into the future meanwhile is not deleted.
              ConditionExpression: '#ttl <= :now',
              ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
              ExpressionAttributeValues: { ':now': { N: String(now) } },
            }),
          );
          count++;
        } catch (err) {
          deleted.delete(id);
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
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
    takeTtlDelete: (key) => deleted.delete(key),
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
      client.destroy();
    },
  };
}
