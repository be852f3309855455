/** Wires the domain's ports to their AWS adapters. */
import type { Deps } from '../core/deps';
import { systemClock } from '../core/ports';
import { DynamoInventoryStore } from '../dynamodb/store';
import { EventBridgePublisher } from '../eventbridge/event-bridge-publisher';
import { documentClient, eventBridgeClient } from './clients';
import type { Config } from './config';
import { FaultInjector } from './faults';

/** The domain's deps, and the fault injector when the configuration asks for faults (the stream handler crashes by it). */
export interface Runtime extends Deps {
  faults?: FaultInjector;
}

export function createRuntime(config: Config): Runtime {
  const faults = config.faults ? new FaultInjector(config.faults) : undefined;
  return {
    store: new DynamoInventoryStore(documentClient(config, faults), config.tableName),
    clock: systemClock,
    holdSeconds: config.holdSeconds,
    cartRetentionSeconds: config.cartRetentionSeconds,
    ...(config.eventBusName ? { publisher: new EventBridgePublisher(eventBridgeClient(config, faults), config.eventBusName) } : {}),
    ...(faults ? { faults } : {}),
  };
}
