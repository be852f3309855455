import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { InventoryAuth, type InventoryAuthProps } from './constructs/auth';
import { Dashboard } from './constructs/dashboard';
import { InventoryHttpApi } from './constructs/http-api';
import { InventoryTable } from './constructs/inventory-table';
import { ServiceFunction } from './constructs/service-function';

export interface InventoryStackProps extends StackProps {
  /** An existing identity provider (context jwtIssuer / jwtAudience). @default a Cognito user pool */
  auth?: InventoryAuthProps;
  /** The dashboard origin CORS allows (context dashboardOrigin). @default no CORS */
  corsOrigin?: string;
  /** How long a cart's holds last after its last change (CART_HOLD_SECONDS). @default 1800 */
  cartHoldSeconds?: number;
}

/**
 * The AWS assembly: one table, the HTTP API and its handler, the stream processor (TTL releases and,
 * through the bus, the service's events) and the expiry sweeper on a one-minute schedule.
 */
export class InventoryStack extends Stack {
  constructor(scope: Construct, id: string, props: InventoryStackProps = {}) {
    super(scope, id, props);
    const { table } = new InventoryTable(this, 'Inventory');
    const bus = new EventBus(this, 'Bus', { description: 'Inventory service events (LowStockAlertOpened, LowStockAlertCleared)' });
    const holdSeconds = String(props.cartHoldSeconds ?? 1800);

    const auth = new InventoryAuth(this, 'Auth', props.auth);
    const api = new ServiceFunction(this, 'HttpApiFunction', {
      entry: 'http-api.ts',
      description: 'Every route of the inventory HTTP API',
      environment: { CART_HOLD_SECONDS: holdSeconds, ...auth.handlerEnvironment },
    }).bindTable(table, ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem']);
    const http = new InventoryHttpApi(this, 'Http', { handler: api, authorizer: auth.authorizer, corsOrigin: props.corsOrigin });
    // The dashboard, unless it is hosted elsewhere (context dashboardOrigin): then CORS allows that origin instead.
    if (!props.corsOrigin) {
      const dashboard = new Dashboard(this, 'Dashboard', { apiUrl: http.api.apiEndpoint });
      http.allowOrigin(dashboard.url);
      new CfnOutput(this, 'DashboardUrl', { value: dashboard.url, description: 'The back-office dashboard' });
    }

    const streamDlq = new Queue(this, 'StreamDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(streamDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination (on-failure) of the stream event source mapping; it has no consumer to fail.',
    });
    const streams = new ServiceFunction(this, 'StreamProcessor', {
      entry: 'stream-processor.ts',
      description: 'Releases carts deleted by TTL; publishes low-stock alerts',
      timeout: Duration.seconds(60),
      environment: { EVENT_BUS_NAME: bus.eventBusName, CART_HOLD_SECONDS: holdSeconds },
    }).bindTable(table, ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem']);
    bus.grantPutEventsTo(streams);
    streams.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(streamDlq),
        filters: [
          // Changes to a variant's levels or configuration: low-stock crossings.
          FilterCriteria.filter({ eventName: FilterRule.or('INSERT', 'MODIFY'), dynamodb: { NewImage: { entity: { S: FilterRule.isEqual('Variant') } } } }),
          // Alerts opened or cleared: their events (the outbox).
          FilterCriteria.filter({ eventName: FilterRule.or('INSERT', 'MODIFY'), dynamodb: { NewImage: { entity: { S: FilterRule.isEqual('Alert') } } } }),
          // Carts deleted by TTL (AWS marks those deletes with the service principal).
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('REMOVE'),
            userIdentity: { type: FilterRule.isEqual('Service'), principalId: FilterRule.isEqual('dynamodb.amazonaws.com') },
            dynamodb: { OldImage: { entity: { S: FilterRule.isEqual('Cart') } } },
          }),
        ],
      }),
    );

    // An example subscriber for automated reordering: every LowStockAlertOpened, to a queue with its own dead-letter queue.
    const reorderDlq = new Queue(this, 'ReorderDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const reorderQueue = new Queue(this, 'ReorderQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: reorderDlq, maxReceiveCount: 5 },
    });
    new Rule(this, 'LowStockToReorder', {
      eventBus: bus,
      description: 'Low-stock alerts to the reordering queue',
      eventPattern: { source: ['inventory'], detailType: ['LowStockAlertOpened'] },
      targets: [new SqsQueue(reorderQueue, { deadLetterQueue: reorderDlq, retryAttempts: 8 })],
    });

    const sweeper = new ServiceFunction(this, 'Sweeper', {
      entry: 'sweeper.ts',
      description: 'Releases carts whose holds lapsed (two passes a minute)',
      timeout: Duration.seconds(55),
      environment: { SWEEP_PASSES: '2', SWEEP_PASS_SECONDS: '30', CART_HOLD_SECONDS: holdSeconds },
    }).bindTable(table, ['GetItem', 'Query', 'PutItem', 'UpdateItem']);
    new Rule(this, 'SweepEveryMinute', {
      description: 'Runs the hold-expiry sweeper',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(sweeper, { retryAttempts: 0 })],
    });

    new CfnOutput(this, 'ApiUrl', { value: http.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    if (auth.userPool) {
      new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId, description: 'Token endpoint: https://<domain>/oauth2/token' });
      for (const [role, client] of Object.entries(auth.clients)) {
        new CfnOutput(this, `${role}ClientId`, { value: client.userPoolClientId, description: `App client for the ${role} role (client credentials)` });
      }
    }
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'ReorderQueueUrl', { value: reorderQueue.queueUrl, description: 'LowStockAlertOpened events, for reordering automation' });
  }
}
