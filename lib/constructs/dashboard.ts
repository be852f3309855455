import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Distribution, ViewerProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildDashboard } from '../dashboard-build';
import type { DashboardConfig } from '../../dashboard/src/config';


/**
 * The back office's page in AWS: built by esbuild at synth, stored in a private bucket, served by
 * CloudFront (origin access control, HTTPS only). Its URL is the origin the API's CORS allows and where
 * Cognito sends an operator back after signing in; `publish` uploads the page with its config.json.
 */
export class Dashboard extends Construct {
  /** `https://<distribution>.cloudfront.net`, no trailing slash (a CORS origin). */
  readonly url: string;
  private readonly bucket: Bucket;
  private readonly distribution: Distribution;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const distribution = new Distribution(this, 'Cdn', {
      comment: 'Inventory back-office dashboard',
      defaultRootObject: 'index.html',
      defaultBehavior: { origin: S3BucketOrigin.withOriginAccessControl(bucket), viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS },
    });
    this.url = `https://${distribution.distributionDomainName}`;
    this.bucket = bucket;
    this.distribution = distribution;

    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The bucket holds the public, versioned-in-git build of a static page; CloudFront is its only reader.',
    });
    Validations.of(distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'The back office is used from anywhere; access is controlled by the operator’s sign-in and the API token, not by geography.' },
      { id: 'AwsSolutions-CFR2', reason: 'Static files only: every request that reads or changes data goes to the API, which authorizes and throttles it.' },
      { id: 'AwsSolutions-CFR3', reason: 'Static files only; the API stage keeps the access logs that matter.' },
      { id: 'AwsSolutions-CFR4', reason: 'The default CloudFront domain and certificate are used; a custom domain with TLS 1.2 minimum is a deployment choice.' },
    );
  }

  /** Builds the page and uploads it with its config.json (tokens such as the API's URL are resolved at deploy). */
  publish(config: Omit<DashboardConfig, 'token'>): void {
    const { bucket, distribution } = this;
    const built = buildDashboard(mkdtempSync(path.join(tmpdir(), 'inventory-dashboard-')));
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      // Its own log group, like the service's functions: without one, the flag @aws-cdk/aws-lambda:useCdkManagedLogGroup
      // gives CDK's upload function a log group kept for two years and retained when the stack is deleted.
      logGroup: new LogGroup(this, 'DeployLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      distribution,
      sources: [Source.asset(built), Source.jsonData('config.json', config)],
    });
    // The upload is done by CDK's own BucketDeployment function (a stack-level singleton): its runtime and permissions are CDK's.
    // cdk-nag names each wildcard finding, so each is acknowledged by name.
    const bucketId = Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnBucket);
    const cdkOwn = 'A permission CDK’s BucketDeployment function needs to copy the build from the asset bucket and prune the site bucket.';
    for (const c of Stack.of(this).node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      Validations.of(c).acknowledge(
        { id: 'AwsSolutions-L1', reason: 'A CDK-provided function (BucketDeployment): CDK picks its runtime.' },
        { id: 'Serverless-LambdaLatestVersion', reason: 'A CDK-provided function (BucketDeployment): CDK picks its runtime.' },
        { id: 'Serverless-LambdaTracing', reason: 'A CDK-provided function (BucketDeployment) that runs only during deployments; CloudFormation reports its failures.' },
        {
          id: 'Serverless-LambdaDLQ',
          reason: 'A CDK-provided function (BucketDeployment), invoked by CloudFormation as a custom resource: a failure fails the deployment, there is no event to keep.',
        },
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'A CDK-provided function (BucketDeployment): it uses the managed basic execution role.',
        },
        ...[
          'Action::s3:GetObject*',
          'Action::s3:GetBucket*',
          'Action::s3:List*',
          'Action::s3:DeleteObject*',
          'Action::s3:Abort*',
          'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
          `Resource::<${bucketId}.Arn>/*`,
          'Resource::*',
        ].map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason: cdkOwn })),
      );
    }
  }
}
