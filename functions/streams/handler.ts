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
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Runtime } from '../commons/runtime';
import { logger as defaultLogger, type ServiceLogger } from '../commons/logger';
import { inInvocation } from '../commons/metrics';
import type { FaultInjector } from '../commons/faults';
import { handleTableChange, type StreamDeps } from './on-table-change';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/**
 * One batch, in order (see the module comment); `faults` may crash it part-way (FAULT_INJECTION crash). With a logger,
 * every line of the invocation carries Lambda's context and the record's `sequenceNumber` (what the partial batch
 * response and the dead-letter pointers name), and a record that fails is logged at ERROR with its error: the stream
 * retries it, so it is not a Lambda error, and this line is where its cause is seen.
 */
export function createStreamBatchHandler(deps: StreamDeps, options: { logger?: ServiceLogger; faults?: FaultInjector } = {}): StreamHandler {
  const { faults } = options;
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event, context) => {
    // How far behind the stream the batch is: its oldest record's age (StreamBatchAge; Lambda's IteratorAge is the newest's).
    const oldest = Math.min(...event.Records.map((r) => r.dynamodb?.ApproximateCreationDateTime ?? Infinity));
    if (Number.isFinite(oldest)) deps.metrics?.gauge('StreamBatchAge', Math.max(0, deps.clock.now().getTime() - oldest * 1000));
    // One invocation's logger, its records handled one after the other: the record's key can be set on it in turn.
    const log = options.logger?.forInvocation(context);
    const batchDeps: StreamDeps = { ...deps, configs: new Map(), judgedHot: new Set() };
    const handle = (record: DynamoDBRecord) => {
      log?.appendKeys({ sequenceNumber: record.dynamodb?.SequenceNumber });
      return handleTableChange(batchDeps, record, log);
    };
    if (faults?.draw('crash')) {
      // The invocation dies part-way: the records before that point were handled, and the whole batch comes again.
      const upTo = Math.floor(faults.random() * event.Records.length);
      for (const record of event.Records.slice(0, upTo)) await handle(record);
      throw new Error(`Injected crash of the stream handler after ${upTo} of ${event.Records.length} records`);
    }
    let failed = false;
    const handleInOrder = async (record: DynamoDBRecord): Promise<void> => {
      if (failed) throw new Error('Not handled: an earlier record of the batch failed');
      try {
        await handle(record);
      } catch (err) {
        failed = true;
        log?.error('Stream record failed: reported as a batch item failure, the stream retries it', err as Error);
        throw err;
      }
    };
    return processPartialResponse(event, handleInOrder, processor, { context, processInParallel: false });
  };
}

/**
 * The Lambda handler on the stream. Without a bus (EVENT_BUS_NAME) it does not start: alert records would be
 * acknowledged and their events never published. The batch's metrics are written when it ends; in Lambda it is traced.
 */
export function createStreamHandler(runtime: Runtime, logger: ServiceLogger = defaultLogger): StreamHandler {
  const { publisher } = runtime;
  if (!publisher) throw new Error('Environment variable EVENT_BUS_NAME is required by the stream processor');
  const handleBatch = createStreamBatchHandler({ ...runtime, publisher }, { logger, faults: runtime.faults });
  const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>();
  if (runtime.tracing) handler.use(runtime.tracing.middleware());
  return handler.handler((event, context) => inInvocation(runtime.metrics, () => handleBatch(event, context)));
}
