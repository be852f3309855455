import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per process (Powertools): JSON lines with the request's context. */
export const logger = new Logger({ serviceName: 'inventory' });
