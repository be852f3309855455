import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus, IRule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SERVICE_METRICS } from './service-function';

/**
 * The thresholds of the alarms. Each one's justification is in docs/operations.md ("Thresholds"); change both together.
 */
export interface MonitoringThresholds {
  /** API 5xx responses as a percentage of requests, per minute. */
  api5xxRatePercent: number;
  /** API p99 latency (API Gateway's Latency: request in to response out), per minute, in milliseconds. */
  apiP99LatencyMs: number;
  /** Age of the last record the stream processor read (Lambda IteratorAge, Maximum), in milliseconds. */
  streamIteratorAgeMs: number;
}

export const DEFAULT_THRESHOLDS: MonitoringThresholds = {
  api5xxRatePercent: 1,
  apiP99LatencyMs: 1000,
  streamIteratorAgeMs: 10 * 60 * 1000,
};

/** A rule whose deliveries are watched. */
export interface WatchedRule {
  /** Names its alarm (`<id>FailedInvocations`) and its line on the dashboard. */
  id: string;
  rule: IRule;
  /** The custom bus the rule is on. @default the account's default bus (a schedule) */
  eventBus?: IEventBus;
}

export interface InventoryMonitoringProps {
  /** Subscribed to the alarm topic by email (context `alarmEmail`). @default no subscription: subscribe to the topic yourself */
  alarmEmail?: string;
  table: ITable;
  /** The HTTP API's stage: its 4xx, 5xx, Count and Latency (dimensions ApiId and Stage). */
  stage: IHttpStage;
  httpApiFunction: IFunction;
  streamProcessor: IFunction;
  sweeper: IFunction;
  /** The stream event source mapping's on-failure destination: batch pointers (shard and sequence range), not records. */
  streamDeadLetters: IQueue;
  reorderQueue: IQueue;
  /** The LowStockToReorder rule's dead-letter queue (events EventBridge could not deliver). */
  reorderDeadLetters: IQueue;
  /** The reorder queue's own dead-letter queue (FIFO: events its consumer gave up on). */
  reorderQueueDeadLetters: IQueue;
  /** The sweeper's async-invocation failure destination, and its schedule rule's dead-letter queue. */
  sweeperFailures: IQueue;
  /** The auditor's async-invocation failure destination, and its rules' dead-letter queue. @default none watched */
  auditFailures?: IQueue;
  rules: WatchedRule[];
  /** @default DEFAULT_THRESHOLDS */
  thresholds?: Partial<MonitoringThresholds>;
}

/** The DynamoDB operations the service issues (Operation dimension of ThrottledRequests and SystemErrors). */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
  Operation.GET_RECORDS,
];

const MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

interface AlarmSpec {
  metric: IMetric;
  threshold: number;
  comparison: ComparisonOperator;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  missing: TreatMissingData;
  /** What it means, in one sentence; the runbook section has the rest. */
  description: string;
}

/**
 * What tells the on-call engineer that something is wrong, and where to look: an SNS topic (KMS-encrypted, TLS only,
 * optionally an email subscription), the alarms on it (OK notifications too, so a cleared alarm is seen to clear) and one
 * CloudWatch dashboard. The runbook is docs/operations.md: every alarm's description names its section there.
 */
export class InventoryMonitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  /** By id; the alarm's name is `<stack name>-<id>`. */
  readonly alarms: Record<string, Alarm> = {};

  constructor(scope: Construct, id: string, props: InventoryMonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const t = { ...DEFAULT_THRESHOLDS, ...props.thresholds };

    // CloudWatch can publish to an encrypted topic only with a customer managed key whose policy lets it use the key
    // (the AWS managed alias/aws/sns key's policy cannot be changed): one key for this topic alone.
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the inventory service alarm topic',
      enableKeyRotation: true,
      // It protects nothing but notifications in flight: deleted (after the 7-day waiting period) with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const fromAlarmsHere = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
    };
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromAlarmsHere,
      }),
    );
    this.topic = new Topic(this, 'Alarms', { displayName: 'Inventory service alarms', masterKey: key, enforceSSL: true });
    // The topic's policy (TLS only) replaces SNS's default one, so CloudWatch's right to publish is stated here.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromAlarmsHere,
      }),
    );
    if (props.alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'An undelivered email loses nothing: the alarm keeps its state in CloudWatch and on the dashboard; a dead-letter queue for alarm emails would need an alarm of its own, on this same topic.',
      });
    }
    const action = new SnsAction(this.topic);

    const alarm = (alarmId: string, spec: AlarmSpec): Alarm => {
      const a = new Alarm(this, alarmId, {
        alarmName: `${stack.stackName}-${alarmId}`,
        alarmDescription: `${spec.description} Runbook: docs/operations.md, section ${alarmId}.`,
        metric: spec.metric,
        threshold: spec.threshold,
        comparisonOperator: spec.comparison,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
        treatMissingData: spec.missing,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms[alarmId] = a;
      return a;
    };
    const above = ComparisonOperator.GREATER_THAN_THRESHOLD;

    // --- Dead letters: anything in one of these queues is work the service gave up on. SQS reports a queue's depth
    // every few minutes while it is active (holds messages or is used); an idle empty queue reports nothing: not breaching.
    const queueDepth = (q: IQueue) => q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: FIVE_MINUTES });
    const deadLetters: [string, IQueue, string][] = [
      ['StreamDeadLettersNotEmpty', props.streamDeadLetters, 'A stream batch failed every retry: the pointers to its records (shard, sequence range) are in the stream dead-letter queue.'],
      ['ReorderDeadLettersNotEmpty', props.reorderDeadLetters, 'LowStockAlertOpened events could not be delivered to the reordering queue.'],
      ['ReorderQueueDeadLettersNotEmpty', props.reorderQueueDeadLetters, 'The reordering consumer gave up on LowStockAlertOpened events (received 5 times, never deleted).'],
      ['SweeperFailuresNotEmpty', props.sweeperFailures, 'A sweeper run failed every retry, or the schedule could not invoke it.'],
      ...(props.auditFailures
        ? [['AuditFailuresNotEmpty', props.auditFailures, 'A reconciliation audit run failed every retry, or its schedule or rule could not invoke the auditor.'] as [string, IQueue, string]]
        : []),
    ];
    for (const [alarmId, queue, description] of deadLetters) {
      alarm(alarmId, { metric: queueDepth(queue), threshold: 0, comparison: above, evaluationPeriods: 1, missing: TreatMissingData.NOT_BREACHING, description });
    }

    // --- The stream: the processor falling behind, or stuck on a batch it keeps retrying.
    const iteratorAge = props.streamProcessor.metric('IteratorAge', { statistic: 'Maximum', period: MINUTE });
    alarm('StreamIteratorAge', {
      metric: iteratorAge,
      threshold: t.streamIteratorAgeMs,
      comparison: above,
      evaluationPeriods: 3,
      // Only reported while the processor is invoked: no stream traffic is nothing late.
      missing: TreatMissingData.NOT_BREACHING,
      description: 'The stream processor is behind the table stream (TTL releases and low-stock events are late).',
    });

    // --- Each function's errors and throttles: errors in 3 of 5 minutes are no longer one retried blip.
    const functions: [string, IFunction][] = [
      ['HttpApiFunction', props.httpApiFunction],
      ['StreamProcessor', props.streamProcessor],
      ['Sweeper', props.sweeper],
    ];
    for (const [name, fn] of functions) {
      // Lambda reports Errors and Throttles with every invocation: no invocations, nothing failed.
      alarm(`${name}Errors`, {
        metric: fn.metricErrors({ statistic: 'Sum', period: MINUTE }),
        threshold: 0,
        comparison: above,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        missing: TreatMissingData.NOT_BREACHING,
        description: `The ${name} function failed (an unhandled error or a timeout) in 3 of the last 5 minutes.`,
      });
      alarm(`${name}Throttles`, {
        metric: fn.metricThrottles({ statistic: 'Sum', period: MINUTE }),
        threshold: 0,
        comparison: above,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        missing: TreatMissingData.NOT_BREACHING,
        description: `Lambda refused to run the ${name} function (concurrency) in 3 of the last 5 minutes.`,
      });
    }
    // The sweeper must run every minute: here, and only here, no data is the failure.
    alarm('SweeperNotRunning', {
      metric: props.sweeper.metricInvocations({ statistic: 'Sum', period: MINUTE }),
      threshold: 1,
      comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      missing: TreatMissingData.BREACHING,
      description: 'The sweeper has not been invoked for 5 minutes (schedule rule disabled or failing to invoke it).',
    });

    // --- The API, as callers see it.
    const requests = props.stage.metricCount({ period: MINUTE });
    const serverErrors = props.stage.metricServerError({ period: MINUTE });
    const clientErrors = props.stage.metricClientError({ period: MINUTE });
    const errorRate = new MathExpression({
      expression: '100 * FILL(errors, 0) / requests',
      usingMetrics: { errors: serverErrors, requests },
      period: MINUTE,
      label: '5xx rate (%)',
    });
    alarm('Api5xxRate', {
      metric: errorRate,
      threshold: t.api5xxRatePercent,
      comparison: above,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // No requests, no rate: quiet is not failing.
      missing: TreatMissingData.NOT_BREACHING,
      description: `More than ${t.api5xxRatePercent}% of API requests got a 5xx in 3 of the last 5 minutes.`,
    });
    const latency = (statistic: string) => props.stage.metricLatency({ statistic, period: MINUTE });
    alarm('ApiLatencyP99', {
      metric: latency('p99'),
      threshold: t.apiP99LatencyMs,
      comparison: above,
      evaluationPeriods: 5,
      missing: TreatMissingData.NOT_BREACHING,
      description: `The API's p99 latency has been over ${t.apiP99LatencyMs} ms for 5 minutes in a row.`,
    });

    // --- The table. ThrottledRequests and SystemErrors exist per operation and only when non-zero: FILL makes the
    // sum defined when some operations report and others do not (a plain a + b is missing whenever one term is).
    const perOperation = (metricName: string, label: string) => {
      // Ids are unique per metric name: a graph may show both sums.
      const usingMetrics = Object.fromEntries(
        TABLE_OPERATIONS.map((op) => [`${metricName.toLowerCase()}_${op.toLowerCase()}`, props.table.metric(metricName, { statistic: 'Sum', period: MINUTE, dimensionsMap: { TableName: props.table.tableName, Operation: op } })]),
      );
      return new MathExpression({ expression: Object.keys(usingMetrics).map((k) => `FILL(${k}, 0)`).join(' + '), usingMetrics, period: MINUTE, label });
    };
    const throttled = perOperation('ThrottledRequests', 'Throttled requests');
    const systemErrors = perOperation('SystemErrors', 'System errors');
    alarm('TableThrottledRequests', {
      metric: throttled,
      threshold: 0,
      comparison: above,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: TreatMissingData.NOT_BREACHING,
      description: 'DynamoDB throttled requests to the table in 3 of the last 5 minutes (the SDK retries each up to 5 times).',
    });
    alarm('TableSystemErrors', {
      metric: systemErrors,
      threshold: 0,
      comparison: above,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      missing: TreatMissingData.NOT_BREACHING,
      description: 'DynamoDB answered requests to the table with internal errors (HTTP 500) in 3 of the last 5 minutes.',
    });

    // --- EventBridge deliveries. A rule on a custom bus reports with EventBusName and RuleName, one on the default bus with
    // RuleName only; both sets are read so neither reading of the documentation can leave the alarm blind. FailedInvocations
    // (the target failed for good: the event went to the target's dead-letter queue) and InvocationsFailedToBeSentToDlq (it
    // could not even go there: lost) are only reported when non-zero.
    const ruleFailures = (w: WatchedRule) => {
      const dimensionSets: Record<string, string>[] = [{ RuleName: w.rule.ruleName }];
      if (w.eventBus) dimensionSets.push({ EventBusName: w.eventBus.eventBusName, RuleName: w.rule.ruleName });
      const usingMetrics: Record<string, IMetric> = {};
      dimensionSets.forEach((dimensionsMap, i) => {
        for (const [key, metricName] of [['failed', 'FailedInvocations'], ['lost', 'InvocationsFailedToBeSentToDlq']]) {
          usingMetrics[`${w.id.toLowerCase()}_${key}${i}`] = new Metric({ namespace: 'AWS/Events', metricName, dimensionsMap, statistic: 'Sum', period: FIVE_MINUTES });
        }
      });
      return new MathExpression({ expression: Object.keys(usingMetrics).map((k) => `FILL(${k}, 0)`).join(' + '), usingMetrics, period: FIVE_MINUTES, label: `${w.id} failed` });
    };
    for (const w of props.rules) {
      alarm(`${w.id}FailedInvocations`, {
        metric: ruleFailures(w),
        threshold: 0,
        comparison: above,
        evaluationPeriods: 1,
        missing: TreatMissingData.NOT_BREACHING,
        description: `The ${w.id} rule failed to deliver events to its target.`,
      });
    }

    // --- The service's own metrics (Powertools Metrics, EMF).
    const custom = (metricName: string, statistic: string, dimensions: Record<string, string> = {}) =>
      new Metric({ namespace: SERVICE_METRICS.namespace, metricName, dimensionsMap: { service: SERVICE_METRICS.service, ...dimensions }, statistic, period: MINUTE });
    alarm('LapsedHoldsUnreleased', {
      metric: custom('LapsedHoldsUnreleased', 'Maximum'),
      threshold: 0,
      comparison: above,
      evaluationPeriods: 3,
      // The sweeper reports after every pass. A gap means it did not report, which its Errors, SweeperNotRunning and
      // SweeperFailuresNotEmpty alarms cover; it says nothing about holds, so it neither raises nor clears this alarm:
      // only the sweeper's own count of 0 clears it.
      missing: TreatMissingData.IGNORE,
      description: 'Carts that lapsed more than 5 minutes ago still hold stock, 3 minutes in a row: the sweeper runs but does not release them.',
    });
    alarm('EventsFailed', {
      metric: custom('EventsFailed', 'Sum'),
      threshold: 0,
      comparison: above,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // Reported by the stream processor when it publishes; a record that fails is retried from the stream, so it is not
      // a Lambda error: without this alarm, only the dead-letter queue (after every retry) would say so.
      missing: TreatMissingData.NOT_BREACHING,
      description: 'The stream processor failed to publish events to EventBridge in 3 of the last 5 minutes.',
    });

    // --- The dashboard: what the service does, then what is failing, then the machinery.
    const wide = { width: 12, height: 6 };
    const narrow = { width: 8, height: 6 };
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: stack.stackName, defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Inventory service\nEvery alarm is in the runbook, **docs/operations.md** (one section per alarm name). Custom metrics: namespace \`${SERVICE_METRICS.namespace}\`, dimension \`service=${SERVICE_METRICS.service}\`.`,
        width: 24,
        height: 2,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'API traffic (requests)', left: [requests.with({ label: 'Requests' })], ...narrow }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [latency('p50').with({ label: 'Latency p50' }), latency('p99').with({ label: 'Latency p99' }), props.stage.metricIntegrationLatency({ statistic: 'p99', period: MINUTE, label: 'Integration latency p99' })],
        leftAnnotations: [{ value: t.apiP99LatencyMs, label: 'p99 alarm' }],
        ...narrow,
      }),
      new GraphWidget({
        title: 'API errors (4xx, 5xx)',
        left: [clientErrors.with({ label: '4xx' }), serverErrors.with({ label: '5xx' })],
        right: [errorRate],
        rightAnnotations: [{ value: t.api5xxRatePercent, label: '5xx rate alarm' }],
        ...narrow,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Holds granted and refused',
        left: [custom('HoldsGranted', 'Sum'), custom('HoldsRefused', 'Sum'), custom('ConflictsRetried', 'Sum'), custom('Checkouts', 'Sum')],
        ...narrow,
      }),
      new GraphWidget({
        title: 'Holds released, by path (cart lines)',
        left: ['sweeper', 'reclaim', 'ttl'].map((path) => custom('HoldsReleased', 'Sum', { path }).with({ label: `HoldsReleased (${path})` })),
        right: [custom('LapsedHoldsUnreleased', 'Maximum')],
        stacked: false,
        ...narrow,
      }),
      new GraphWidget({
        title: 'Low-stock alerts and events',
        left: [custom('AlertsOpened', 'Sum'), custom('AlertsCleared', 'Sum')],
        right: [custom('EventsPublished', 'Sum'), custom('EventsFailed', 'Sum')],
        ...narrow,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depths (messages visible)',
        left: [
          queueDepth(props.streamDeadLetters).with({ label: 'StreamDeadLetters' }),
          queueDepth(props.reorderDeadLetters).with({ label: 'ReorderDeadLetters' }),
          queueDepth(props.reorderQueueDeadLetters).with({ label: 'ReorderQueueDeadLetters' }),
          queueDepth(props.sweeperFailures).with({ label: 'SweeperFailures' }),
          queueDepth(props.reorderQueue).with({ label: 'ReorderQueue' }),
        ],
        ...narrow,
      }),
      new GraphWidget({
        title: 'Stream iterator age and batch age (ms)',
        left: [iteratorAge.with({ label: 'IteratorAge (max)' }), custom('StreamBatchAge', 'Maximum').with({ label: 'StreamBatchAge (max)' })],
        leftAnnotations: [{ value: t.streamIteratorAgeMs, label: 'iterator age alarm' }],
        ...narrow,
      }),
      new GraphWidget({
        title: 'EventBridge rule failures',
        left: props.rules.map(ruleFailures),
        ...narrow,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors and throttles',
        left: functions.map(([name, fn]) => fn.metricErrors({ statistic: 'Sum', period: MINUTE, label: `${name} errors` })),
        right: functions.map(([name, fn]) => fn.metricThrottles({ statistic: 'Sum', period: MINUTE, label: `${name} throttles` })),
        ...wide,
      }),
      new GraphWidget({
        title: 'Function duration p99 (ms) and concurrency',
        left: functions.map(([name, fn]) => fn.metricDuration({ statistic: 'p99', period: MINUTE, label: `${name} p99` })),
        right: functions.map(([name, fn]) => fn.metric('ConcurrentExecutions', { statistic: 'Maximum', period: MINUTE, label: `${name} concurrency` })),
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'DynamoDB consumed capacity (units)',
        left: [
          props.table.metricConsumedReadCapacityUnits({ statistic: 'Sum', period: MINUTE, label: 'Read units' }),
          props.table.metricConsumedWriteCapacityUnits({ statistic: 'Sum', period: MINUTE, label: 'Write units' }),
        ],
        ...wide,
      }),
      new GraphWidget({
        title: 'DynamoDB throttles and system errors',
        left: [
          throttled,
          props.table.metric('ReadThrottleEvents', { statistic: 'Sum', period: MINUTE, label: 'Read throttle events' }),
          props.table.metric('WriteThrottleEvents', { statistic: 'Sum', period: MINUTE, label: 'Write throttle events' }),
        ],
        right: [systemErrors],
        ...wide,
      }),
    );
  }
}
