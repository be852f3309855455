/** Lambda entry on the table's stream: its dependencies from the configuration, read once at cold start, traced by X-Ray. */
import { loadConfig } from './commons/config';
import { createRuntime } from './commons/runtime';
import { lambdaTracing } from './commons/tracing';
import { createStreamHandler } from './streams/handler';

export const handler = createStreamHandler(createRuntime(loadConfig(), { tracing: lambdaTracing() }));
