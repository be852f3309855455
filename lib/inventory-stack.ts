import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { CfnArchive, EventBus, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { STREAM_FILTERS } from '../functions/streams/on-table-change';
import { InventoryAuth, type InventoryAuthProps } from './constructs/auth';
import { Dashboard } from './constructs/dashboard';
import { InventoryHttpApi } from './constructs/http-api';
import { InventoryMonitoring, type MonitoringThresholds } from './constructs/monitoring';
import { InventoryTable } from './constructs/inventory-table';
import { ServiceFunction } from './constructs/service-function';

export interface InventoryStackProps extends StackProps {
  /** An existing identity provider (context jwtIssuer / jwtAudience). @default a Cognito user pool */
  auth?: InventoryAuthProps;
  /** The dashboard origin CORS allows (context dashboardOrigin). @default no CORS */
  corsOrigin?: string;
  /** How long a cart's holds last after its last change (CART_HOLD_SECONDS). @default 1800 */
  cartHoldSeconds?: number;
  /** How long a cart is kept after its hold lapsed (CART_RETENTION_SECONDS). @default 86400 */
  cartRetentionSeconds?: number;
  /** Subscribed by email to the alarm topic (context alarmEmail). @default no subscription */
  alarmEmail?: string;
  /** Alarm thresholds (docs/operations.md justifies the defaults). @default DEFAULT_THRESHOLDS */
  alarmThresholds?: Partial<MonitoringThresholds>;
  /** How long the bus's archive keeps events for replay. @default 30 days */
  eventArchiveRetention?: Duration;
  /** When the reconciliation audit runs. @default every day at 03:00 UTC */
  auditSchedule?: Schedule;
  /** The audit's read budget: read units a second over all its scan segments (context auditReadUnitsPerSecond). @default 4000 */
  auditReadUnitsPerSecond?: number;
  /** The audit's parallel scan segments. @default 4 */
  auditScanSegments?: number;
}

/**
 * The AWS assembly: one table, the HTTP API and its handler, the stream processor (TTL releases and,
 * through the bus, the service's events), the expiry sweeper on a one-minute schedule, the reconciliation
 * auditor (daily, and on request), and the alarms and dashboard that watch them (docs/operations.md is their runbook).
 */
export class InventoryStack extends Stack {
  constructor(scope: Construct, id: string, props: InventoryStackProps = {}) {
    super(scope, id, props);
    const { table } = new InventoryTable(this, 'Inventory');
    const bus = new EventBus(this, 'Bus', { description: 'Inventory service events (LowStockAlertOpened, LowStockAlertCleared)' });
    // Every event the bus carries, kept so that a subscriber that lost some (an outage, a bug, a rule added later) can
    // have them replayed (docs/operations.md). 30 days: past the reorder dead-letter queue's 14, time to notice a month-end
    // gap; older alerts are history, and the table's current alerts (GET /alerts) are the truth.
    const archive = bus.archive('Archive', {
      description: 'Every inventory service event, for replay',
      eventPattern: { account: [this.account] },
      retention: props.eventArchiveRetention ?? Duration.days(30),
    });
    // Without a key, CDK's Archive renders KmsKeyIdentifier as "" rather than leaving it out (aws-cdk issue 37847), which
    // some regions reject at deploy; left out, the archive uses the AWS owned key, as intended.
    (archive.node.defaultChild as CfnArchive).addPropertyDeletionOverride('KmsKeyIdentifier');
    const holdSeconds = String(props.cartHoldSeconds ?? 1800);
    // Every function that writes a cart knows both periods (they decide its expiry and its TTL).
    const cartEnvironment = { CART_HOLD_SECONDS: holdSeconds, CART_RETENTION_SECONDS: String(props.cartRetentionSeconds ?? 86_400) };

    const auth = new InventoryAuth(this, 'Auth', props.auth);
    const api = new ServiceFunction(this, 'HttpApiFunction', {
      entry: 'http-api.ts',
      description: 'Every route of the inventory HTTP API',
      environment: { ...cartEnvironment, ...auth.handlerEnvironment },
    }).bindTable(table, ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem']);
    Validations.of(api).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'API Gateway invokes it synchronously: the caller gets the error (a 5xx, alarmed on), there is no event to keep; a DLQ only applies to asynchronous invocations.',
    });
    const http = new InventoryHttpApi(this, 'Http', { handler: api, authorizer: auth.authorizer, corsOrigin: props.corsOrigin });
    // The dashboard, unless it is hosted elsewhere (context dashboardOrigin): then CORS allows that origin instead. Operators
    // sign in to it through the pool's operator client, which sends them back to the page's address.
    if (!props.corsOrigin) {
      const dashboard = new Dashboard(this, 'Dashboard');
      http.allowOrigin(dashboard.url);
      const signIn = auth.addOperatorClient(`${dashboard.url}/`);
      dashboard.publish({ apiBase: http.api.apiEndpoint, ...(signIn ? { signIn } : {}) });
      new CfnOutput(this, 'DashboardUrl', { value: dashboard.url, description: 'The back-office dashboard' });
    } else {
      auth.addOperatorClient(`${props.corsOrigin.replace(/\/$/, '')}/`);
    }

    const streamDlq = new Queue(this, 'StreamDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const streamDlqReason = 'This queue is itself the dead-letter destination (on-failure) of the stream event source mapping; it has no consumer to fail.';
    Validations.of(streamDlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: streamDlqReason }, { id: 'Serverless-SQSRedrivePolicy', reason: streamDlqReason });
    const streams = new ServiceFunction(this, 'StreamProcessor', {
      entry: 'stream-processor.ts',
      description: 'Releases carts deleted by TTL; publishes low-stock alerts',
      timeout: Duration.seconds(60),
      environment: { EVENT_BUS_NAME: bus.eventBusName, ...cartEnvironment },
    }).bindTable(table, ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem']);
    bus.grantPutEventsTo(streams);
    Validations.of(streams).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked by the stream event source mapping, whose on-failure destination (StreamDeadLetters) gets the batches that fail every retry; a function DLQ only applies to asynchronous invocations.',
    });
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
        // The records the stream processor acts on, declared once (functions/streams/on-table-change.ts).
        filters: STREAM_FILTERS.map((pattern) => FilterCriteria.filter(pattern)),
      }),
    );

    // An example subscriber for automated reordering: every LowStockAlertOpened, to a queue. Events reach the bus
    // at least once (docs/events.md), so the queue is FIFO with content-based de-duplication and receives the
    // event's detail only (identical for every copy of one transition, unlike the envelope's id and time): a copy
    // arriving within SQS's 5-minute window is dropped, and the consumer de-duplicates on detail.eventId past it.
    // EventBridge's own dead-letter queue must be a standard queue; the FIFO queue's redrive target must be FIFO.
    const reorderDlq = new Queue(this, 'ReorderDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const reorderQueueDlq = new Queue(this, 'ReorderQueueDeadLetters', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const reorderQueue = new Queue(this, 'ReorderQueue', {
      fifo: true,
      contentBasedDeduplication: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: reorderQueueDlq, maxReceiveCount: 5 },
    });
    for (const [dlq, what] of [
      [reorderDlq, 'the LowStockToReorder rule’s target (events EventBridge could not deliver)'],
      [reorderQueueDlq, 'the reorder queue (events its consumer gave up on)'],
    ] as const) {
      const reason = `This queue is itself the dead-letter queue of ${what}; its messages are redriven by hand (docs/operations.md).`;
      Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
    }
    const lowStockToReorder = new Rule(this, 'LowStockToReorder', {
      eventBus: bus,
      description: 'Low-stock alerts to the reordering queue',
      eventPattern: { source: ['inventory'], detailType: ['LowStockAlertOpened'] },
      targets: [
        new SqsQueue(reorderQueue, {
          message: RuleTargetInput.fromEventPath('$.detail'),
          messageGroupId: 'low-stock-alerts',
          deadLetterQueue: reorderDlq,
          retryAttempts: 8,
        }),
      ],
    });

    const sweeper = new ServiceFunction(this, 'Sweeper', {
      entry: 'sweeper.ts',
      description: 'Releases carts whose holds lapsed (two passes a minute)',
      timeout: Duration.seconds(55),
      environment: { SWEEP_PASSES: '2', SWEEP_PASS_SECONDS: '30', ...cartEnvironment },
    }).bindTable(table, ['GetItem', 'Query', 'PutItem', 'UpdateItem']);
    // A sweep that failed: the function's async failure destination (after its retry) and the schedule's dead-letter queue
    // (EventBridge could not invoke it) both land here, so one queue, and one alarm, says that sweeps are being lost.
    const sweeperFailures = new Queue(this, 'SweeperFailures', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const sweeperFailuresReason =
      'This queue is itself a dead-letter destination (the sweeper’s async failures and its schedule’s undeliverable invokes); it has no consumer to fail.';
    Validations.of(sweeperFailures).acknowledge({ id: 'AwsSolutions-SQS3', reason: sweeperFailuresReason }, { id: 'Serverless-SQSRedrivePolicy', reason: sweeperFailuresReason });
    // One retry, within two minutes: a failed sweep is worth one more try, but the next scheduled one (a minute later)
    // supersedes an older one, so a sweep that has waited longer (throttled, say) goes to the queue instead of piling up.
    // Sweeps running at once are safe: each release is conditioned on the cart's version.
    Validations.of(sweeper).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Its asynchronous invocations have an on-failure destination (SweeperFailures, below), which supersedes a DLQ: it also records the error and the retries.',
    });
    sweeper.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.minutes(2), onFailure: new SqsDestination(sweeperFailures) });
    const sweepEveryMinute = new Rule(this, 'SweepEveryMinute', {
      description: 'Runs the hold-expiry sweeper',
      schedule: Schedule.rate(Duration.minutes(1)),
      // No retry of the invoke itself either: the next minute's is the retry.
      targets: [new LambdaFunction(sweeper, { retryAttempts: 0, deadLetterQueue: sweeperFailures })],
    });

    // The reconciliation audit (functions/schedule/auditor.ts; docs/operations.md, "Reconciliation audits"): daily, and
    // whenever POST /audits asks (its InventoryAuditRequested event, published by the stream processor, comes back here
    // through a rule on the bus). A run scans the whole table within its read budget, so it has Lambda's longest timeout
    // and a CPU's worth of memory (1,769 MB: decoding the scanned items is the work).
    const auditFailures = new Queue(this, 'AuditFailures', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const auditFailuresReason = 'This queue is itself a dead-letter destination (the auditor’s async failures and its rules’ undeliverable invokes); it has no consumer to fail.';
    Validations.of(auditFailures).acknowledge({ id: 'AwsSolutions-SQS3', reason: auditFailuresReason }, { id: 'Serverless-SQSRedrivePolicy', reason: auditFailuresReason });
    const auditor = new ServiceFunction(this, 'Auditor', {
      entry: 'auditor.ts',
      description: 'Reconciliation audits: every variant-location against its carts, orders, purchase orders and ledger',
      timeout: Duration.minutes(15),
      memorySize: 1769,
      environment: { AUDIT_READ_UNITS_PER_SECOND: String(props.auditReadUnitsPerSecond ?? 4000), AUDIT_SCAN_SEGMENTS: String(props.auditScanSegments ?? 4) },
    }).bindTable(table, ['Scan', 'GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem']);
    Validations.of(auditor).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Its asynchronous invocations have an on-failure destination (AuditFailures), which supersedes a DLQ: it also records the error and the retries.',
    });
    // One retry: a run repeated does not write a finding twice (docs/operations.md). An audit requested an hour ago and
    // never started is not worth running any more (its requester has moved on; the next day's runs anyway).
    auditor.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.hours(1), onFailure: new SqsDestination(auditFailures) });
    const auditDaily = new Rule(this, 'AuditDaily', {
      description: 'Runs the daily reconciliation audit',
      schedule: props.auditSchedule ?? Schedule.cron({ minute: '0', hour: '3' }),
      targets: [new LambdaFunction(auditor, { event: RuleTargetInput.fromObject({ trigger: 'schedule' }), retryAttempts: 2, deadLetterQueue: auditFailures })],
    });
    const auditRequested = new Rule(this, 'AuditRequestedToAuditor', {
      eventBus: bus,
      description: 'Audits requested with POST /audits, to the auditor',
      eventPattern: { source: ['inventory'], detailType: ['InventoryAuditRequested'] },
      targets: [new LambdaFunction(auditor, { retryAttempts: 8, deadLetterQueue: auditFailures })],
    });

    const monitoring = new InventoryMonitoring(this, 'Monitoring', {
      alarmEmail: props.alarmEmail,
      thresholds: props.alarmThresholds,
      table,
      stage: http.stage,
      httpApiFunction: api,
      streamProcessor: streams,
      sweeper,
      streamDeadLetters: streamDlq,
      reorderQueue,
      reorderDeadLetters: reorderDlq,
      reorderQueueDeadLetters: reorderQueueDlq,
      sweeperFailures,
      auditFailures,
      rules: [
        { id: 'LowStockToReorder', rule: lowStockToReorder, eventBus: bus },
        { id: 'SweepEveryMinute', rule: sweepEveryMinute },
        { id: 'AuditDaily', rule: auditDaily },
        { id: 'AuditRequestedToAuditor', rule: auditRequested, eventBus: bus },
      ],
    });

    new CfnOutput(this, 'ApiUrl', { value: http.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    if (auth.userPool) {
      new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId, description: 'Where operators are created (docs/operations.md)' });
      new CfnOutput(this, 'TokenUrl', { value: auth.tokenUrl!, description: 'The OAuth 2.0 token endpoint of every app client' });
      for (const [role, client] of Object.entries(auth.clients)) {
        new CfnOutput(this, `${role}ClientId`, { value: client.userPoolClientId, description: `App client for the ${role} role (client credentials)` });
      }
    }
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'ReorderQueueUrl', { value: reorderQueue.queueUrl, description: 'LowStockAlertOpened events, for reordering automation' });

    // What the runbook's commands need (docs/operations.md): `aws cloudformation describe-stacks --query "Stacks[0].Outputs"`.
    const operations: [string, string, string][] = [
      ['AlarmTopicArn', monitoring.topic.topicArn, 'Every alarm notifies this topic (subscribe to it; context alarmEmail subscribes an email)'],
      ['OperationsDashboard', monitoring.dashboard.dashboardName, 'The CloudWatch dashboard'],
      ['HttpApiFunctionLogGroup', api.logGroup.logGroupName, 'The HTTP API function’s logs'],
      ['StreamProcessorLogGroup', streams.logGroup.logGroupName, 'The stream processor’s logs'],
      ['SweeperLogGroup', sweeper.logGroup.logGroupName, 'The sweeper’s logs'],
      ['ApiAccessLogGroup', http.accessLogs.logGroupName, 'The API stage’s access log (JSON)'],
      ['StreamProcessorFunction', streams.functionName, 'Invoked by hand to re-drive stream records'],
      ['StreamDeadLettersUrl', streamDlq.queueUrl, 'Pointers to stream batches that failed every retry'],
      ['ReorderDeadLettersArn', reorderDlq.queueArn, 'LowStockAlertOpened events EventBridge could not deliver to the reordering queue'],
      ['ReorderQueueDeadLettersArn', reorderQueueDlq.queueArn, 'LowStockAlertOpened details the reordering consumer gave up on'],
      ['ReorderQueueArn', reorderQueue.queueArn, 'Where the reorder dead letters are moved back to'],
      ['SweeperFailuresUrl', sweeperFailures.queueUrl, 'Sweeper runs that failed every retry'],
      ['AuditorLogGroup', auditor.logGroup.logGroupName, 'The auditor’s logs'],
      ['AuditorFunction', auditor.functionName, 'Invoked by hand to run an audit again'],
      ['AuditFailuresUrl', auditFailures.queueUrl, 'Audit runs that failed every retry'],
      ['EventBusArn', bus.eventBusArn, 'Where archived events are replayed to'],
      ['EventArchiveArn', archive.archiveArn, 'Every event on the bus, kept for replay'],
      ['LowStockToReorderRuleArn', lowStockToReorder.ruleArn, 'Limits a replay to the reordering subscription'],
    ];
    for (const [id, value, description] of operations) new CfnOutput(this, id, { value, description });
  }
}
