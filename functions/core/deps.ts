import type { Clock, EventPublisher, InventoryStore, MetricsSink } from './ports';

/** What every command runs against: built once per process (Lambda module scope, local server, test). */
export interface Deps {
  store: InventoryStore;
  clock: Clock;
  /** How long a cart hold lasts after its last change (CART_HOLD_SECONDS). @default 1800 */
  holdSeconds: number;
  /**
   * How long a cart is kept after its hold lapsed (CART_RETENTION_SECONDS): until then its lapsed lines can be
   * checked out (re-reserved if the stock is there), whichever path released them; then DynamoDB's TTL may
   * delete it. @default 86400 (a day)
   */
  cartRetentionSeconds?: number;
  publisher?: EventPublisher;
  /** Where the commands report holds, releases, checkouts, retries and alerts. @default none: nothing is counted */
  metrics?: MetricsSink;
}
