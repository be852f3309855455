// Proves cdk.json sets every feature flag aws-cdk-lib recommends to its recommended value, so deployments and these tests run with them.
import { readFileSync } from 'node:fs';
import { cdkJsonContext } from './app';

it('cdk.json sets each recommended feature flag to its recommended value', () => {
  // After an aws-cdk-lib upgrade, a new flag fails this test: read its description (`npx cdk flags --unstable=flags`), then set it.
  const recommended = JSON.parse(readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>;
  const set = Object.fromEntries(Object.keys(recommended).map((flag) => [flag, cdkJsonContext[flag]]));
  expect(set).toEqual(recommended);
});
