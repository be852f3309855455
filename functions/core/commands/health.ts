/**
 * `GET /health`: the service is healthy when its table answers. The answer is kept for a couple of seconds
 * per process (one check in flight at a time), so the public route costs at most one read every
 * HEALTH_CACHE_MS however often it is called.
 */
import type { Deps } from '../deps';
import { serviceUnavailable } from '../errors';
import type { InventoryStore } from '../ports';

export const HEALTH_CACHE_MS = 2_000;
const checks = new WeakMap<InventoryStore, { at: number; check: Promise<boolean> }>();

export async function health(deps: Deps): Promise<{ status: 'ok' }> {
  const now = Date.now();
  let entry = checks.get(deps.store);
  if (!entry || now - entry.at > HEALTH_CACHE_MS) {
    entry = {
      at: now,
      check: deps.store.ping().then(
        () => true,
        () => false,
      ),
    };
    checks.set(deps.store, entry);
  }
  if (!(await entry.check)) throw serviceUnavailable();
  return { status: 'ok' };
}
