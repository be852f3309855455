/**
 * The expiry sweeper: releases carts whose hold lapsed. One run sweeps `passes` times, `passSeconds` apart:
 * in AWS the schedule's finest grain is a minute, so a run every minute sweeps twice, 30 s apart, and a lapsed
 * hold is released within about 30 seconds. Locally the assembly runs it on its own interval, with one pass.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger as defaultLogger, type InvocationLog, type ServiceLogger } from '../commons/logger';
import { releaseExpiredCarts } from '../core/commands/expiry';
import type { Deps } from '../core/deps';

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

export function createSweeper(deps: Deps, settings: SweeperSettings, logger: ServiceLogger = defaultLogger): Sweeper {
  const run = async (log: InvocationLog = logger): Promise<number> => {
    let released = 0;
    for (let pass = 0; pass < settings.passes; pass++) {
      if (pass > 0) await new Promise((r) => setTimeout(r, settings.passSeconds * 1000));
      released += await releaseExpiredCarts(deps, { by: 'sweeper' });
    }
    if (released > 0) log.info('Released lapsed carts', { released });
    return released;
  };
  const handler = middy<unknown, { released: number }>().handler(async (_event, context) => ({ released: await run(logger.forInvocation(context)) }));
  return { run, handler };
}
