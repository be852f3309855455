/**
 * The stream processor's handler on the table's stream, built from its dependencies (the Lambda entry and the
 * local stream poller both call it). Records are handled one at a time, in the stream's order (the Powertools
 * default handles a batch's records concurrently, which let a release be applied before the hold it undoes):
 * a change to an item is only ever handled after the changes before it. Once a record fails, the records after
 * it in the batch are not handled but reported failed too, so the retry (which starts from the first failure)
 * sees them in order again. A failure is a batch item failure, so the stream retries (bisecting, then to the
 * dead-letter queue) and no record is dropped.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Runtime } from '../commons/runtime';
import { logger as defaultLogger } from '../commons/logger';
import type { FaultInjector } from '../commons/faults';
import { handleTableChange, type StreamDeps } from './on-table-change';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/** One batch, in order (see the module comment); `faults` may crash it part-way (FAULT_INJECTION crash). */
export function createStreamBatchHandler(deps: StreamDeps, options: { logger?: Pick<Logger, 'info'>; faults?: FaultInjector } = {}): StreamHandler {
  const { logger, faults } = options;
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event, context) => {
    if (faults?.draw('crash')) {
      // The invocation dies part-way: the records before that point were handled, and the whole batch comes again.
      const upTo = Math.floor(faults.random() * event.Records.length);
      for (const record of event.Records.slice(0, upTo)) await handleTableChange(deps, record, logger);
      throw new Error(`Injected crash of the stream handler after ${upTo} of ${event.Records.length} records`);
    }
    let failed = false;
    const handleInOrder = async (record: DynamoDBRecord): Promise<void> => {
      if (failed) throw new Error('Not handled: an earlier record of the batch failed');
      try {
        await handleTableChange(deps, record, logger);
      } catch (err) {
        failed = true;
        throw err;
      }
    };
    return processPartialResponse(event, handleInOrder, processor, { context, processInParallel: false });
  };
}

/**
 * The Lambda handler on the stream: the batch handler with the request's context in every log line. Without a
 * bus (EVENT_BUS_NAME) it does not start: alert records would be acknowledged and their events never published.
 */
export function createStreamHandler(runtime: Runtime, logger: Logger = defaultLogger): StreamHandler {
  const { publisher } = runtime;
  if (!publisher) throw new Error('Environment variable EVENT_BUS_NAME is required by the stream processor');
  const handleBatch = createStreamBatchHandler({ ...runtime, publisher }, { logger, faults: runtime.faults });
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .handler((event, context) => handleBatch(event, context));
}
