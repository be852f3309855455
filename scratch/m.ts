import { Meter, meteredClients } from '../bench/meter';
import { startDynamoDbLocal, ensureTable } from '../lib/local/dynamodb-local';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
(async () => {
  const d = await startDynamoDbLocal();
  await ensureTable(d.endpoint, 'mmm-table');
  const m = new Meter();
  const { doc } = meteredClients(d.endpoint, m);
  await doc.send(new GetCommand({ TableName: 'mmm-table', Key: { PK: 'a', SK: 'b' } }));
  await doc.send(new TransactWriteCommand({ TransactItems: [{ Update: { TableName: 'mmm-table', Key: { PK: 'CART#x', SK: 'b' }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } } }] }));
  console.log(JSON.stringify(m.requests.map((r) => [r.command, r.input])));
  await d.stop();
})();
