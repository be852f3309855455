/** Lambda entry for every HTTP route: its dependencies from the configuration, read once at cold start. */
import { loadConfig } from './commons/config';
import { createRuntime } from './commons/runtime';
import { authConfigFromEnv, createTokenVerifier } from './http/auth';
import { createHttpHandler } from './http/handler';

export const handler = createHttpHandler(createRuntime(loadConfig()), createTokenVerifier(authConfigFromEnv()));
