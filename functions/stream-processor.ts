/**
 * Lambda entry on the table's stream. Each record is handled on its own (Powertools batch processor):
 * a failure is reported as a batch item failure, so the stream retries from it (bisecting, then to the
 * dead-letter queue) and no record is dropped.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from './commons/config';
import { createDeps } from './commons/deps';
import { logger } from './commons/logger';
import { createStreamBatchHandler } from './streams/on-table-change';

const handleBatch = createStreamBatchHandler(createDeps(loadConfig()), logger);

export const handler = middy<DynamoDBStreamEvent, unknown>()
  .use(injectLambdaContext(logger))
  .handler((event, context) => handleBatch(event, context));
