/**
 * Lambda entry on a one-minute schedule: releases carts whose hold lapsed. It sweeps SWEEP_PASSES times
 * per invocation, SWEEP_PASS_SECONDS apart (2 and 30 in AWS), so that a lapsed hold is released within
 * about 30 seconds even though the schedule's finest grain is a minute.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { releaseExpiredCarts } from './core/commands/expiry';
import { loadConfig } from './commons/config';
import { createDeps } from './commons/deps';
import { logger } from './commons/logger';

const deps = createDeps(loadConfig());
const passes = Number(process.env.SWEEP_PASSES ?? '1');
const passSeconds = Number(process.env.SWEEP_PASS_SECONDS ?? '30');

export const sweepOnce = (): Promise<number> => releaseExpiredCarts(deps, { by: 'sweeper' });

export const handler = middy<unknown, { released: number }>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    let released = 0;
    for (let pass = 0; pass < passes; pass++) {
      if (pass > 0) await new Promise((r) => setTimeout(r, passSeconds * 1000));
      released += await sweepOnce();
    }
    if (released > 0) logger.info('Released lapsed carts', { released });
    return { released };
  });
