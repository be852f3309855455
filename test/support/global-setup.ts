/** Starts one DynamoDB Local for the whole test run; its endpoint reaches the workers by environment. */
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.AWS_REGION = 'us-east-1';
  process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'CRITICAL';
  const ddb = await startDynamoDbLocal();
  process.env.TEST_DYNAMODB_ENDPOINT = ddb.endpoint;
  (globalThis as { __DDB__?: { stop(): Promise<void> } }).__DDB__ = ddb;
}
