// Proves the stack passes cdk-nag's AwsSolutions rule pack: every finding fixed, or acknowledged in code with a reason.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InventoryStack } from '../../lib/inventory-stack';
import { testApp } from './app';

it.each([
  ['with its own Cognito pool', {}],
  ['with an external issuer and a dashboard origin', { auth: { issuer: 'https://id.example.com', audience: ['inventory'] }, corsOrigin: 'https://dash.example.com' }],
])('AwsSolutions: no unacknowledged finding (%s)', (_name, props) => {
  const app = testApp();
  new InventoryStack(app, 'Nag', props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let report = '';
  try {
    app.synth();
  } catch (err) {
    report = (err as Error).message;
  }
  expect(report).toBe('');
});
