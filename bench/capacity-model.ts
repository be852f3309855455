/**
 * DynamoDB Local reports one flat figure for a whole TransactWriteItems, whatever it contains, so for
 * transactions the benchmark computes what AWS bills from the published rules instead:
 *  - each Put/Update/Delete in a transaction: 2 write units per KB of the item (rounded up);
 *  - each ConditionCheck: a transactional read, 2 read units per 4 KB;
 *  - each global secondary index entry written: 1 write unit per KB of what it projects (an entry whose
 *    key changes is a delete and a put: 2). The table's indexes: GSI1 projects ALL, GSI2 KEYS_ONLY.
 * Item sizes follow DynamoDB's sizing rules (names plus values; numbers about 1 byte per 2 digits).
 * Single-item reads and writes keep DynamoDB Local's own reported figures, which follow the same rules.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MeteredRequest } from './meter';

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

export function valueSize(v: unknown): number {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number') return Math.ceil(String(Math.abs(v)).replace('.', '').replace(/^0+/, '').length / 2) + 1;
  if (Array.isArray(v)) return 3 + v.reduce((s: number, x) => s + valueSize(x) + 1, 0);
  if (typeof v === 'object') return 3 + Object.entries(v as Record<string, unknown>).reduce((s, [k, x]) => s + utf8(k) + valueSize(x) + 1, 0);
  return 1;
}

export const itemSize = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + valueSize(v), 0);

type Key = { PK: string; SK: string };
type Action = {
  Put?: { Item: Record<string, unknown> };
  Update?: { Key: Key; UpdateExpression: string; ExpressionAttributeNames?: Record<string, string> };
  Delete?: { Key: Key };
  ConditionCheck?: { Key: Key };
};

/** Modelled units of the transactions among `requests`, given the items as they are after the operation. */
export async function transactionUnits(
  requests: MeteredRequest[],
  tableName: string,
  client: DynamoDBDocumentClient,
): Promise<{ read: number; write: number }> {
  const actions = requests
    .filter((r) => r.command === 'TransactWriteItemsCommand' && !r.failed)
    .flatMap((r) => (r.input as { TransactItems: Action[] }).TransactItems);
  const keys = new Map<string, Key>();
  for (const a of actions) {
    const k = a.Update?.Key ?? a.Delete?.Key ?? a.ConditionCheck?.Key;
    if (k) keys.set(`${k.PK}|${k.SK}`, k);
  }
  const after = new Map<string, Record<string, unknown>>();
  const list = [...keys.values()];
  for (let i = 0; i < list.length; i += 100) {
    const out = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: list.slice(i, i + 100) } } }));
    for (const item of out.Responses?.[tableName] ?? []) after.set(`${item.PK}|${item.SK}`, item);
  }
  let read = 0;
  let write = 0;
  const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
  for (const a of actions) {
    if (a.Put) {
      write += 2 * kb(itemSize(a.Put.Item));
      if (a.Put.Item.GSI1PK) write += kb(itemSize(a.Put.Item));
      if (a.Put.Item.GSI2PK) write += 1;
    } else if (a.Update) {
      const item = after.get(`${a.Update.Key.PK}|${a.Update.Key.SK}`);
      const size = item ? itemSize(item) : 1024;
      write += 2 * kb(size);
      const names = Object.values(a.Update.ExpressionAttributeNames ?? {});
      if (names.includes('GSI1SK') || names.includes('GSI1PK')) write += 2 * kb(size);
      if (names.includes('GSI2PK') && item?.GSI2PK) write += 1;
    } else if (a.Delete) {
      write += 2;
      if (a.Delete.Key.PK.startsWith('CART#')) write += 1;
    } else if (a.ConditionCheck) {
      read += 2;
    }
  }
  return { read, write };
}
