import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { INDEXES } from '../../functions/dynamodb/table-schema';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Where the functions' own metrics land: Powertools Metrics writes them as EMF log lines in this namespace, with the
 * default dimension `service` (POWERTOOLS_SERVICE_NAME). The alarms and the dashboard (monitoring.ts) read them from here.
 */
export const SERVICE_METRICS = { namespace: 'Inventory', service: 'inventory' } as const;

/** What a function may do to the table: only the DynamoDB actions it uses. */
export type TableAccess = 'GetItem' | 'BatchGetItem' | 'Query' | 'Scan' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

export interface ServiceFunctionProps {
  /** The entry file under functions/, e.g. `http-api.ts`. */
  entry: string;
  description: string;
  /** @default 512 */
  memorySize?: number;
  /** @default 10 seconds */
  timeout?: Duration;
  environment?: Record<string, string>;
}

/**
 * A Lambda function of this service: Node.js 22 on ARM64, X-Ray tracing, JSON logs kept for a month,
 * bundled by a local esbuild (no Docker) with the AWS SDK left to the runtime.
 */
export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // Its own role, allowed to write its own log group only (instead of the managed AWSLambdaBasicExecutionRole).
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    super(scope, id, {
      role,
      entry: path.join(ROOT, 'functions', props.entry),
      handler: 'handler',
      description: props.description,
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_METRICS.service,
        POWERTOOLS_METRICS_NAMESPACE: SERVICE_METRICS.namespace,
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: OutputFormat.CJS,
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
      },
    });
    const runtimeReason = 'Node.js 22 is the runtime the product is built and tested for (the product card fixes it); moving to a newer one is a deliberate upgrade.';
    Validations.of(this).acknowledge({ id: 'AwsSolutions-L1', reason: runtimeReason }, { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has no resource-level permissions: AWS requires Resource "*".',
    });
  }

  /** Sets TABLE_NAME and grants exactly the given actions on the table and its indexes. */
  bindTable(table: ITable, actions: TableAccess[]): this {
    this.addEnvironment('TABLE_NAME', table.tableName);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: actions.map((a) => `dynamodb:${a}`),
        resources: [table.tableArn, ...INDEXES.map((i) => `${table.tableArn}/index/${i.name}`)],
      }),
    );
    return this;
  }
}
