import { startDynamoDbLocal, ensureTable } from '../lib/local/dynamodb-local';
import { DynamoDBClient, TransactWriteItemsCommand, GetItemCommand, PutItemCommand, BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
(async () => {
  const d = await startDynamoDbLocal();
  await ensureTable(d.endpoint, 'cap-table');
  const c = new DynamoDBClient({ endpoint: d.endpoint, region: 'us-east-1' });
  const big = 'x'.repeat(1500);
  let r: any = await c.send(new PutItemCommand({ TableName: 'cap-table', Item: { PK: { S: 'a' }, SK: { S: 'b' }, big: { S: big } }, ReturnConsumedCapacity: 'INDEXES' }));
  console.log('put 1.5KB', JSON.stringify(r.ConsumedCapacity));
  r = await c.send(new PutItemCommand({ TableName: 'cap-table', Item: { PK: { S: 'g' }, SK: { S: 'b' }, GSI1PK: { S: 'x' }, GSI1SK: { S: 'y' } }, ReturnConsumedCapacity: 'INDEXES' }));
  console.log('put with GSI', JSON.stringify(r.ConsumedCapacity));
  r = await c.send(new TransactWriteItemsCommand({ TransactItems: [
    { Put: { TableName: 'cap-table', Item: { PK: { S: 't1' }, SK: { S: 'b' } } } },
    { ConditionCheck: { TableName: 'cap-table', Key: { PK: { S: 'a' }, SK: { S: 'b' } }, ConditionExpression: 'attribute_exists(PK)' } },
  ], ReturnConsumedCapacity: 'INDEXES' }));
  console.log('tx put+check', JSON.stringify(r.ConsumedCapacity));
  r = await c.send(new GetItemCommand({ TableName: 'cap-table', Key: { PK: { S: 'a' }, SK: { S: 'b' } }, ReturnConsumedCapacity: 'TOTAL' }));
  console.log('get ev', JSON.stringify(r.ConsumedCapacity));
  r = await c.send(new GetItemCommand({ TableName: 'cap-table', Key: { PK: { S: 'a' }, SK: { S: 'b' } }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
  console.log('get strong', JSON.stringify(r.ConsumedCapacity));
  r = await c.send(new BatchGetItemCommand({ RequestItems: { 'cap-table': { Keys: [{ PK: { S: 'a' }, SK: { S: 'b' } }, { PK: { S: 'zz' }, SK: { S: 'b' } }] } }, ReturnConsumedCapacity: 'TOTAL' }));
  console.log('batchget', JSON.stringify(r.ConsumedCapacity));
  await d.stop();
})();
