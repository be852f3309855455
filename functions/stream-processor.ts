/** Lambda entry on the table's stream: its dependencies from the configuration, read once at cold start. */
import { loadConfig } from './commons/config';
import { createDeps } from './commons/deps';
import { createStreamHandler } from './streams/handler';

export const handler = createStreamHandler(createDeps(loadConfig()));
