/** Lambda entry on a one-minute schedule: the expiry sweeper (functions/schedule/sweeper.ts), configured at cold start. */
import { loadConfig } from './commons/config';
import { createRuntime } from './commons/runtime';
import { createSweeper } from './schedule/sweeper';

const config = loadConfig();
export const handler = createSweeper(createRuntime(config), config.sweeper).handler;
