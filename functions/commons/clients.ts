/** AWS SDK clients, built once per process from the configuration. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';
import { injectDynamoDbFaults, injectEventBridgeFaults, type FaultInjector } from './faults';

/** A local endpoint (DynamoDB Local, the EventBridge stand-in) takes any credentials; AWS's come from the runtime. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Instruments a client (X-Ray, in Lambda: Tracing.client in runtime.ts). @default none */
type Instrument = <C extends object>(client: C) => C;
const asIs: Instrument = (client) => client;

export function documentClient(config: Config, faults?: FaultInjector, instrument: Instrument = asIs): DynamoDBDocumentClient {
  const client = instrument(new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: 5,
  }));
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  if (faults) injectDynamoDbFaults(doc, faults);
  return doc;
}

export function eventBridgeClient(config: Config, faults?: FaultInjector, instrument: Instrument = asIs): EventBridgeClient {
  const client = instrument(
    new EventBridgeClient({
      region: config.region,
      ...(config.eventBridgeEndpoint ? { endpoint: config.eventBridgeEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
    }),
  );
  if (faults) injectEventBridgeFaults(client, faults);
  return client;
}
