/**
 * X-Ray tracing with Powertools Tracer: a subsegment per invocation (`## <handler>`, annotated ColdStart and Service)
 * and one per AWS SDK call (DynamoDB, EventBridge) and per outbound HTTPS request (the JWKS fetch). The functions run
 * with active tracing (lib/constructs/service-function.ts); outside Lambda the Tracer disables itself.
 *
 * Only the Lambda entries (functions/http-api.ts, stream-processor.ts, sweeper.ts) import this module. Loading the X-Ray
 * SDK (aws-xray-sdk-core) starts its context tracking at once (cls-hooked: an async hook on every promise), which makes
 * a promise-heavy process several times slower whether tracing is on or not; npm start, the tests and the benchmark
 * never load it.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj, Request } from '@middy/core';
import type { Tracing } from './runtime';

/**
 * The handler's subsegment is closed as an error only when the invocation failed: an error the HTTP handler answered
 * with a 4xx (a refusal, a validation error, a 404) is the API working, not failing. Responses are not recorded (a
 * response body is the caller's data, and a segment holds at most 64 KB).
 */
export function lambdaTracing(tracer: Tracer = new Tracer()): Tracing {
  const capture = captureLambdaHandler(tracer, { captureResponse: false }) as Required<MiddlewareObj>;
  const answered = (request: Request) => {
    const status = (request.response as { statusCode?: number } | undefined)?.statusCode;
    return status !== undefined && status < 500;
  };
  return {
    middleware: () => ({
      before: capture.before,
      after: capture.after,
      onError: (request) => (answered(request) ? capture.after(request) : capture.onError(request)),
    }),
    client: (client) => tracer.captureAWSv3Client(client),
  };
}
