// The CDK app the infra tests synthesize: cdk.json's context (its feature flags), so the template under test is the one `cdk deploy` makes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';

/** cdk.json's context: the feature flags every deployment runs with. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

/** An app with cdk.json's context and, unless asked otherwise, no bundling (it is exercised by `cdk synth` in the benchmark). */
export const testApp = (context: Record<string, unknown> = {}): App =>
  new App({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context } });
