import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
/** Wires the domain's ports to their AWS adapters. */
import type { MiddlewareObj } from '@middy/core';
import type { Deps } from '../core/deps';
import { systemClock } from '../core/ports';
import { DynamoInventoryStore } from '../dynamodb/store';
import { EventBridgePublisher } from '../eventbridge/event-bridge-publisher';
import { documentClient, eventBridgeClient } from './clients';
import type { Config } from './config';
import { FaultInjector } from './faults';
import { ServiceMetrics } from './metrics';

/**
 * X-Ray tracing of the handlers and of the SDK clients' calls (functions/commons/tracing.ts, Powertools Tracer). Only
 * the Lambda entries make one: npm start, the tests and the benchmark run untraced, without loading the X-Ray SDK.
 */
export interface Tracing {
  /** A handler's middy middleware: a subsegment per invocation. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fits every handler's middy chain, as Powertools' own
  middleware(): MiddlewareObj<any, any, Error, any, any>;
  /** The client, each of its calls a subsegment. */
  client<C extends object>(client: C): C;
}

/**
 * The domain's deps, and what the handlers need besides: the metrics written per invocation, the tracing (Lambda
 * only), the fault injector when the configuration asks for faults (the stream handler crashes by it).
 */
export interface Runtime extends Deps {
  metrics?: ServiceMetrics;
  tracing?: Tracing;
  faults?: FaultInjector;
}

/** What a handler factory takes: the domain's deps, and the tracing when it runs in Lambda. */
export type HandlerDeps = Deps & { tracing?: Tracing };

export function createRuntime(
  config: Config,
  options: {
    tracing?: Tracing;
    /** Called with the table's client once it is made: the local assembly puts the simulated partition limits on it. */
    onTableClient?: (doc: DynamoDBDocumentClient) => void;
  } = {},
): Runtime {
  const { tracing } = options;
  const faults = config.faults ? new FaultInjector(config.faults) : undefined;
  const metrics = config.metrics ? new ServiceMetrics(config.metrics) : undefined;
  const doc = documentClient(config, faults, tracing?.client);
  options.onTableClient?.(doc);
  return {
    store: new DynamoInventoryStore(doc, config.tableName),
    clock: systemClock,
    holdSeconds: config.holdSeconds,
    cartRetentionSeconds: config.cartRetentionSeconds,
    ...(config.eventBusName ? { publisher: new EventBridgePublisher(eventBridgeClient(config, faults, tracing?.client), config.eventBusName, metrics) } : {}),
    ...(metrics ? { metrics } : {}),
    ...(tracing ? { tracing } : {}),
    ...(faults ? { faults } : {}),
  };
}
