/** Lambda entry for every HTTP route: its dependencies from the configuration, read once at cold start. */
import { loadConfig } from './commons/config';
import { createDeps } from './commons/deps';
import { authConfigFromEnv, createTokenVerifier } from './http/auth';
import { createHttpHandler } from './http/handler';

export const handler = createHttpHandler(createDeps(loadConfig()), createTokenVerifier(authConfigFromEnv()));
