/**
 * The expiry sweeper: releases carts whose hold lapsed. One run sweeps `passes` times, `passSeconds` apart:
 * in AWS the schedule's finest grain is a minute, so a run every minute sweeps twice, 30 s apart, and a lapsed
 * hold is released within about 30 seconds. Locally the assembly runs it on its own interval, with one pass.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger as defaultLogger, type InvocationLog, type ServiceLogger } from '../commons/logger';
import { inInvocation } from '../commons/metrics';
import type { HandlerDeps } from '../commons/runtime';
import { releaseExpiredCarts } from '../core/commands/expiry';
import type { Deps } from '../core/deps';

/** A cart lapsed this long ago should have been released by ten passes already: LapsedHoldsUnreleased counts those still holding. */
export const UNRELEASED_AFTER_MS = 5 * 60 * 1000;

export interface SweeperSettings {
  /** SWEEP_PASSES. @default 1 */
  passes: number;
  /** SWEEP_PASS_SECONDS: the pause between passes. @default 30 */
  passSeconds: number;
}

export interface Sweeper {
  /** One run: every pass; resolves with how many carts it released. Its lines go to `log` (the handler's: the invocation's logger). */
  run(log?: InvocationLog): Promise<number>;
  /** The Lambda handler on the schedule: one run, its lines with Lambda's context. */
  handler: (event: unknown, context: Context) => Promise<{ released: number }>;
}

/**
 * After each pass, with metrics, the sweeper reports how many carts lapsed more than 5 minutes ago still hold stock
 * (LapsedHoldsUnreleased, the alarm of that name reads its Maximum): 0 when it keeps up. One more read per pass (a Query
 * per expiry shard of the index the pass just read), made only when there are metrics to report it to.
 */
export function createSweeper(deps: HandlerDeps, settings: SweeperSettings, logger: ServiceLogger = defaultLogger): Sweeper {
  const run = async (log: InvocationLog = logger): Promise<number> => {
    let released = 0;
    for (let pass = 0; pass < settings.passes; pass++) {
      if (pass > 0) await new Promise((r) => setTimeout(r, settings.passSeconds * 1000));
      released += await releaseExpiredCarts(deps, { by: 'sweeper' });
      if (deps.metrics) deps.metrics.gauge('LapsedHoldsUnreleased', await countUnreleased(deps));
    }
    if (released > 0) log.info('Released lapsed carts', { released });
    return released;
  };
  const handler = middy<unknown, { released: number }>();
  if (deps.tracing) handler.use(deps.tracing.middleware());
  handler.handler((_event, context) => inInvocation(deps.metrics, async () => ({ released: await run(logger.forInvocation(context)) })));
  return { run, handler };
}

/** Carts whose hold lapsed more than UNRELEASED_AFTER_MS ago and still hold stock (the index lists only those). */
async function countUnreleased(deps: Deps): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - UNRELEASED_AFTER_MS).toISOString();
  return (await deps.store.listExpiredCarts(before)).length;
}
