import { startDynamoDbLocal, ensureTable } from '../lib/local/dynamodb-local';
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
(async () => {
  const d = await startDynamoDbLocal();
  await ensureTable(d.endpoint, 'cap-table');
  const c = new DynamoDBClient({ endpoint: d.endpoint, region: 'us-east-1' });
  for (const n of [1, 2, 3, 10]) {
    const r: any = await c.send(new TransactWriteItemsCommand({ TransactItems: Array.from({ length: n }, (_, i) => ({ Put: { TableName: 'cap-table', Item: { PK: { S: `n${n}-${i}` }, SK: { S: 'b' } } } })), ReturnConsumedCapacity: 'INDEXES' }));
    console.log(n, JSON.stringify(r.ConsumedCapacity));
  }
  await d.stop();
})();
