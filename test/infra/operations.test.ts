// Proves what recovery and investigation rely on: the sweeper's failure queue, the bus's archive for replay, the API stage's JSON access log, and the outputs the runbook names.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { InventoryStack } from '../../lib/inventory-stack';
import { testApp } from './app';

const template = Template.fromStack(new InventoryStack(testApp(), 'Test'));
const idOf = (type: string, prefix: string): string => {
  const id = Object.keys(template.findResources(type)).find((k) => k.startsWith(prefix));
  if (!id) throw new Error(`no ${type} ${prefix}`);
  return id;
};

describe('the sweeper', () => {
  const queue = () => idOf('AWS::SQS::Queue', 'SweeperFailures');

  it('sends an invocation that failed its one retry, or waited over two minutes, to the SweeperFailures queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: idOf('AWS::Lambda::Function', 'Sweeper') },
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 120,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue(), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
  });

  it('has its schedule’s undeliverable invokes go to the same queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue(), 'Arn'] } } })],
    });
  });
});

describe('the event bus', () => {
  it('archives every event for 30 days, for replay', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [idOf('AWS::Events::EventBus', 'Bus'), 'Arn'] },
      RetentionDays: 30,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      // Left out, not "" (which CDK would otherwise render, and some regions reject): the AWS owned key.
      KmsKeyIdentifier: Match.absent(),
    });
  });
});

describe('the API stage’s access log', () => {
  const format = (): Record<string, string> => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as { Properties: { AccessLogSettings: { Format: string; DestinationArn: unknown } } }[];
    return JSON.parse(stage.Properties.AccessLogSettings.Format);
  };

  it('is one JSON object per request, every value quoted', () => {
    for (const [field, value] of Object.entries(format())) expect({ field, type: typeof value }).toEqual({ field, type: 'string' });
  });

  it('has the request and integration request ids, status, latencies, route, method, path, source IP and user agent', () => {
    expect(format()).toMatchObject({
      requestId: '$context.requestId',
      integrationRequestId: '$context.integration.requestId',
      status: '$context.status',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      routeKey: '$context.routeKey',
      method: '$context.httpMethod',
      path: '$context.path',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
    });
  });

  it('has the caller’s scope (its role), client and subject from the JWT authorizer’s claims', () => {
    expect(format()).toMatchObject({
      scope: '$context.authorizer.claims.scope',
      clientId: '$context.authorizer.claims.client_id',
      subject: '$context.authorizer.claims.sub',
    });
  });

  it('goes to a log group kept three months', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as { Properties: { AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [string, string] } } } }[];
    const group = template.toJSON().Resources[stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]];
    expect(group).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } });
  });
});

describe('the outputs the runbook’s commands use', () => {
  it('name the alarm topic, the dashboard, the log groups, the queues, the stream processor, the bus, its archive and the reorder rule', () => {
    for (const name of [
      'AlarmTopicArn',
      'OperationsDashboard',
      'HttpApiFunctionLogGroup',
      'StreamProcessorLogGroup',
      'SweeperLogGroup',
      'ApiAccessLogGroup',
      'StreamProcessorFunction',
      'StreamDeadLettersUrl',
      'ReorderDeadLettersArn',
      'ReorderQueueDeadLettersArn',
      'ReorderQueueArn',
      'SweeperFailuresUrl',
      'EventBusArn',
      'EventArchiveArn',
      'LowStockToReorderRuleArn',
    ]) {
      template.hasOutput(name, {});
    }
  });
});
