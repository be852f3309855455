/** Lambda entry on a one-minute schedule: the expiry sweeper (functions/schedule/sweeper.ts), configured at cold start, traced by X-Ray. */
import { loadConfig } from './commons/config';
import { createRuntime } from './commons/runtime';
import { lambdaTracing } from './commons/tracing';
import { createSweeper } from './schedule/sweeper';

const config = loadConfig();
export const handler = createSweeper(createRuntime(config, { tracing: lambdaTracing() }), config.sweeper).handler;
