/** Lambda entry on a one-minute schedule: the expiry sweeper (functions/schedule/sweeper.ts), configured at cold start. */
import { loadConfig } from './commons/config';
import { createDeps } from './commons/deps';
import { createSweeper } from './schedule/sweeper';

const config = loadConfig();
export const handler = createSweeper(createDeps(config), config.sweeper).handler;
