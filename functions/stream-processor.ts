/**
 * Lambda entry on the table's stream. Each record is handled on its own (Powertools batch processor):
 * a failure is reported as a batch item failure, so the stream retries from it (bisecting, then to the
 * dead-letter queue) and no record is dropped.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from './commons/config';
import { createDeps } from './commons/deps';
import { logger } from './commons/logger';
import { handleTableChange } from './streams/on-table-change';

const deps = createDeps(loadConfig());
const processor = new BatchProcessor(EventType.DynamoDBStreams);

const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
  await handleTableChange(deps, record, logger);
};

export const handler = middy<DynamoDBStreamEvent, unknown>()
  .use(injectLambdaContext(logger))
  .handler((event, context) => processPartialResponse(event, recordHandler, processor, { context }));
