import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';

/** What an invocation logs with: the levels, and keys for the lines that follow. */
export type InvocationLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error' | 'appendKeys'>;

/**
 * The service's structured logger (Powertools Logger: JSON lines), with one addition: a logger per invocation.
 *
 * `forInvocation` gives the logger of one invocation: this logger's configuration with Lambda's context
 * (`function_request_id`, `cold_start`, ...) and, for an API request, `correlation_id`, the API Gateway request id (the
 * access log's `requestId`). Every line an invocation writes goes through it. It is a child made for the invocation,
 * not keys appended to one shared logger (what `injectLambdaContext` does): in Lambda one invocation runs at a time and
 * both give the same lines, but `npm start` runs the three handlers and many requests at once in one process, where
 * shared keys would be some other request's. The child is made when the invocation first writes a line (a Logger
 * costs some 80 µs of CPU to build, about a third of what the service itself spends on a read; most requests log
 * nothing).
 */
export class ServiceLogger extends Logger {
  forInvocation(context: Context, correlationId?: string): InvocationLog {
    // Taken now, at the invocation: only the process's first one is a cold start (a new Logger would take every one).
    const coldStart = this.getColdStart();
    const keys: LogAttributes = {};
    let child: ServiceLogger | undefined;
    const log = (): ServiceLogger => {
      if (child) return child;
      child = this.createChild() as ServiceLogger;
      child.coldStart = coldStart;
      child.addContext(context);
      if (correlationId) child.setCorrelationId(correlationId);
      child.appendKeys(keys);
      return child;
    };
    return {
      debug: (input, ...extra) => log().debug(input, ...extra),
      info: (input, ...extra) => log().info(input, ...extra),
      warn: (input, ...extra) => log().warn(input, ...extra),
      error: (input, ...extra) => log().error(input, ...extra),
      appendKeys: (attributes) => (child ? child.appendKeys(attributes) : Object.assign(keys, attributes)),
    };
  }

  /** Children (createChild) are ServiceLoggers too. */
  protected override createLogger(options?: ConstructorOptions): Logger {
    return new ServiceLogger(options);
  }
}

/** One logger per process: the three Lambda entries' handlers log through it (a child of it per invocation). */
export const logger = new ServiceLogger({ serviceName: 'inventory' });
