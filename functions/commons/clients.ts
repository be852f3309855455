/** AWS SDK clients, built once per process from the configuration. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';

export function documentClient(config: Config): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}

export function eventBridgeClient(config: Config): EventBridgeClient {
  return new EventBridgeClient({
    region: config.region,
    ...(config.eventBridgeEndpoint ? { endpoint: config.eventBridgeEndpoint } : {}),
  });
}
