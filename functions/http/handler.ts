/**
 * The HTTP handler: API Gateway HTTP API (payload 2.0) → dispatch by the route table → the contract's
 * responses. Built from its dependencies, so the Lambda entry (functions/http-api.ts), the local server,
 * the tests and the benchmark all run the same handler with their own.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger as defaultLogger } from '../commons/logger';
import type { Deps } from '../core/deps';
import type { TokenVerifier } from './auth';
import { dispatch } from './dispatch';
import { errorResponse } from './respond';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export function createHttpHandler(deps: Deps, verifier: TokenVerifier, logger: Logger = defaultLogger): HttpHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .use({
      onError: (request) => {
        request.response = errorResponse(request.error, logger);
      },
    })
    .handler((event) => dispatch(deps, event, verifier));
}
