// Proves the alarms: each one's metric, threshold, comparison, evaluation periods and missing-data treatment, its SNS actions, the topic, and a runbook section per alarm.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { InventoryStack } from '../../lib/inventory-stack';
import { testApp } from './app';

const template = Template.fromStack(new InventoryStack(testApp(), 'Test'));

type AlarmProps = {
  AlarmName: string;
  AlarmDescription: string;
  ComparisonOperator: string;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  Namespace?: string;
  MetricName?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Period?: number;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string; Period: number } }[];
};
const alarms = Object.fromEntries(
  (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: AlarmProps }[]).map((r) => [r.Properties.AlarmName.replace(/^Test-/, ''), r.Properties]),
);
const topicRef = { Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] };
const dimensionNames = (d?: { Name: string }[]) => (d ?? []).map((x) => x.Name).sort();

// id: [comparison, threshold, evaluation periods, datapoints to alarm, missing data]
const EXPECTED: Record<string, [string, number, number, number, string]> = {
  StreamDeadLettersNotEmpty: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  ReorderDeadLettersNotEmpty: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  ReorderQueueDeadLettersNotEmpty: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  SweeperFailuresNotEmpty: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  StreamIteratorAge: ['GreaterThanThreshold', 600_000, 3, 3, 'notBreaching'],
  HttpApiFunctionErrors: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  HttpApiFunctionThrottles: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  StreamProcessorErrors: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  StreamProcessorThrottles: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  SweeperErrors: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  SweeperThrottles: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  SweeperNotRunning: ['LessThanThreshold', 1, 5, 5, 'breaching'],
  Api5xxRate: ['GreaterThanThreshold', 1, 5, 3, 'notBreaching'],
  ApiLatencyP99: ['GreaterThanThreshold', 1000, 5, 5, 'notBreaching'],
  TableThrottledRequests: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  TableSystemErrors: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
  LowStockToReorderFailedInvocations: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  SweepEveryMinuteFailedInvocations: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  AuditFailuresNotEmpty: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  AuditDailyFailedInvocations: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  AuditRequestedToAuditorFailedInvocations: ['GreaterThanThreshold', 0, 1, 1, 'notBreaching'],
  LapsedHoldsUnreleased: ['GreaterThanThreshold', 0, 3, 3, 'ignore'],
  EventsFailed: ['GreaterThanThreshold', 0, 5, 3, 'notBreaching'],
};

describe('the alarms', () => {
  it('are exactly the runbook’s, each with its threshold, comparison, periods and missing-data treatment', () => {
    expect(Object.keys(alarms).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [id, [comparison, threshold, periods, datapoints, missing]] of Object.entries(EXPECTED)) {
      const a = alarms[id];
      expect({ id, comparison: a.ComparisonOperator, threshold: a.Threshold, periods: a.EvaluationPeriods, datapoints: a.DatapointsToAlarm, missing: a.TreatMissingData }).toEqual({
        id,
        comparison,
        threshold,
        periods,
        datapoints,
        missing,
      });
    }
  });

  it('notify the SNS topic when they fire and when they clear, and name their runbook section', () => {
    for (const [id, a] of Object.entries(alarms)) {
      expect({ id, alarm: a.AlarmActions, ok: a.OKActions }).toEqual({ id, alarm: [topicRef], ok: [topicRef] });
      expect(a.AlarmDescription).toContain(`docs/operations.md, section ${id}.`);
    }
  });

  it('watch both dead-letter queues and the sweeper’s failure queue for any visible message', () => {
    for (const [id, queue] of [
      ['StreamDeadLettersNotEmpty', 'StreamDeadLetters'],
      ['ReorderDeadLettersNotEmpty', 'ReorderDeadLetters'],
      ['ReorderQueueDeadLettersNotEmpty', 'ReorderQueueDeadLetters'],
      ['SweeperFailuresNotEmpty', 'SweeperFailures'],
    ]) {
      const a = alarms[id];
      expect(a).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Period: 300 });
      expect(JSON.stringify(a.Dimensions)).toContain(`"${queue}`);
    }
  });

  it('watch the stream processor’s iterator age, and each function’s errors and throttles', () => {
    expect(alarms.StreamIteratorAge).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Statistic: 'Maximum', Period: 60 });
    expect(JSON.stringify(alarms.StreamIteratorAge.Dimensions)).toContain('StreamProcessor');
    for (const fn of ['HttpApiFunction', 'StreamProcessor', 'Sweeper']) {
      for (const metric of ['Errors', 'Throttles']) {
        const a = alarms[`${fn}${metric}`];
        expect(a).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: metric, Statistic: 'Sum', Period: 60 });
        expect(JSON.stringify(a.Dimensions)).toContain(`"${fn}`);
      }
    }
    expect(alarms.SweeperNotRunning).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', Statistic: 'Sum', Period: 60 });
  });

  it('take the API’s 5xx rate as a math expression over 5xx and Count, and its p99 latency, on the stage (ApiId, Stage)', () => {
    const rate = alarms.Api5xxRate.Metrics!;
    expect(rate.find((m) => m.Expression)?.Expression).toBe('100 * FILL(errors, 0) / requests');
    const byId = Object.fromEntries(rate.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat!]));
    expect(byId.errors).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx' }, Stat: 'Sum', Period: 60 });
    expect(byId.requests).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count' }, Period: 60 });
    for (const m of Object.values(byId)) expect(dimensionNames(m.Metric.Dimensions)).toEqual(['ApiId', 'Stage']);
    expect(alarms.ApiLatencyP99).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Latency', ExtendedStatistic: 'p99', Period: 60 });
    expect(dimensionNames(alarms.ApiLatencyP99.Dimensions)).toEqual(['ApiId', 'Stage']);
  });

  it('sum the table’s throttled requests and system errors over the operations the service uses, missing ones as 0', () => {
    for (const [id, metricName] of [
      ['TableThrottledRequests', 'ThrottledRequests'],
      ['TableSystemErrors', 'SystemErrors'],
    ]) {
      const metrics = alarms[id].Metrics!;
      const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!);
      expect(new Set(stats.map((s) => `${s.Metric.Namespace}/${s.Metric.MetricName}`))).toEqual(new Set([`AWS/DynamoDB/${metricName}`]));
      const operations = stats.map((s) => s.Metric.Dimensions.find((d) => d.Name === 'Operation')?.Value);
      expect(operations).toEqual(expect.arrayContaining(['GetItem', 'Query', 'PutItem', 'UpdateItem', 'TransactWriteItems', 'GetRecords']));
      const expression = metrics.find((m) => m.Expression)!.Expression!;
      for (const s of metrics.filter((m) => m.MetricStat)) expect(expression).toContain(`FILL(${s.Id}, 0)`);
    }
  });

  it('watch each rule’s failed invocations (FailedInvocations, and events its dead-letter queue refused), on the custom bus with its name', () => {
    const metricsOf = (id: string) => alarms[id].Metrics!.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric);
    const reorder = metricsOf('LowStockToReorderFailedInvocations');
    expect(reorder.map((m) => m.MetricName)).toEqual(expect.arrayContaining(['FailedInvocations', 'InvocationsFailedToBeSentToDlq']));
    expect(reorder.every((m) => m.Namespace === 'AWS/Events')).toBe(true);
    expect(reorder.map((m) => dimensionNames(m.Dimensions))).toContainEqual(['EventBusName', 'RuleName']);
    const sweep = metricsOf('SweepEveryMinuteFailedInvocations');
    expect(sweep.map((m) => m.MetricName)).toContain('FailedInvocations');
    expect(sweep.map((m) => dimensionNames(m.Dimensions))).toEqual([['RuleName'], ['RuleName']]);
  });

  it('read the service’s own metrics from namespace Inventory with the dimension service=inventory', () => {
    expect(alarms.LapsedHoldsUnreleased).toMatchObject({
      Namespace: 'Inventory',
      MetricName: 'LapsedHoldsUnreleased',
      Statistic: 'Maximum',
      Period: 60,
      Dimensions: [{ Name: 'service', Value: 'inventory' }],
    });
    expect(alarms.EventsFailed).toMatchObject({ Namespace: 'Inventory', MetricName: 'EventsFailed', Statistic: 'Sum', Dimensions: [{ Name: 'service', Value: 'inventory' }] });
    // The functions write them there (Powertools Metrics reads the namespace from the environment).
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })) as {
      Properties: { Environment: { Variables: Record<string, string> } };
    }[];
    expect(fns).toHaveLength(4);
    for (const fn of fns) expect(fn.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'Inventory', POWERTOOLS_SERVICE_NAME: 'inventory' });
  });

  it('each have a section in the runbook', () => {
    const runbook = readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const headings = new Set([...runbook.matchAll(/^#{3,4} (\w+)/gm)].map((m) => m[1]));
    for (const id of Object.keys(alarms)) expect({ id, inRunbook: headings.has(id) }).toEqual({ id, inRunbook: true });
  });
});

describe('the alarm topic', () => {
  it('is encrypted with a rotated key CloudWatch may use, accepts TLS only, and lets CloudWatch alarms of this account publish', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }) }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('has no subscription unless an alarm email is given, then an email subscription', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = Template.fromStack(new InventoryStack(testApp(), 'WithEmail', { alarmEmail: 'oncall@example.com' }));
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: Match.anyValue() });
  });
});
