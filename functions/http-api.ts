/** Lambda entry for every HTTP route: its dependencies from the configuration, read once at cold start, traced by X-Ray. */
import { loadConfig } from './commons/config';
import { createRuntime } from './commons/runtime';
import { lambdaTracing } from './commons/tracing';
import { authConfigFromEnv, createTokenVerifier } from './http/auth';
import { createHttpHandler } from './http/handler';

export const handler = createHttpHandler(createRuntime(loadConfig(), { tracing: lambdaTracing() }), createTokenVerifier(authConfigFromEnv()));
