import { startDynamoDbLocal } from '../lib/local/dynamodb-local';
(async () => {
  const d = await startDynamoDbLocal();
  const t = Date.now();
  await d.stop();
  console.log('stop took', Date.now() - t);
})();
