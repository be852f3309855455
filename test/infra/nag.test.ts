// Proves the stack passes cdk-nag's AwsSolutions and Serverless rule packs: every finding fixed, or acknowledged in code with a reason.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { InventoryStack, type InventoryStackProps } from '../../lib/inventory-stack';
import { testApp } from './app';

const variants: [string, InventoryStackProps][] = [
  ['with its own Cognito pool', {}],
  ['with an external issuer and a dashboard origin', { auth: { issuer: 'https://id.example.com', audience: ['inventory'] }, corsOrigin: 'https://dash.example.com' }],
  ['with an alarm email', { alarmEmail: 'oncall@example.com' }],
];
const packs = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['Serverless', () => new ServerlessChecks()],
] as const;

describe.each(packs)('%s', (_pack, makePack) => {
  it.each(variants)('no unacknowledged finding (%s)', (_name, props) => {
    const app = testApp();
    new InventoryStack(app, 'Nag', props);
    Validations.of(app).addPlugins(makePack());
    let report = '';
    try {
      app.synth();
    } catch (err) {
      report = (err as Error).message;
    }
    expect(report).toBe('');
  });
});
