/** Wires the domain's ports to their AWS adapters. */
import type { Deps } from '../core/deps';
import { systemClock } from '../core/ports';
import { DynamoInventoryStore } from '../dynamodb/store';
import { EventBridgePublisher } from '../events/event-bridge-publisher';
import { documentClient, eventBridgeClient } from './clients';
import type { Config } from './config';

export function createDeps(config: Config): Deps {
  return {
    store: new DynamoInventoryStore(documentClient(config), config.tableName),
    clock: systemClock,
    holdSeconds: config.holdSeconds,
    cartRetentionSeconds: config.cartRetentionSeconds,
    ...(config.eventBusName ? { publisher: new EventBridgePublisher(eventBridgeClient(config), config.eventBusName) } : {}),
  };
}
