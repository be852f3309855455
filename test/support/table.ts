/** A fresh table per test file on the run's DynamoDB Local, and the domain's deps wired to it. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/commons/clients';
import type { Config } from '../../functions/commons/config';
import type { Deps } from '../../functions/core/deps';
import type { Clock } from '../../functions/core/ports';
import { DynamoInventoryStore } from '../../functions/dynamodb/store';
import type { FaultInjector } from '../../functions/commons/faults';
import { ensureTable, localClientConfig } from '../../lib/local/dynamodb-local';

export interface TestClock extends Clock {
  advance(seconds: number): void;
  set(date: Date): void;
}

/** Real time, plus an offset a test can move forward. */
export const testClock = (): TestClock => {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (s) => {
      offset += s * 1000;
    },
    set: (d) => {
      offset = d.getTime() - Date.now();
    },
  };
};

export interface TestTable {
  tableName: string;
  endpoint: string;
  streamArn: string;
  config: Config;
  doc: DynamoDBDocumentClient;
  deps: Deps & { clock: TestClock };
  drop(): Promise<void>;
}

export async function createTestTable(
  options: { holdSeconds?: number; cartRetentionSeconds?: number; /** Faults to inject into the store's client. */ faults?: FaultInjector } = {},
): Promise<TestTable> {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run through jest (test/support/global-setup.ts)');
  const tableName = `test-${randomUUID()}`;
  const streamArn = await ensureTable(endpoint, tableName);
  const config: Config = {
    tableName,
    holdSeconds: options.holdSeconds ?? 1800,
    cartRetentionSeconds: options.cartRetentionSeconds ?? 86_400,
    sweeper: { passes: 1, passSeconds: 30 },
    auditor: { readUnitsPerSecond: 4000, segments: 2, confirmSeconds: 1 },
    dynamodbEndpoint: endpoint,
    region: 'us-east-1',
  };
  const doc = documentClient(config, options.faults);
  const clock = testClock();
  return {
    tableName,
    endpoint,
    streamArn,
    config,
    doc,
    deps: {
      store: new DynamoInventoryStore(doc, tableName, clock),
      clock,
      holdSeconds: config.holdSeconds,
      cartRetentionSeconds: config.cartRetentionSeconds,
    },
    drop: async () => {
      const raw = new DynamoDBClient(localClientConfig(endpoint));
      await raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      raw.destroy();
      doc.destroy();
    },
  };
}
