/** The CDK app: `npx cdk synth` / `npx cdk deploy`. Context `cartHoldSeconds` overrides the hold period. */
import { App } from 'aws-cdk-lib';
import { InventoryStack } from '../lib/inventory-stack';

const app = new App();
const hold = app.node.tryGetContext('cartHoldSeconds') as string | undefined;
new InventoryStack(app, 'InventoryService', {
  description: 'Inventory service: stock levels, reservations, purchase orders, transfers, low-stock alerts',
  cartHoldSeconds: hold ? Number(hold) : undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
