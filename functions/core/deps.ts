import type { Clock, EventPublisher, InventoryStore } from './ports';

/** What every command runs against: built once per process (Lambda module scope, local server, test). */
export interface Deps {
  store: InventoryStore;
  clock: Clock;
  /** How long a cart hold lasts after its last change (CART_HOLD_SECONDS). @default 1800 */
  holdSeconds: number;
  publisher?: EventPublisher;
}
