/**
 * The HTTP handler: API Gateway HTTP API (payload 2.0) → dispatch by the route table → the contract's
 * responses. Built from its dependencies, so the Lambda entry (functions/http-api.ts), the local server,
 * the tests and the benchmark all run the same handler with their own.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger as defaultLogger, type InvocationLog, type ServiceLogger } from '../commons/logger';
import { inInvocation } from '../commons/metrics';
import type { HandlerDeps } from '../commons/runtime';
import type { TokenVerifier } from './auth';
import { dispatch } from './dispatch';
import { errorResponse } from './respond';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Every line a request logs carries Lambda's context and `correlation_id`: the API Gateway request id, which is
 * `requestId` in the API's access log (whose `integrationRequestId` is the line's `function_request_id`). The metrics
 * the request recorded are written when it ends; in Lambda, the invocation is traced (its subsegment first in, last out).
 */
export function createHttpHandler(deps: HandlerDeps, verifier: TokenVerifier, logger: ServiceLogger = defaultLogger): HttpHandler {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context, { log?: InvocationLog }>();
  if (deps.tracing) handler.use(deps.tracing.middleware());
  return handler
    .before((request) => {
      request.internal.log = logger.forInvocation(request.context, request.event.requestContext?.requestId);
    })
    .onError((request) => {
      // Every error, the handler's and middy's own (its early timeout), is answered: the contract's body, or a 500 logged.
      request.response = errorResponse(request.error, request.internal.log ?? logger);
    })
    .handler((event) => inInvocation(deps.metrics, () => dispatch(deps, event, verifier)));
}
