/** Lambda entry on the table's stream: its dependencies from the configuration, read once at cold start. */
import { loadConfig } from './commons/config';
import { createRuntime } from './commons/runtime';
import { createStreamHandler } from './streams/handler';

export const handler = createStreamHandler(createRuntime(loadConfig()));
