/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Context: `cartHoldSeconds`, `cartRetentionSeconds`, `jwtIssuer` and `jwtAudience` (an existing
 * identity provider instead of the Cognito pool), `dashboardOrigin` (the only origin CORS allows), `alarmEmail` (subscribed to
 * the alarm topic; docs/operations.md), `auditReadUnitsPerSecond` (the reconciliation audit's read budget; docs/operations.md).
 */
import { App } from 'aws-cdk-lib';
import { InventoryStack } from '../lib/inventory-stack';

const app = new App();
const hold = app.node.tryGetContext('cartHoldSeconds') as string | undefined;
const retention = app.node.tryGetContext('cartRetentionSeconds') as string | undefined;
const issuer = app.node.tryGetContext('jwtIssuer') as string | undefined;
const audience = app.node.tryGetContext('jwtAudience') as string | undefined;
const auditRate = app.node.tryGetContext('auditReadUnitsPerSecond') as string | undefined;
new InventoryStack(app, 'InventoryService', {
  description: 'Inventory service: stock levels, reservations, purchase orders, transfers, low-stock alerts, stock counts, audits',
  cartHoldSeconds: hold ? Number(hold) : undefined,
  cartRetentionSeconds: retention ? Number(retention) : undefined,
  auth: issuer
    ? { issuer, audience: audience?.split(',').map((a) => a.trim()).filter(Boolean) }
    : { domainPrefix: app.node.tryGetContext('cognitoDomainPrefix') as string | undefined },
  corsOrigin: app.node.tryGetContext('dashboardOrigin') as string | undefined,
  alarmEmail: app.node.tryGetContext('alarmEmail') as string | undefined,
  auditReadUnitsPerSecond: auditRate ? Number(auditRate) : undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
