/** Lambda entry of the auditor (functions/schedule/auditor.ts): the daily schedule and POST /audits, configured at cold start, traced by X-Ray. */
import { loadConfig } from './commons/config';
import { createRuntime } from './commons/runtime';
import { lambdaTracing } from './commons/tracing';
import { createAuditor } from './schedule/auditor';

const config = loadConfig();
export const handler = createAuditor(createRuntime(config, { tracing: lambdaTracing() }), config.auditor).handler;
