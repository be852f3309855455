/**
 * Test layers as jest projects (run one with `npx jest --selectProjects unit`):
 *  unit         the domain and pure modules, no I/O (but the benchmark's HTTP client, on loopback)
 *  integration  every condition and transaction path against DynamoDB Local
 *  infra        the CDK stack, with Template assertions
 *  e2e          `npm start`'s assembly over HTTP
 * One DynamoDB Local is started for the whole run (test/support/global-setup.ts) on a free port, and
 * stopped at the end; each test file works in its own table.
 */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  // Some dependencies (middy) ship ES modules only: compiled to CommonJS for jest, like our own code.
  '^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const project = (name, extra = {}) => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform,
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  testEnvironment: 'node',
  ...extra,
});

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [project('unit'), project('integration'), project('infra'), project('e2e')],
  testTimeout: 60_000,
};
