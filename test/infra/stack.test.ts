// Proves the AWS assembly: table settings, one API route per route-table entry, least-privilege IAM, log group lifetimes, stream and sweeper wiring.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { INDEXES, TABLE } from '../../functions/dynamodb/table-schema';
import { STREAM_FILTERS } from '../../functions/streams/on-table-change';
import { InventoryStack } from '../../lib/inventory-stack';
import { routes, routeKeyOf, type RouteSpec } from '../../functions/http/routes';
import { testApp } from './app';

// Bundling is skipped here (it is exercised by `cdk synth` in the benchmark); the template is what is tested, with cdk.json's feature flags.
const app = testApp();
const stack = new InventoryStack(app, 'Test');
const template = Template.fromStack(stack);

const policyActions = (logicalIdPrefix: string): string[] => {
  const policies = template.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith(logicalIdPrefix));
  if (!entry) throw new Error(`no policy ${logicalIdPrefix}`);
  const statements = (entry[1] as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties
    .PolicyDocument.Statement;
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
};

describe('the table', () => {
  it('is on-demand, with PITR, TTL, a NEW_AND_OLD_IMAGES stream, the shared indexes, and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: INDEXES.map((i) =>
          Match.objectLike({ IndexName: i.name, Projection: { ProjectionType: i.projection } }),
        ),
      }),
    });
  });
});

describe('the functions', () => {
  it('run Node.js 22 on ARM64 with tracing', () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } });
    expect(Object.keys(fns).length).toBeGreaterThanOrEqual(3);
    for (const fn of Object.values(fns) as { Properties: { Architectures: string[]; TracingConfig: { Mode: string } } }[]) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });

  it('each get only the DynamoDB actions they use', () => {
    const dynamo = (a: string[]) => a.filter((x) => x.startsWith('dynamodb:')).sort();
    expect(dynamo(policyActions('HttpApiFunctionRoleDefaultPolicy'))).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    );
    expect(dynamo(policyActions('SweeperRoleDefaultPolicy'))).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const streamActions = policyActions('StreamProcessorRoleDefaultPolicy');
    expect(streamActions).toEqual(expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'events:PutEvents', 'sqs:SendMessage']));
    expect(streamActions).not.toContain('dynamodb:DeleteItem');
    for (const actions of [policyActions('HttpApiFunctionRole'), policyActions('SweeperRole'), streamActions]) {
      expect(actions.some((a) => a.endsWith('*'))).toBe(false);
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions).toEqual(expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents']));
    }
    // No managed policies: each role writes its own log group only.
    const roles = Object.entries(template.findResources('AWS::IAM::Role')) as [string, { Properties: { ManagedPolicyArns?: unknown[] } }][];
    for (const [id, role] of roles.filter(([id]) => /^(HttpApiFunction|StreamProcessor|Sweeper)Role/.test(id))) {
      expect({ id, managed: role.Properties.ManagedPolicyArns ?? [] }).toEqual({ id, managed: [] });
    }
  });
});

describe('log groups', () => {
  it('each have a retention and are deleted with the stack, CDK’s own upload function’s included', () => {
    // The flag @aws-cdk/aws-lambda:useCdkManagedLogGroup would otherwise give that function a log group retained for two years.
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup')) as [string, { DeletionPolicy?: string; Properties: { RetentionInDays?: number } }][];
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const [id, g] of groups) expect({ id, retention: typeof g.Properties.RetentionInDays, deletion: g.DeletionPolicy }).toEqual({ id, retention: 'number', deletion: 'Delete' });
  });
});

describe('the HTTP API', () => {
  it('has one route per route-table entry, and a $default route for the service’s own 404/405', () => {
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    const expected = (Object.values(routes) as RouteSpec[]).map(routeKeyOf);
    expect(keys.sort()).toEqual([...expected, '$default'].sort());
  });
});

describe('stream processing and the sweeper', () => {
  it('reads the stream with bounded retries, bisection, partial batch failures and a dead-letter queue, filtered to TTL deletes of carts', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: {
        Filters: Match.arrayWith([
          {
            Pattern: JSON.stringify({
              eventName: ['REMOVE'],
              userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
              dynamodb: { OldImage: { entity: { S: ['Cart'] } } },
            }),
          },
        ]),
      },
    });
  });

  it('also reads variant and alert changes (low-stock crossings and their events)', () => {
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as {
      Properties: { FilterCriteria: { Filters: { Pattern: string }[] } };
    };
    const patterns = mapping.Properties.FilterCriteria.Filters.map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual(
      expect.arrayContaining([
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { entity: { S: ['Variant'] } } } },
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { entity: { S: ['Alert'] } } } },
      ]),
    );
    // The same declaration the local poller applies: one filter for both assemblies.
    expect(patterns).toEqual(STREAM_FILTERS);
  });

  it('routes LowStockAlertOpened to a reordering queue that drops duplicate copies, with dead-letter queues', () => {
    // The detail only (the same for every copy of a transition) into a FIFO queue that de-duplicates on content.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['inventory'], 'detail-type': ['LowStockAlertOpened'] },
      Targets: [
        Match.objectLike({
          Arn: Match.anyValue(),
          InputPath: '$.detail',
          SqsParameters: { MessageGroupId: 'low-stock-alerts' },
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: Match.anyValue(),
        }),
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    // The stream's, the reorder queue, its dead-letter queue and the rule's, the sweeper's failures and the auditor's.
    template.resourceCountIs('AWS::SQS::Queue', 6);
  });

  it('gives every function that writes carts both the hold period and the retention period', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })) as {
      Properties: { Environment: { Variables: Record<string, string> } };
    }[];
    // The auditor reads the table and writes audits only (repairs are made by the HTTP API).
    const withCarts = fns.filter((f) => 'TABLE_NAME' in f.Properties.Environment.Variables && !('AUDIT_READ_UNITS_PER_SECOND' in f.Properties.Environment.Variables));
    expect(withCarts).toHaveLength(3);
    for (const f of withCarts) expect(f.Properties.Environment.Variables).toMatchObject({ CART_HOLD_SECONDS: '1800', CART_RETENTION_SECONDS: '86400' });
  });

  it('runs the sweeper every minute, two passes each time', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SWEEP_PASSES: '2', SWEEP_PASS_SECONDS: '30' }) },
    });
  });

  it('runs the reconciliation audit daily and on request (POST /audits through the bus), with its read budget, 15 minutes and a dead-letter queue', () => {
    const auditor = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('Auditor'));
    expect(auditor).toBeDefined();
    const [auditorId, fn] = auditor as [string, { Properties: { Timeout: number; MemorySize: number; Environment: { Variables: Record<string, string> } } }];
    expect(fn.Properties).toMatchObject({ Timeout: 900, MemorySize: 1769 });
    expect(fn.Properties.Environment.Variables).toMatchObject({ AUDIT_READ_UNITS_PER_SECOND: '4000', AUDIT_SCAN_SEGMENTS: '4' });
    const target = Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [auditorId, 'Arn'] }, DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })]);
    // Daily, at 03:00 UTC, as the day's scheduled audit.
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      State: 'ENABLED',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [auditorId, 'Arn'] }, Input: JSON.stringify({ trigger: 'schedule' }) })]),
    });
    // On request: InventoryAuditRequested on the service's bus.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { source: ['inventory'], 'detail-type': ['InventoryAuditRequested'] },
      Targets: target,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: auditorId },
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    // It scans; no other function may.
    const dynamo = policyActions('AuditorRoleDefaultPolicy').filter((a) => a.startsWith('dynamodb:')).sort();
    expect(dynamo).toEqual(['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem']);
  });

  it('outputs the API URL, table name and bus name', () => {
    for (const name of ['ApiUrl', 'TableName', 'EventBusName', 'ReorderQueueUrl']) template.hasOutput(name, {});
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });
});

describe('access control', () => {
  const routeResources = () =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => (r as { Properties: { RouteKey: string; AuthorizationType?: string; AuthorizationScopes?: string[] } }).Properties,
    );

  it('puts every non-public route behind the JWT authorizer with its role’s scope, and the public ones in front', () => {
    for (const r of Object.values(routes) as RouteSpec[]) {
      const props = routeResources().find((p) => p.RouteKey === routeKeyOf(r))!;
      if (r.role === 'public') expect(props.AuthorizationType ?? 'NONE').toBe('NONE');
      else expect(props).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: [`inventory/${r.role}`] });
    }
  });

  type Client = {
    Properties: {
      ClientName: string;
      AllowedOAuthFlows: string[];
      AllowedOAuthScopes: unknown[];
      GenerateSecret: boolean;
      CallbackURLs?: unknown[];
      LogoutURLs?: unknown[];
      ExplicitAuthFlows?: string[];
      SupportedIdentityProviders?: string[];
    };
  };
  const clients = () => Object.values(template.findResources('AWS::Cognito::UserPoolClient')) as Client[];
  /** A scope as the template writes it: `<resource server>/<role>`, or a standard scope as is. */
  const scopeName = (s: unknown) => (typeof s === 'string' ? s : `inventory${JSON.stringify(s).match(/"(\/[a-z]+)"/)![1]}`);

  it('without an issuer, makes a Cognito pool with one scope per role and one client-credentials client per role', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'inventory',
      Scopes: ['storefront', 'orders', 'backoffice'].map((s) => Match.objectLike({ ScopeName: s })),
    });
    const machines = clients().filter((c) => c.Properties.AllowedOAuthFlows.includes('client_credentials'));
    expect(machines.map((c) => c.Properties.ClientName).sort()).toEqual(['inventory-backoffice', 'inventory-orders', 'inventory-storefront']);
    for (const c of machines) {
      expect(c.Properties).toMatchObject({ AllowedOAuthFlows: ['client_credentials'], GenerateSecret: true });
      expect(c.Properties.AllowedOAuthScopes.map(scopeName)).toEqual([c.Properties.ClientName.replace('inventory-', 'inventory/')]);
    }
  });

  it('gives operators a public client: authorization code (PKCE) on the managed login page, back-office scope only, back to the dashboard', () => {
    const operators = clients().filter((c) => !c.Properties.AllowedOAuthFlows.includes('client_credentials'));
    expect(operators).toHaveLength(1);
    const p = operators[0].Properties;
    expect(p).toMatchObject({ ClientName: 'inventory-operators', AllowedOAuthFlows: ['code'], GenerateSecret: false, SupportedIdentityProviders: ['COGNITO'] });
    // A browser cannot keep a secret: no secret, and only the hosted page signs people in (no password flows on the client).
    expect(p.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(p.AllowedOAuthScopes.map(scopeName).sort()).toEqual(['inventory/backoffice', 'openid']);
    for (const urls of [p.CallbackURLs, p.LogoutURLs]) {
      expect(urls).toHaveLength(1);
      const url = JSON.stringify(urls![0]);
      expect(url).toContain('DashboardCdn');
      expect(url).toMatch(/"\/"\]\]\}$/); // https://<distribution>/
    }
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { ManagedLoginVersion: 2 });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true, ClientId: Match.anyValue() });
    // The operators' tokens pass the API's JWT authorizer: its audience is every client of the pool.
    const authorizer = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0] as { Properties: { JwtConfiguration: { Audience: unknown[] } } };
    expect(authorizer.Properties.JwtConfiguration.Audience).toHaveLength(4);
  });

  it('puts the pool on the Essentials plan, with MFA (authenticator app) required and no self sign-up', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'ESSENTIALS',
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
    });
  });

  it('outputs what an operator and a service need: the sign-in URL, the operators’ client id, the token URL, the dashboard', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const name of ['OperatorSignInUrl', 'OperatorClientId', 'TokenUrl', 'DashboardUrl', 'UserPoolId', 'storefrontClientId', 'ordersClientId', 'backofficeClientId']) {
      expect(outputs[name]).toBeDefined();
    }
    const signIn = JSON.stringify(outputs.OperatorSignInUrl.Value);
    expect(signIn).toContain('.amazoncognito.com/login?client_id=');
    expect(signIn).toContain('&response_type=code&redirect_uri=https://');
    expect(signIn).toContain('DashboardCdn');
    expect(JSON.stringify(outputs.TokenUrl.Value)).toContain('.amazoncognito.com/oauth2/token');
  });

  it('with the dashboard hosted elsewhere (dashboardOrigin), sends operators back to that origin', () => {
    const t = Template.fromStack(new InventoryStack(testApp(), 'Elsewhere', { corsOrigin: 'https://dashboard.example.com' }));
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'inventory-operators',
      CallbackURLs: ['https://dashboard.example.com/'],
      LogoutURLs: ['https://dashboard.example.com/'],
    });
  });

  it('writes the operators’ sign-in (Cognito domain, client id, scopes, return address) into the dashboard’s config.json', () => {
    const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0] as { Properties: { SourceMarkers?: unknown[] } };
    const markers = JSON.stringify(deployment.Properties.SourceMarkers ?? []);
    expect(markers).toContain('AuthPooloperatorClient');
    expect(markers).toContain('AuthPoolDomain');
  });

  it('throttles the stage, logs access, and lets only the dashboard’s own CloudFront origin call it from a browser', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const api = Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0] as { Properties: { CorsConfiguration: { AllowOrigins: unknown[] } } };
    expect(api.Properties.CorsConfiguration.AllowOrigins).toHaveLength(1);
    expect(JSON.stringify(api.Properties.CorsConfiguration.AllowOrigins[0])).toContain('DashboardCdn');
  });

  it('serves the dashboard from a private bucket through CloudFront, HTTPS only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ DefaultRootObject: 'index.html', DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }) }),
    });
    template.hasOutput('DashboardUrl', {});
  });

  it('with an issuer and a dashboard origin, uses that issuer and allows only that origin', () => {
    const other = testApp();
    const s = new InventoryStack(other, 'External', {
      auth: { issuer: 'https://id.example.com', audience: ['inventory-api'] },
      corsOrigin: 'https://dashboard.example.com',
    });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    t.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    t.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(t.toJSON().Outputs.OperatorSignInUrl).toBeUndefined();
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://id.example.com', Audience: ['inventory-api'] },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://dashboard.example.com'] }) });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'inventory-api', JWT_JWKS_URI: 'https://id.example.com/.well-known/jwks.json' }) },
    });
  });
});
